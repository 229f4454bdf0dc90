
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges.accounts.mails import TWO_FACTOR_RESET, send_invitation
from pledges.accounts.models import Authenticator, User
from pledges.accounts.twofactor import remove_second_factor

# The admin's own password pages look like the ledger's (they did by Django's default
# template names while the templates were in registration/; now in templates/accounts/).
admin.site.password_change_template = "accounts/password_change_form.html"
admin.site.password_change_done_template = "accounts/password_change_done.html"

@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "municipality", "is_active", "has_two_factor"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    # A plain <select> (342 municipalities; typing a name jumps to it), named by its <label>. The
    # admin's autocomplete widget hid it behind a combobox without an accessible name (axe-core).
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

    # Both actions change an account (its second factor, its password): viewing users is not enough.
    @admin.action(
        description=_("Reset two-step login (lost phone): set up again at next login"), permissions=["change"]
    )
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            remove_second_factor(user, TWO_FACTOR_RESET)
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

    @admin.action(description=_("Send invitation (link to choose a password)"), permissions=["change"])
    def invite(self, request, queryset):
        base_url = request.build_absolute_uri("/")
        users = list(queryset.filter(is_active=True))
        for user in users:
            send_invitation.enqueue(user.pk, base_url)
        self.message_user(
            request,
            ngettext(
                "The invitation to %(n)d user is on its way.", "The invitations to %(n)d users are on their way.", len(users)
            )
            % {"n": len(users)},
            messages.SUCCESS,
        )
