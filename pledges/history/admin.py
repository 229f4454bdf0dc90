
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.history.models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "donation", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    list_select_related = ["donation", "actor"]
