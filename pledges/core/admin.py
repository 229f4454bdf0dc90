"""The administrator's tools: reference data and users. Ledger rows are read-only here."""


from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from pledges.core.tasks import resend


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledger rows change only through the app, which records history."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TaskResultAdmin(DBTaskResultAdmin):
    """The queue, read-only as the package makes it, plus resending what failed for good."""

    actions = ["resend_failed"]

    @admin.action(description=_("Resend the selected failed tasks (mails)"), permissions=["resend"])
    def resend_failed(self, request, queryset):
        count = resend(queryset)
        self.message_user(
            request,
            ngettext("%(n)d failed task is queued again.", "%(n)d failed tasks are queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )

    def has_resend_permission(self, request) -> bool:
        # The package's admin allows no change; resending is one, so it asks for the change permission.
        return request.user.has_perm(f"{DBTaskResult._meta.app_label}.change_dbtaskresult")


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
