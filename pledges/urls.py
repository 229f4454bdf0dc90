from django.urls import path

from pledges.views import donations

app_name = "pledges"

urlpatterns = [
    path("", donations.home, name="home"),
    path("donaties/", donations.donation_list, name="donation_list"),
    path("donaties/nieuw/", donations.donation_create, name="donation_create"),
    path("donaties/<int:pk>/", donations.donation_detail, name="donation_detail"),
    path("donaties/<int:pk>/wijzigen/", donations.donation_edit, name="donation_edit"),
    path("donaties/<int:pk>/intrekken/", donations.donation_withdraw, name="donation_withdraw"),
]
