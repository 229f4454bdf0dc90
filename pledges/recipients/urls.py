"""The recipients pages. Included by pledges/urls.py under the `pledges` namespace."""

from django.urls import path

from pledges.recipients.views import recipient_create, recipient_detail, recipient_edit, recipient_list

urlpatterns = [
    path("ontvangers/", recipient_list, name="recipient_list"),
    path("ontvangers/nieuw/", recipient_create, name="recipient_create"),
    path("ontvangers/<int:pk>/", recipient_detail, name="recipient_detail"),
    path("ontvangers/<int:pk>/wijzigen/", recipient_edit, name="recipient_edit"),
]
