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


# A user's role and municipality belong together (the constraint user_municipality_matches_role)

ADD_USER = reverse("admin:pledges_user_add")


def add_user(client, **fields):
    return client.post(ADD_USER, {"email": "nieuw@vngfonds.nl", "first_name": "Nora", "last_name": "Nieuw"} | fields)


def field_errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["adminform"].form.errors.get(field, [])]


def test_it_asks_for_the_municipality_of_new_municipal_staff_next_to_the_field(client, administrator):
    client.force_login(administrator)

    response = add_user(client, role=Role.MUNICIPAL_STAFF, municipality="")

    assert response.status_code == 200
    assert field_errors(response, "municipality") == [
        "Kies de gemeente waarvoor deze persoon werkt: een gemeentemedewerker treedt op namens één gemeente."
    ]
    assert response.context["adminform"].form.non_field_errors() == []
    assert "user_municipality_matches_role" not in response.text
    assert not User.objects.filter(email="nieuw@vngfonds.nl").exists()


def test_it_asks_to_empty_the_municipality_of_fund_staff_next_to_the_field(client, administrator, almere):
    client.force_login(administrator)

    response = add_user(client, role=Role.COORDINATOR, municipality=almere.pk)

    assert field_errors(response, "municipality") == [
        "Laat de gemeente leeg bij deze rol (coördinator): alleen gemeentemedewerkers treden op namens een gemeente."
    ]
    assert "user_municipality_matches_role" not in response.text
    assert not User.objects.filter(email="nieuw@vngfonds.nl").exists()


def test_it_says_the_same_when_an_existing_user_changes_role(client, administrator, almere_staff):
    client.force_login(administrator)
    change = reverse("admin:pledges_user_change", args=[almere_staff.pk])
    form = client.get(change).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data |= {"role": Role.FINANCE, "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00", "user_permissions": [], "groups": []}

    response = client.post(change, data)

    assert field_errors(response, "municipality")[0].startswith("Laat de gemeente leeg bij deze rol (financiën)")
    almere_staff.refresh_from_db()
    assert almere_staff.role == Role.MUNICIPAL_STAFF


def test_it_adds_municipal_staff_with_their_municipality(client, administrator, almere):
    client.force_login(administrator)

    response = add_user(client, role=Role.MUNICIPAL_STAFF, municipality=almere.pk)

    assert response.status_code == 302
    assert User.objects.get(email="nieuw@vngfonds.nl").municipality == almere
