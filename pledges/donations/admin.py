
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.donations.models import Donation, Instalment, Reminder


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "amount_cents", "received_cents", "status", "expected_date"]
    list_filter = ["status", "appeal", "municipality__province"]
    list_select_related = ["municipality", "appeal"]
    search_fields = ["reference", "municipality__name", "decision_reference", "contact_name"]
    date_hierarchy = "created_at"


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["donation", "due_date", "amount_cents"]
    list_select_related = ["donation"]
    date_hierarchy = "due_date"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["donation", "due_date", "kind", "queued_at", "sent_at", "dropped_at"]
    list_filter = ["kind"]
    list_select_related = ["donation"]
    date_hierarchy = "queued_at"
