"""Django's own messages that our catalogue translates, because Django's Dutch one does not (yet).

Django consults LOCALE_PATHS before its own catalogues, so a msgid named here and translated in
locale/nl is Dutch on Dutch pages and stays Django's English on English ones. The marks keep the
entries in the catalogue when `makemessages --no-obsolete` runs; nothing imports this module.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES = (
    # Django 6.1 labels the empty choice of every select so (BLANK_CHOICE_LABEL).
    gettext_noop("- Select an option -"),
    # Django 6.1 wrote the minimum length as %d instead of %(min_length)d: a new msgid its Dutch
    # catalogue lacks, so the invitation page said "This password is too short" in English.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "count",
    ),
    # Django's Dutch says "lijkt te veel op de e-mailadres": "uw" fits every field's name.
    gettext_noop("The password is too similar to the %(verbose_name)s."),
)
