"""fonds/settings.py evaluated afresh in an environment a test chooses."""

import os
import re
import runpy

from django.conf import settings

SETTINGS_FILE = settings.BASE_DIR / "fonds" / "settings.py"
# Every variable the settings read; each test states the ones it wants.
SETTING_VARIABLES = re.compile(
    r"^(DJANGO_|DATABASE_|EMAIL_|SECURE_|SESSION_|STATIC_|LOGIN_|TRUSTED_|LOG_LEVEL|MEDIA_ROOT|DEFAULT_FROM_EMAIL|PRIVACY_CONTACT_EMAIL|CONTACT_EMAIL)"
)


# Without DEBUG the settings need a key; each evaluation gets this one unless a test says otherwise.
SECRET_KEY = "a-test-key-that-is-long-and-random-enough-for-the-settings-0123456789"


def load_settings(monkeypatch, **variables: str | None) -> dict:
    """Evaluate fonds/settings.py afresh in the given environment (a variable given as None is left unset)."""
    for name in list(os.environ):
        if SETTING_VARIABLES.match(name):
            monkeypatch.delenv(name)
    for name, value in ({"DJANGO_SECRET_KEY": SECRET_KEY} | variables).items():
        if value is not None:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))
