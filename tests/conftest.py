"""Named people and reference data shared by every test module."""

import pytest
from django.core.management import call_command

from pledges.models import Appeal, Municipality, Role, User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def reference_data(db) -> None:
    call_command("load_reference_data", stdout=open("/dev/null", "w"))


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
def finance(reference_data) -> User:
    return make_user("dirk@vngfonds.nl", Role.FINANCE)


@pytest.fixture
def administrator(reference_data) -> User:
    user = make_user("eva@vngfonds.nl", Role.ADMINISTRATOR)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture(autouse=True)
def _test_settings(settings) -> None:
    """Production settings, but plain HTTP and no collectstatic step."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
