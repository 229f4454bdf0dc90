
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.donations.models import Donation


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "amount_cents", "received_cents", "status", "expected_date"]
    list_filter = ["status", "appeal", "municipality__province"]
    list_select_related = ["municipality", "appeal"]
    search_fields = ["reference", "municipality__name", "decision_reference", "contact_name"]
    date_hierarchy = "created_at"
