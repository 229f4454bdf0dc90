"""The test run's own secret key: a pytest plugin (`-p tests.secret_key` in pyproject.toml).

Without DEBUG the settings refuse to start without DJANGO_SECRET_KEY (fonds/settings.py). The
tests run without DEBUG, as production does, so the run gets a random key of its own, set in the
environment before pytest-django reads the settings (a conftest.py would come too late) and
inherited by every process a test starts. A key given in the environment is kept.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
