"""The user admin: its actions need the right to change users, its forms are accessible."""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from pledges.models import Authenticator, Role, User
from tests import factories
from tests.conftest import make_user

CHANGELIST = reverse("admin:pledges_user_changelist")


@pytest.fixture
def viewer(reference_data) -> User:
    """Someone in the admin who may look at users, not change them."""
    user = make_user("vera@vngfonds.nl", Role.COORDINATOR)
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    return user


@pytest.fixture
def invited(almere) -> User:
    return User.objects.create_user("nieuw@almere.nl", None, role=Role.MUNICIPAL_STAFF, municipality=almere)


def test_it_offers_the_account_actions_only_to_whoever_may_change_users(client, viewer):
    client.force_login(viewer)

    page = client.get(CHANGELIST)

    assert page.status_code == 200
    assert 'value="invite"' not in page.text
    assert 'value="reset_two_factor"' not in page.text


def test_it_refuses_a_two_step_reset_to_whoever_may_only_view_users(client, viewer, coordinator):
    factories.authenticator(coordinator)
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "reset_two_factor", "_selected_action": [coordinator.pk]})

    assert Authenticator.objects.filter(user=coordinator, confirmed_at__isnull=False).exists()


def test_it_refuses_an_invitation_to_whoever_may_only_view_users(client, viewer, invited):
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "invite", "_selected_action": [invited.pk]})

    assert mail.outbox == []


def test_it_lets_whoever_may_change_users_send_an_invitation(client, viewer, invited):
    viewer.user_permissions.add(Permission.objects.get(codename="change_user"))
    client.force_login(viewer)

    client.post(CHANGELIST, {"action": "invite", "_selected_action": [invited.pk]})

    assert [message.to for message in mail.outbox] == [["nieuw@almere.nl"]]
