"""One way to write an e-mail: its subject and body templates, rendered in the reader's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# Municipalities and the fund read their mail in Dutch, whatever language the page was in
# that caused it (a person's choice of screen language is not one for their inbox).
RECIPIENT_LANGUAGE = "nl"


def compose(
    template: str, context: dict, to: list[str], *, language: str = RECIPIENT_LANGUAGE, html: bool = False
) -> EmailMultiAlternatives:
    """The mail of `<template>_subject.txt` and `<template>.txt` (and `.html` beside it), in `language`."""
    with translation.override(language):
        subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines()).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string(f"{template}.txt", context), settings.DEFAULT_FROM_EMAIL, to
        )
        if html:
            message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
