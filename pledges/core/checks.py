"""Configuration mistakes become system checks, so `check --deploy` catches them."""


from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_production_configuration(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # A missing or published DJANGO_SECRET_KEY stops the settings themselves (fonds/settings.py).
    problems: list[checks.CheckMessage] = []
    if not settings.DEBUG and "console" in settings.EMAIL_BACKEND_PATH:
        problems.append(
            checks.Warning(
                "E-mail goes to the console: payment instructions would never reach municipalities.",
                hint="Unset EMAIL_BACKEND (SMTP is the default) and set EMAIL_HOST.",
                id="pledges.W001",
            )
        )
    if not settings.DEBUG and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(
            checks.Warning(
                "Production runs on the embedded SQLite database.",
                hint="Set DATABASE_URL to a PostgreSQL database.",
                id="pledges.W002",
            )
        )
    return problems
