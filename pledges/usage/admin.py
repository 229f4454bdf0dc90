"""The usage reports in the admin: read-only, they are the recipient's act (pledges.usage.services)."""

from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.usage.models import UsageReport


@admin.register(UsageReport)
class UsageReportAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "submitted_at", "file_name")
    list_select_related = ("shipment",)
