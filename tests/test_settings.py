"""Settings come from the environment, are checked, and are secure by default."""

import json
import os
import re
import secrets
import string
import subprocess
import sys

import pyotp
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.utils import ConnectionHandler
from django.urls import reverse

from tests import factories
from tests.environment import SETTING_VARIABLES, load_settings

def environment(**variables: str) -> dict[str, str]:
    clean = {name: value for name, value in os.environ.items() if not SETTING_VARIABLES.match(name)}
    return clean | variables


def production(**variables: str) -> dict[str, str]:
    """The environment of a production server, as .env.example describes it."""
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(60))
    return environment(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=key,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        DJANGO_ALLOWED_HOSTS="ledger.example.nl",
    ) | variables


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        check=False,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# The deployment check


def example_environment() -> dict[str, str]:
    """The variables .env.example documents, with a real secret key and the test database."""
    example = {}
    for line in (settings.BASE_DIR / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            example[name.strip()] = value.strip()
    return production(**example) | {
        "DJANGO_SECRET_KEY": production()["DJANGO_SECRET_KEY"],
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    }


@pytest.mark.parametrize("env", [production, example_environment], ids=["minimal", ".env.example"])
def test_it_passes_the_deployment_check_in_production(env):
    result = check_deploy(env())

    assert "WARNINGS" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_fails_the_deployment_check_on_an_unsafe_production_configuration():
    env = production(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    del env["DATABASE_URL"]

    result = check_deploy(env)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "pledges.W001" in output  # mail to the console
    assert "pledges.W002" in output  # SQLite in production


# Reading the environment


@pytest.mark.parametrize("value", ["maybe", "ja", "2", "treu"])
def test_it_refuses_a_boolean_that_is_neither_true_nor_false(monkeypatch, value):
    from fonds.settings import env_bool

    monkeypatch.setenv("SOME_FLAG", value)

    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG", False)


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("True", True), ("1", True), ("on", True), ("false", False), ("0", False), ("no", False)]
)
def test_it_reads_the_usual_ways_of_writing_a_boolean(monkeypatch, value, expected):
    from fonds.settings import env_bool

    monkeypatch.setenv("SOME_FLAG", value)

    assert env_bool("SOME_FLAG", not expected) is expected


# The secret key

START_THE_APP = {
    "gunicorn": "import fonds.wsgi",  # what gunicorn fonds.wsgi imports before it serves
    "the task worker": "import django; django.setup()",
}


@pytest.mark.parametrize("key", [None, "", "   ", "django-insecure-development-only-never-in-production",
                                 "change-me-to-a-long-random-value"],
                         ids=["unset", "empty", "blank", "development key", "example key"])
def test_it_refuses_to_start_in_production_without_a_key_of_its_own(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(monkeypatch, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=key)


@pytest.mark.parametrize("start", START_THE_APP)
def test_a_production_process_without_a_key_stops_naming_the_variable(start):
    env = production(DJANGO_SETTINGS_MODULE="fonds.settings")
    del env["DJANGO_SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "-c", START_THE_APP[start]],
        check=False, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


def manage(*args: str) -> subprocess.CompletedProcess:
    """`manage.py args` in a fresh process with the production environment but no secret key."""
    env = production()
    del env["DJANGO_SECRET_KEY"]
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        check=False, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )


def test_a_command_that_signs_nothing_runs_without_a_key():
    # A build step or a developer's check (CI, a container build) needs no production secret.
    result = manage("makemigrations", "--check", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize("command", [["migrate", "--check"], ["db_worker", "--help"], ["check", "--deploy"]])
def test_every_other_command_still_refuses_without_a_key(command):
    result = manage(*command)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_same_process_starts_with_a_key():
    result = subprocess.run(
        [sys.executable, "-c", START_THE_APP["gunicorn"]],
        check=False, cwd=settings.BASE_DIR, env=production(DJANGO_SETTINGS_MODULE="fonds.settings"),
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr


def test_a_development_server_runs_on_the_development_key(monkeypatch):
    development = load_settings(monkeypatch, DJANGO_DEBUG="true", DJANGO_SECRET_KEY=None)

    assert development["SECRET_KEY"] == development["INSECURE_DEV_KEY"]


def test_it_keeps_the_key_it_is_given(monkeypatch):
    assert load_settings(monkeypatch, DJANGO_SECRET_KEY="k" * 60)["SECRET_KEY"] == "k" * 60


def test_it_refuses_to_start_on_a_mistyped_debug_flag(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        load_settings(monkeypatch, DJANGO_DEBUG="maybe")


def test_it_refuses_to_start_on_a_number_that_is_not_one(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="LOGIN_FAILURES_PER_ADDRESS"):
        load_settings(monkeypatch, LOGIN_FAILURES_PER_ADDRESS="thirty")


@pytest.mark.parametrize("variable", ["SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_TIMEOUT"])
def test_it_refuses_a_session_timeout_below_one(monkeypatch, variable):
    with pytest.raises(ImproperlyConfigured, match=variable):
        load_settings(monkeypatch, **{variable: "0"})


def test_it_is_secure_when_nothing_is_configured(monkeypatch):
    defaults = load_settings(monkeypatch)

    assert defaults["DEBUG"] is False
    assert defaults["SESSION_COOKIE_SECURE"] and defaults["CSRF_COOKIE_SECURE"]
    assert defaults["SECURE_SSL_REDIRECT"] is True
    assert defaults["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert defaults["TRUSTED_PROXY_COUNT"] == 0
    assert (defaults["SESSION_IDLE_TIMEOUT"], defaults["SESSION_ABSOLUTE_TIMEOUT"]) == (30, 8)


def test_it_runs_on_sqlite_in_wal_mode_with_immediate_transactions_by_default(monkeypatch):
    database = load_settings(monkeypatch)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"].replace(" ", "")


def test_it_really_opens_sqlite_in_wal_mode(monkeypatch, tmp_path, django_db_blocker):
    database = load_settings(monkeypatch)["DATABASES"]["default"]
    connections = ConnectionHandler({"default": {**database, "NAME": str(tmp_path / "ledger.sqlite3")}})
    connection = connections["default"]
    with django_db_blocker.unblock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
            assert connection.transaction_mode == "IMMEDIATE"
        finally:
            connection.close()


def test_it_uses_postgresql_when_given_a_database_url(monkeypatch):
    database = load_settings(monkeypatch, DATABASE_URL="postgres://ledger@db.example.nl:5432/ledger")["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"], database["USER"]) == ("db.example.nl", "ledger", "ledger")


# What the browser receives


@pytest.fixture
def pages_to_check(almere_staff, ukraine_appeal) -> list[str]:
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    return [
        reverse("pledges:donation_list"),
        reverse("pledges:donation_create"),
        pledge.get_absolute_url(),
        reverse("pledges:donation_edit", args=[pledge.pk]),
    ]


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def test_it_sends_the_security_headers_over_https(client):
    response = client.get(reverse("login"), secure=True)

    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_it_has_no_inline_script_or_style_that_the_policy_would_block(client, almere_staff, pages_to_check):
    public = client.get(reverse("login"), secure=True)
    client.force_login(almere_staff)
    for response, url in [(public, reverse("login")), *((client.get(url, secure=True), url) for url in pages_to_check)]:
        assert response.status_code == 200, url
        script_sources = csp(response).get("script-src", [])
        for tag in re.findall(r"<script\b[^>]*>", response.text):
            nonce = re.search(r'nonce="([^"]+)"', tag)
            assert "src=" in tag or (nonce and f"'nonce-{nonce.group(1)}'" in script_sources), (url, tag)
        assert not re.search(r"<style\b|\sstyle=\"", response.text), url
        assert not re.search(r"\son[a-z]+=\"", response.text), url  # no onclick= and the like


def test_it_sets_secure_cookies(client, almere_staff):
    form = client.get(reverse("login"), secure=True)
    login = client.post(
        reverse("login"), {"username": "anouk@almere.nl", "password": "correct horse battery staple"}, secure=True
    )

    csrf_cookie = form.cookies[settings.CSRF_COOKIE_NAME]
    session_cookie = login.cookies[settings.SESSION_COOKIE_NAME]
    assert csrf_cookie["secure"] and session_cookie["secure"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] in ("Lax", "Strict")


# The same, from a server started with nothing but the production environment

PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.test import Client

def seen(response):
    cookies = {
        name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}
        for name, morsel in response.cookies.items()
    }
    return {"status": response.status_code, "headers": dict(response.headers), "cookies": cookies}

browser = Client(HTTP_HOST="ledger.example.nl")
print(json.dumps({
    "login": seen(browser.get("/login/", secure=True)),
    "plain_http": seen(browser.get("/login/")),
    "protected": seen(browser.get("/donaties/", secure=True)),
    "language": seen(browser.post("/language/", {"language": "en", "next": "/login/"}, secure=True)),
}))
"""


@pytest.fixture(scope="module")
def production_responses() -> dict:
    """What a browser gets from the app configured only by the production environment (no test overrides)."""
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        check=True,
        cwd=settings.BASE_DIR,
        # Only the static files manifest is left out: it needs a collectstatic step first.
        env=production(DJANGO_SETTINGS_MODULE="fonds.settings", STATIC_MANIFEST="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("page", ["login", "protected", "language"])
def test_it_sends_the_security_headers_in_production(production_responses, page):
    headers = production_responses[page]["headers"]

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_it_sends_plain_http_to_https_in_production(production_responses):
    response = production_responses["plain_http"]

    assert response["status"] == 301
    assert response["headers"]["Location"] == "https://ledger.example.nl/login/"


def test_it_sets_only_secure_cookies_in_production(production_responses):
    cookies = {name: cookie for response in production_responses.values() for name, cookie in response["cookies"].items()}

    assert {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME} <= set(cookies)
    for name, cookie in cookies.items():
        assert cookie["secure"], name
        assert cookie["samesite"] in ("Lax", "Strict"), name
    assert cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]


def test_it_sets_a_secure_session_cookie_only_after_both_login_steps(client, finance):
    authenticator = factories.authenticator(finance)
    password_step = client.post(
        reverse("login"), {"username": finance.email, "password": "correct horse battery staple"}, secure=True
    )
    code_step = client.post(reverse("login_code"), {"code": pyotp.TOTP(authenticator.secret).now()}, secure=True)

    assert code_step["Location"] == reverse("pledges:home")
    for response in (password_step, code_step):
        session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert session_cookie["secure"] and session_cookie["httponly"], response
    assert code_step["Cache-Control"].startswith("max-age=0")


# Logging

LOGGING_PROBE = """
import logging
import django
django.setup()
from django_tasks_db.management.commands.db_worker import Command

# What `make run` runs: the server and the worker, whose command adds a handler if none would print.
Command().configure_logging(verbosity=1)
for name in ("django.request", "django.security.csrf", "django.tasks", "django_tasks_db", "pledges.core.tasks"):
    logging.getLogger(name).warning("line of %s", name)
"""


@pytest.mark.parametrize("debug", ["true", "false"])
def test_it_prints_each_log_line_once(debug):
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_PROBE],
        check=True,
        cwd=settings.BASE_DIR,
        env=production(DJANGO_SETTINGS_MODULE="fonds.settings", DJANGO_DEBUG=debug, STATIC_MANIFEST="false"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    printed = (result.stdout + result.stderr).splitlines()
    for name in ("django.request", "django.security.csrf", "django.tasks", "django_tasks_db", "pledges.core.tasks"):
        assert printed.count(f"line of {name}") == 1, (name, printed)
