
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.reference.models import Destination, KnownIban, Municipality, Population


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "named_publicly", "shared_mailbox"]
    list_filter = ["province", "named_publicly"]
    search_fields = ["code", "name", "shared_mailbox"]
    # The municipality's own choice, made on its dashboard and recorded as an Event.
    readonly_fields = ["named_publicly"]


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "name_uk", "oblast_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["name_nl", "name_en", "name_uk"]


# The appeals' admin is pledges.donations.admin: a change of the receiving account is an Event.


@admin.register(KnownIban)
class KnownIbanAdmin(ReadOnlyAdmin):
    list_display = ["iban", "municipality", "first_used"]
    search_fields = ["iban", "municipality__name"]


@admin.register(Population)
class PopulationAdmin(admin.ModelAdmin):
    """Inhabitants per municipality and year, for pledges per inhabitant (loaded by `manage.py load_population`)."""

    list_display = ["municipality", "year", "inhabitants", "source", "source_detail", "updated_at"]
    list_filter = ["year", "source"]
    search_fields = ["municipality__name", "municipality__code"]
    list_select_related = ["municipality"]
    autocomplete_fields = ["municipality"]
