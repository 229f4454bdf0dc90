"""Recipient organisations in the admin: read only, since every create and edit is kept in the history."""

from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.recipients.models import RecipientOrganisation


@admin.register(RecipientOrganisation)
class RecipientOrganisationAdmin(ReadOnlyAdmin):
    list_display = ["legal_name_en", "legal_name_uk", "edrpou", "destination", "ahars_registration"]
    list_filter = ["destination"]
    list_select_related = ["destination"]
    search_fields = ["legal_name_en", "legal_name_uk", "edrpou"]
