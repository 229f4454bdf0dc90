"""The administrator's tools: reference data and users. Ledger rows are read-only here."""


from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows change only through the app, which records history."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
