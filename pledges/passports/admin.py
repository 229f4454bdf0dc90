"""Units and their custody photos, read-only: steps are recorded through the passport, as Events."""

from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.passports.models import Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ["id", "offer", "serial", "last_step", "last_step_at", "last_site"]
    list_filter = ["last_step"]
    list_select_related = ["offer"]
    date_hierarchy = "created_at"
