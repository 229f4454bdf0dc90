from django.urls import path

from pledges.views import contribution, dashboards, donations, finance, needs, offers, recipient, shipments

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
    path("transporten/", shipments.shipment_list, name="shipment_list"),
    path("transporten/nieuw/", shipments.shipment_create, name="shipment_create"),
    path("transporten/<int:pk>/", shipments.shipment_detail, name="shipment_detail"),
    path("transporten/<int:pk>/lading/", shipments.shipment_loading, name="shipment_loading"),
    path("transporten/<int:pk>/status/", shipments.shipment_move, name="shipment_move"),
    path("transporten/<int:pk>/paklijst/", shipments.packing_list, name="shipment_packing_list"),
    path("transporten/<int:pk>/paklijst.xlsx", shipments.packing_list_xlsx, name="shipment_packing_list_xlsx"),
    path("transporten/<int:pk>/ontvangstlink/", shipments.recipient_link, name="shipment_recipient_link"),
    # Public on purpose: a signed, expiring link for the recipient city (see pledges.receipts).
    path("ontvangst/<str:token>/", recipient.recipient, name="recipient"),
    path("bijdrage/", contribution.contribution_home, name="contribution_home"),
    path("bijdrage/<str:code>/", contribution.contribution, name="contribution"),
    path(
        "bijdrage/<str:code>/ontvangstfoto/<int:offer_pk>/",
        contribution.receipt_photo,
        name="contribution_receipt_photo",
    ),
    path("overzicht/", dashboards.my_dashboard, name="my_dashboard"),
    path("overzicht/oproepen/", dashboards.dashboard_home, name="dashboard_home"),
    path("overzicht/oproepen/<int:pk>/", dashboards.appeal_dashboard, name="appeal_dashboard"),
    path("overzicht/gemeenten/<str:code>/", dashboards.municipality_dashboard, name="municipality_dashboard"),
    path(
        "overzicht/gemeenten/<str:code>/openbaar-vermelden/",
        dashboards.municipality_naming,
        name="municipality_naming",
    ),
    # Public on purpose, and only when PUBLIC_DASHBOARDS is on: no personal data, see the view.
    path("openbaar/<int:pk>/", dashboards.public_appeal, name="public_appeal"),
    path("financien/afschriften/", finance.statement_list, name="finance_statements"),
    path("financien/afschriften/inlezen/", finance.statement_upload, name="finance_statement_upload"),
    path("financien/afschriften/<int:pk>/", finance.statement_detail, name="finance_statement"),
    path("financien/regels/", finance.line_list, name="finance_lines"),
    path("financien/regels/automatisch-koppelen/", finance.line_rematch, name="finance_lines_rematch"),
    path("financien/regels/<int:pk>/", finance.line_detail, name="finance_line"),
    path("financien/regels/<int:pk>/koppelen/", finance.line_match, name="finance_line_match"),
    path("financien/regels/<int:pk>/gift/", finance.line_gift, name="finance_line_gift"),
    path("financien/regels/<int:pk>/ontkoppelen/", finance.line_unmatch, name="finance_line_unmatch"),
    path("financien/openstaand/", finance.outstanding, name="finance_outstanding"),
]
