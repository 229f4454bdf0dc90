"""The history in the reader's language, for any subject's timeline (see pledges.history.rendering)."""

from django import template

from pledges.history import rendering

register = template.Library()


@register.filter
def shown(events) -> list:
    """Each event with what it says in the active language: `{% for event, shown in events|shown %}`."""
    return rendering.show_all(events)
