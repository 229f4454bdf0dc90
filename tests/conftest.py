"""Named people and reference data shared by every test module."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from pledges.models import Appeal, Destination, Municipality, Role, User
from tests.database import ReferenceRows, deleting_flush
from tests.tasks import MailServer, run_tasks

PASSWORD = "correct horse battery staple"
MUNICIPALITY_COUNT = 342


def _load_reference_data() -> None:
    with open("/dev/null", "w") as quiet:
        call_command("load_reference_data", stdout=quiet)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> Iterator[ReferenceRows]:
    """Load the reference data once per run; every test rolls back on top of it.

    A transactional test ends with a flush that empties the tables: cheaper ones (tests/database.py).
    """
    with django_db_blocker.unblock():
        _load_reference_data()
        reference_rows = ReferenceRows()
        with deleting_flush():
            yield reference_rows


@pytest.fixture
def reference_data(db, django_db_setup) -> None:
    # A transactional test (the browser tests) flushes the tables; write them back then.
    if Municipality.objects.count() != MUNICIPALITY_COUNT or not Appeal.objects.exists():
        if not django_db_setup.restore():
            _load_reference_data()


@pytest.fixture
def ukraine_appeal(reference_data) -> Appeal:
    return Appeal.objects.get(transfer_keyword="Oekraine")


@pytest.fixture
def almere(reference_data) -> Municipality:
    return Municipality.objects.get(code="GM0034")


@pytest.fixture
def utrecht(reference_data) -> Municipality:
    return Municipality.objects.get(code="GM0344")


def make_user(email: str, role: str, municipality: Municipality | None = None) -> User:
    return User.objects.create_user(
        email, PASSWORD, role=role, municipality=municipality, first_name=email.split("@")[0].title()
    )


@pytest.fixture
def almere_staff(almere) -> User:
    return make_user("anouk@almere.nl", Role.MUNICIPAL_STAFF, almere)


@pytest.fixture
def utrecht_staff(utrecht) -> User:
    return make_user("bram@utrecht.nl", Role.MUNICIPAL_STAFF, utrecht)


@pytest.fixture
def coordinator(reference_data) -> User:
    return make_user("carla@vngfonds.nl", Role.COORDINATOR)


@pytest.fixture
def fund(client, coordinator) -> Client:
    """A client logged in as the fund's coordinator, who sees every pledge and offer."""
    client.force_login(coordinator)
    return client


@pytest.fixture
def finance(reference_data) -> User:
    return make_user("dirk@vngfonds.nl", Role.FINANCE)


@pytest.fixture
def administrator(reference_data) -> User:
    user = make_user("eva@vngfonds.nl", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def fund_staff(coordinator, finance) -> list[User]:
    """Everyone at the fund who sees every municipality in the ledger."""
    return [coordinator, finance]


@pytest.fixture(autouse=True)
def _test_settings(settings) -> None:
    """Production settings, but plain HTTP, no collectstatic step and a fast hasher."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request that switched must not leak into the next test."""
    yield
    # Deactivated, not activated: the next test's own LANGUAGE_CODE then applies.
    translation.deactivate()


@pytest.fixture
def empty(db) -> None:
    """A database before anything was loaded."""
    Appeal.objects.all().delete()
    Destination.objects.all().delete()
    Municipality.objects.all().delete()


@pytest.fixture(autouse=True)
def _worker_after_each_post(monkeypatch, request):
    """A worker beside the test client: after each request that may change something, the due tasks run.

    So a test that posts and then reads mail.outbox sees what the worker sent, through the
    worker's own code. Tests that look at the queue itself use the `paused_worker` fixture.
    """
    if "paused_worker" in request.fixturenames:
        return
    original = Client.request

    def request_then_work(self, **environ):
        response = original(self, **environ)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD", "OPTIONS"):
            run_tasks()
        return response

    monkeypatch.setattr(Client, "request", request_then_work)


@pytest.fixture
def paused_worker() -> None:
    """No worker runs after the test client's requests: tasks stay queued until run_tasks()."""


@pytest.fixture
def mail_server(settings) -> MailServer:
    return MailServer(settings)
