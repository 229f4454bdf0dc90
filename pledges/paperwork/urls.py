"""The paperwork pages. Included by pledges/urls.py under the `pledges` namespace."""

from django.urls import path

from pledges.paperwork.views import shipment_document

urlpatterns = [
    # One of pledges.paperwork.documents.DOCUMENTS, e.g. /transporten/12/papieren/gift_letter.pdf?language=nl
    path("transporten/<int:pk>/papieren/<slug:document>.pdf", shipment_document, name="shipment_document"),
]
