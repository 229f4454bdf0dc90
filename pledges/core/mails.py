"""One way to write an e-mail: its subject and body templates, rendered in the reader's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# Municipalities and the fund read their mail in Dutch, whatever language the page was in
# that caused it (a person's choice of screen language is not one for their inbox).
RECIPIENT_LANGUAGE = "nl"


def ledger_link(path: str) -> str:
    """The address of a page of the ledger, for a mail: the worker knows no request to build it from."""
    return settings.LEDGER_URL + path


def compose(
    template: str,
    context: dict,
    to: list[str],
    *,
    language: str = RECIPIENT_LANGUAGE,
    html: bool = False,
    copy_to: str = "",
) -> EmailMultiAlternatives:
    """The mail of `<template>_subject.txt` and `<template>.txt` (and `.html` beside it), in `language`.

    `copy_to`: a shared mailbox that receives the same mail in copy (Cc), unless it is already
    among `to`: one mail, however many people it reaches.
    """
    cc = [copy_to] if copy_to and copy_to.casefold() not in {address.casefold() for address in to} else []
    with translation.override(language):
        subject = "".join(render_to_string(f"{template}_subject.txt", context).splitlines()).strip()
        message = EmailMultiAlternatives(
            subject, render_to_string(f"{template}.txt", context), settings.DEFAULT_FROM_EMAIL, to, cc=cc
        )
        if html:
            message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
