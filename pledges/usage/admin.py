"""The usage reports in the admin: read-only, they are the recipient's act (pledges.usage.services)."""

from django.contrib import admin

from pledges.usage.models import UsageReport


@admin.register(UsageReport)
class UsageReportAdmin(admin.ModelAdmin):
    list_display = ("shipment", "submitted_at", "file_name")
    list_select_related = ("shipment",)
    readonly_fields = ("shipment", "submitted_at", "description", "file", "file_name", "file_content_type", "file_size")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
