"""The shipments' pages, the packing list, and the recipient city's signed link.

Included by pledges/urls.py under the `pledges` namespace.
"""

from django.urls import path

from pledges.logistics.views import (
    packing_list,
    packing_list_xlsx,
    recipient,
    recipient_link,
    shipment_collect,
    shipment_create,
    shipment_detail,
    shipment_edit,
    shipment_list,
    shipment_loading,
    shipment_move,
    shipment_rate,
)

urlpatterns = [
    path("transporten/", shipment_list, name="shipment_list"),
    path("transporten/nieuw/", shipment_create, name="shipment_create"),
    path("transporten/<int:pk>/", shipment_detail, name="shipment_detail"),
    path("transporten/<int:pk>/wijzigen/", shipment_edit, name="shipment_edit"),
    path("transporten/<int:pk>/lading/", shipment_loading, name="shipment_loading"),
    path("transporten/<int:pk>/status/", shipment_move, name="shipment_move"),
    path("transporten/<int:pk>/koers/", shipment_rate, name="shipment_rate"),
    path("transporten/<int:pk>/opgehaald/", shipment_collect, name="shipment_collect"),
    path("transporten/<int:pk>/paklijst/", packing_list, name="shipment_packing_list"),
    path("transporten/<int:pk>/paklijst.xlsx", packing_list_xlsx, name="shipment_packing_list_xlsx"),
    path("transporten/<int:pk>/ontvangstlink/", recipient_link, name="shipment_recipient_link"),
    # Public on purpose: a signed, expiring link for the recipient city (see pledges.logistics.receipts).
    path("ontvangst/<str:token>/", recipient, name="recipient"),
]
