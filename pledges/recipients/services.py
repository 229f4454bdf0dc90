"""Writing recipient organisations: every creation and edit saved with its Event, codes and values only."""

from __future__ import annotations

from django.forms import ModelForm

from pledges.accounts.models import User
from pledges.equipment.services import recorded
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.recipients.models import RecipientOrganisation


def save_recipient(form: ModelForm, user: User) -> RecipientOrganisation:
    """Save a new or changed organisation from a valid RecipientForm; an edit records each change from → to."""
    fields = list(form._meta.fields)
    with writing():
        if form.instance.pk is None:
            organisation = form.save()
            values = {field: recorded(organisation, field) for field in fields}
            filled = {field: value for field, value in values.items() if value not in ("", None)}
            record(Event.Kind.CREATED, organisation, actor=user, changes=filled)
            return organisation
        current = RecipientOrganisation.objects.select_for_update().get(pk=form.instance.pk)
        organisation = form.save(commit=False)
        changes = {}
        for field in fields:
            old, new = recorded(current, field), recorded(organisation, field)
            if old != new:
                changes[field] = [old, new]
        if changes:
            organisation.save(update_fields=fields)
            record(Event.Kind.EDITED, organisation, actor=user, changes=changes)
    return organisation
