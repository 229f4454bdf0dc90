"""The demo's 90-day follow-up: Odesa reported the use in time, Mykolaiv was reminded once and is late."""

import pytest
from django.urls import reverse

from pledges.models import Event, Shipment, User
from pledges.usage.services import late
from tests import pages
from tests.factories import load


@pytest.fixture
def demo(reference_data, settings, tmp_path):
    settings.DEBUG = True  # the demo loads only on a development machine
    load("load_demo_data", pledges=12, folder=tmp_path / "demo")


def test_the_demo_has_a_report_made_and_a_recipient_late(demo, client):
    odesa = Shipment.objects.get(destination__name_en="Odesa")
    mykolaiv = Shipment.objects.get(destination__name_en="Mykolaiv")

    assert odesa.usage_report.description.startswith("Обидва генератори")
    assert odesa.events.filter(kind=Event.Kind.USAGE_REPORT).count() == 1
    assert list(late()) == [mykolaiv]
    assert mykolaiv.events.filter(kind=Event.Kind.USAGE_REMINDER).count() == 1
    client.force_login(User.objects.get(email="coordinator@demo.vngfonds.nl"))
    start = client.get(reverse("pledges:home")).text.split('data-block="usage-reports"')[1].split("</section>")[0]
    assert 'data-count="usage-reports">1<' in start and mykolaiv.number in start
    assert "Обидва генератори" in pages.plain(client.get(odesa.get_absolute_url()))
