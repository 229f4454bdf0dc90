
from django.contrib import admin

from pledges.core.admin import ReadOnlyAdmin
from pledges.equipment.models import EquipmentOffer


@admin.register(EquipmentOffer)
class EquipmentOfferAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "category", "description", "quantity", "destination", "status"]
    list_filter = ["status", "appeal", "category", "municipality__province"]
    list_select_related = ["municipality", "appeal", "destination"]
    search_fields = ["description", "municipality__name"]
    date_hierarchy = "created_at"
