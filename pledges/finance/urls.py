"""The finance pages: statements, bank lines and their matches, payments entered by hand, outstanding, the report.

Included by pledges/urls.py under the `pledges` namespace.
"""

from django.urls import path

from pledges.finance.documents import (
    annual_account_download,
    annual_account_job,
    annual_account_queue,
    annual_accounts,
    receipt,
    receipt_check,
)
from pledges.finance.views import (
    held_line_decide,
    line_detail,
    line_gift,
    line_list,
    line_match,
    line_rematch,
    line_split,
    line_unmatch,
    line_void,
    manual_payment_create,
    manual_payment_list,
    outstanding,
    pledge_reminders,
    pledge_write_off,
    overpayment_decide,
    overpayment_list,
    report,
    report_download,
    report_job,
    report_queue,
    statement_detail,
    statement_import,
    statement_list,
    statement_upload,
)

urlpatterns = [
    path("financien/afschriften/", statement_list, name="finance_statements"),
    path("financien/afschriften/inlezen/", statement_upload, name="finance_statement_upload"),
    path("financien/afschriften/inlezen/<int:pk>/", statement_import, name="finance_statement_import"),
    path("financien/afschriften/<int:pk>/", statement_detail, name="finance_statement"),
    path("financien/afschriften/twijfel/<int:pk>/", held_line_decide, name="finance_held_line_decide"),
    path("financien/regels/", line_list, name="finance_lines"),
    path("financien/regels/automatisch-koppelen/", line_rematch, name="finance_lines_rematch"),
    path("financien/regels/<int:pk>/", line_detail, name="finance_line"),
    path("financien/regels/<int:pk>/koppelen/", line_match, name="finance_line_match"),
    path("financien/regels/<int:pk>/gift/", line_gift, name="finance_line_gift"),
    path("financien/regels/<int:pk>/ontkoppelen/", line_unmatch, name="finance_line_unmatch"),
    path("financien/regels/<int:pk>/splitsen/", line_split, name="finance_line_split"),
    path("financien/regels/<int:pk>/vervallen/", line_void, name="finance_line_void"),
    path("financien/betalingen/", manual_payment_list, name="finance_manual_payments"),
    path("financien/betalingen/invoeren/", manual_payment_create, name="finance_manual_payment_create"),
    path("financien/openstaand/", outstanding, name="finance_outstanding"),
    path("financien/toezeggingen/<int:pk>/herinneringen/", pledge_reminders, name="finance_pledge_reminders"),
    path("financien/toezeggingen/<int:pk>/afschrijven/", pledge_write_off, name="finance_pledge_write_off"),
    path("financien/teveel-ontvangen/", overpayment_list, name="finance_overpayments"),
    path("financien/teveel-ontvangen/<int:pk>/", overpayment_decide, name="finance_overpayment_decide"),
    path("financien/rapport/", report, name="finance_report"),
    path("financien/rapport/maken/", report_queue, name="finance_report_queue"),
    path("financien/rapport/<int:pk>/", report_job, name="finance_report_job"),
    path("financien/rapport/<int:pk>/downloaden/", report_download, name="finance_report_download"),
    # Documents (pledges/finance/documents.py): receipts, their public check, yearly accounts.
    path("kwitanties/<int:payment_pk>.pdf", receipt, name="finance_receipt"),
    path("kwitantie/", receipt_check, name="receipt_check"),
    path("financien/jaarverantwoording/", annual_accounts, name="annual_accounts"),
    path("jaarverantwoording/maken/", annual_account_queue, name="annual_account_queue"),
    path("jaarverantwoording/<int:account_pk>/", annual_account_job, name="annual_account_job"),
    path("jaarverantwoording/<int:account_pk>/downloaden/", annual_account_download, name="annual_account_download"),
]
