from django.urls import reverse

from tests import factories


def test_it_shows_a_pledge_to_its_own_municipality(client, almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(almere_staff)
    response = client.get(reverse("pledges:donation_detail", args=[pledge.pk]))
    assert response.status_code == 200
    assert "NL94 BNGH 0285 1737 15" in response.text
