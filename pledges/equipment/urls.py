"""The equipment pages: offers (form, photos, moves, the table and bulk moves) and the needs of the cities.

Included by pledges/urls.py under the `pledges` namespace.
"""

from django.urls import path

from pledges.equipment.views import (
    need_board,
    need_city,
    need_create,
    need_edit,
    offer_bulk,
    offer_create,
    offer_detail,
    offer_edit,
    offer_list,
    offer_move,
    offer_photo,
)

urlpatterns = [
    path("materieel/", offer_list, name="offer_list"),
    path("materieel/nieuw/", offer_create, name="offer_create"),
    path("materieel/bulk/", offer_bulk, name="offer_bulk"),
    path("materieel/<int:pk>/", offer_detail, name="offer_detail"),
    path("materieel/<int:pk>/wijzigen/", offer_edit, name="offer_edit"),
    path("materieel/<int:pk>/status/", offer_move, name="offer_move"),
    path("materieel/<int:pk>/fotos/<int:photo_pk>/", offer_photo, name="offer_photo"),
    path("behoeften/", need_board, name="need_board"),
    path("behoeften/nieuw/", need_create, name="need_create"),
    path("behoeften/<int:destination_pk>/", need_city, name="need_city"),
    path("behoeften/<int:pk>/wijzigen/", need_edit, name="need_edit"),
]
