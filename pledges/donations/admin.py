
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.donations.forms import AppealForm
from pledges.donations.models import Donation, Instalment, Reminder
from pledges.donations.services import save_appeal
from pledges.reference.models import Appeal


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "amount_cents", "received_cents", "status", "expected_date"]
    list_filter = ["status", "appeal", "municipality__province"]
    list_select_related = ["municipality", "appeal"]
    search_fields = ["reference", "municipality__name", "decision_reference", "contact_name"]
    date_hierarchy = "created_at"


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals; the receiving account is checked as a bank would, and each change of it is recorded and mailed."""

    form = AppealForm
    list_display = ["title", "theme", "accepts", "is_open", "iban", "account_name", "transfer_keyword"]
    list_filter = ["theme", "is_open"]

    def save_model(self, request, obj, form, change) -> None:
        save_appeal(obj, request.user)
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
