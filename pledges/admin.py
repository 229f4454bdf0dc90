"""The administrator's tools: reference data and users. Ledger rows are read-only here."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import notifications, twofactor
from pledges.models import Appeal, Authenticator, Destination, Donation, EquipmentOffer, Event, KnownIban, Municipality, User


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "named_publicly"]
    list_filter = ["province", "named_publicly"]
    search_fields = ["code", "name"]
    # The municipality's own choice, made on its dashboard and recorded as an Event.
    readonly_fields = ["named_publicly"]


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ["name_nl", "name_en", "name_uk", "oblast_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["name_nl", "name_en", "name_uk"]


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    list_display = ["title", "theme", "accepts", "is_open"]
    list_filter = ["theme", "is_open"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "municipality", "is_active", "has_two_factor"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    autocomplete_fields = ["municipality"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name"]}),
        (_("Role"), {"fields": ["role", "municipality", "is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "role", "municipality"]}),
    ]
    actions = ["invite", "reset_two_factor"]

    def get_queryset(self, request):
        confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        return super().get_queryset(request).annotate(two_factor=Exists(confirmed))

    @admin.display(description=_("two-step login"), boolean=True, ordering="two_factor")
    def has_two_factor(self, user: User) -> bool:
        return user.two_factor

    @admin.action(description=_("Reset two-step login (lost phone): set up again at next login"))
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            twofactor.remove_second_factor(user)
        self.message_user(
            request,
            ngettext(
                "Two-step login reset for %(n)d user.", "Two-step login reset for %(n)d users.", len(users)
            )
            % {"n": len(users)},
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            # New users choose their own password through the invitation link.
            obj.set_unusable_password()
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["fields"] = ["email", "first_name", "last_name", "role", "municipality"]
            kwargs["form"] = self.form
        return super().get_form(request, obj, **kwargs)

    @admin.action(description=_("Send invitation (link to choose a password)"))
    def invite(self, request, queryset):
        base_url = request.build_absolute_uri("/")
        users = list(queryset.filter(is_active=True))
        for user in users:
            notifications.send_invitation(user, base_url)
        self.message_user(
            request,
            ngettext("Invitation sent to %(n)d user.", "Invitations sent to %(n)d users.", len(users))
            % {"n": len(users)},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows change only through the app, which records history."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "amount_cents", "received_cents", "status", "expected_date"]
    list_filter = ["status", "appeal", "municipality__province"]
    list_select_related = ["municipality", "appeal"]
    search_fields = ["reference", "municipality__name", "decision_reference", "contact_name"]
    date_hierarchy = "created_at"


@admin.register(EquipmentOffer)
class EquipmentOfferAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "municipality", "appeal", "category", "description", "quantity", "destination", "status"]
    list_filter = ["status", "appeal", "category", "municipality__province"]
    list_select_related = ["municipality", "appeal", "destination"]
    search_fields = ["description", "municipality__name"]
    date_hierarchy = "created_at"


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "donation", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    list_select_related = ["donation", "actor"]


@admin.register(KnownIban)
class KnownIbanAdmin(ReadOnlyAdmin):
    list_display = ["iban", "municipality", "first_used"]
    search_fields = ["iban", "municipality__name"]
