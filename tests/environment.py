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


def load_settings(monkeypatch, **variables: str) -> dict:
    """Evaluate fonds/settings.py afresh in the given environment."""
    for name in list(os.environ):
        if SETTING_VARIABLES.match(name):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))
