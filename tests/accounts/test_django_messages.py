"""Django's own messages on the ledger's pages: Dutch on Dutch pages, English on English ones.

Django 6.1 wrote the password validators' "too short" with a new msgid that its Dutch catalogue
lacks; the ledger's catalogue (pledges/core/django_messages.py) fills the gap.
"""

import pytest
from django.core import mail
from django.urls import reverse

from pledges.models import Role, User
from tests import pages
from tests.accounts.test_accounts import link_in


@pytest.fixture
def invitation_form(client, administrator, almere) -> str:
    """The address of the invitation's password form, as the invited person opens it."""
    invited = User.objects.create_user("nieuw@almere.nl", None, role=Role.MUNICIPAL_STAFF, municipality=almere)
    client.force_login(administrator)
    client.post(reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [invited.pk]})
    client.post(reverse("logout"))
    form = client.get(link_in(mail.outbox[0]), follow=True)
    return form.redirect_chain[-1][0]


def choose(client, url: str, password: str) -> str:
    return pages.plain(client.post(url, {"new_password1": password, "new_password2": password}))


def test_it_says_in_dutch_that_a_password_is_too_short_on_the_invitation_page(client, invitation_form):
    page = choose(client, invitation_form, "kort1")

    assert "Dit wachtwoord is te kort. Het moet minstens 12 tekens bevatten." in page
    assert "too short" not in page


def test_it_says_in_dutch_that_a_password_looks_like_the_email_address(client, invitation_form):
    page = choose(client, invitation_form, "nieuw@almere.nl")

    assert "Het wachtwoord lijkt te veel op uw e-mailadres." in page


def test_it_says_the_validators_in_dutch_in_every_case(client, invitation_form):
    assert "Dit wachtwoord bevat alleen cijfers." in choose(client, invitation_form, "48213957204816")
    assert "Dit wachtwoord is te algemeen." in choose(client, invitation_form, "password1234")


def test_it_keeps_djangos_english_on_english_pages(client, invitation_form):
    client.post(reverse("set_language"), {"language": "en", "next": invitation_form})

    page = choose(client, invitation_form, "kort1")

    assert "This password is too short. It must contain at least 12 characters." in page
    assert "te kort" not in page
