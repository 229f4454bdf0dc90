from django.urls import path

from pledges.views import donations, needs, offers

app_name = "pledges"

urlpatterns = [
    path("", donations.home, name="home"),
    path("donaties/", donations.donation_list, name="donation_list"),
    path("donaties/nieuw/", donations.donation_create, name="donation_create"),
    path("donaties/<int:pk>/", donations.donation_detail, name="donation_detail"),
    path("donaties/<int:pk>/wijzigen/", donations.donation_edit, name="donation_edit"),
    path("donaties/<int:pk>/intrekken/", donations.donation_withdraw, name="donation_withdraw"),
    path("materieel/", offers.offer_list, name="offer_list"),
    path("materieel/nieuw/", offers.offer_create, name="offer_create"),
    path("materieel/bulk/", offers.offer_bulk, name="offer_bulk"),
    path("materieel/<int:pk>/", offers.offer_detail, name="offer_detail"),
    path("materieel/<int:pk>/wijzigen/", offers.offer_edit, name="offer_edit"),
    path("materieel/<int:pk>/status/", offers.offer_move, name="offer_move"),
    path("materieel/<int:pk>/fotos/<int:photo_pk>/", offers.offer_photo, name="offer_photo"),
    path("behoeften/", needs.need_board, name="need_board"),
    path("behoeften/nieuw/", needs.need_create, name="need_create"),
    path("behoeften/<int:destination_pk>/", needs.need_city, name="need_city"),
    path("behoeften/<int:pk>/wijzigen/", needs.need_edit, name="need_edit"),
]
