"""The demo's units have custody steps: Kyiv's in use, the unit Kyiv never received stuck at the border."""

import pytest
from django.urls import reverse

from pledges.models import Event, Unit, User
from tests.factories import load


@pytest.fixture
def demo(settings, reference_data, tmp_path) -> None:
    settings.DEBUG = True  # the demo data loads only on a development machine
    load("load_demo_data", pledges=4, folder=tmp_path / "demo")


def test_the_demo_units_carry_their_steps(demo, client):
    in_use = Unit.objects.get(last_step="in_use")
    assert in_use.last_site == "Лікарня № 3, Київ"
    assert Event.objects.filter(unit=in_use, kind=Event.Kind.CUSTODY).count() == 4
    assert Unit.objects.filter(last_step="installed").count() == 2
    assert Unit.objects.filter(last_step="crossed_border").count() == 4  # Kyiv's lost unit, two of Kharkiv's, one of Dnipro's
    assert Unit.objects.filter(last_step="").exists()  # Dnipro's other units were not scanned yet

    client.force_login(User.objects.get(email="coordinator@demo.vngfonds.nl"))
    page = client.get(reverse("pledges:units_not_moving"))
    lost = Unit.objects.get(last_step="crossed_border", offer__shipment__destination__name_en="Kyiv")
    assert f'data-unit="{lost.number}"' in page.text
