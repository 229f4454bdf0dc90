"""The recipient city confirms receipt through a signed, expiring link: in Ukrainian or English, once per item."""

import datetime

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pledges.equipment.workflow import RECIPIENT, Actor
from pledges.logistics.receipts import SALT, make_token, recipient_actor
from pledges.logistics.services import move_shipment
from pledges.logistics.views import recipient
from pledges.models import EquipmentOffer, Event, OfferStatus, ReceiptConfirmation, Shipment
from tests import factories, pages
from tests.environment import load_settings
from tests.tasks import run_tasks

UK_TITLE = "Підтвердження отримання"
UK_ALREADY = "Отримання цієї позиції вже підтверджено"
EN_ALREADY = "This item was already confirmed"
UK_BROKEN = "Це посилання не працює"
EN_BROKEN = "This link does not work"
UK_EXPIRED = "Термін дії цього посилання минув"
EN_EXPIRED = "This link has expired"
UK_INVALID = "Це посилання недійсне"
EN_INVALID = "This link is not valid"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def delivered(coordinator, almere_staff, ukraine_appeal, reference_data) -> Shipment:
    """A shipment to Kyiv that arrived with two items from Almere."""
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(ukraine_appeal, kyiv, carrier="Van der Wal", reference="VDW-SECRET-REF")
    offers = [
        factories.offer(
            almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
            destination=kyiv, description=description, quantity=quantity, contact_email="materieel@almere.nl",
            value_cents=12_345_67,
        )
        for description, quantity in (("Aggregaat Caterpillar 100 kVA", 2), ("Kabelhaspel 50 m", 7))
    ]
    factories.on_board(shipment, *offers)
    actor = Actor.of(coordinator)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, actor)
    move_shipment(shipment, Shipment.Status.DELIVERED, actor)
    return shipment


@pytest.fixture
def items(delivered) -> list[EquipmentOffer]:
    return list(delivered.offers.order_by("pk"))


@pytest.fixture
def link(delivered) -> str:
    return reverse("pledges:recipient", args=[make_token(delivered)])


def confirm(client, link: str, offer: EquipmentOffer, lang: str = "uk", **fields):
    data = {"offer": offer.pk} | {f"item{offer.pk}-{name}": value for name, value in fields.items()}
    return client.post(f"{link}?lang={lang}", data)


def photo(name: str = "aankomst.jpg", content: bytes | None = None, content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, factories.image_bytes() if content is None else content, content_type)


# What the page shows


def test_it_lists_the_delivered_items_in_ukrainian_and_nothing_else(client, link, items, almere_staff, ukraine_appeal):
    elsewhere = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED,
        destination=factories.destination("Kyiv"), description="Zonnepanelen van een ander transport",
    )

    response = client.get(link)

    text = pages.plain(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "uk"
    assert '<html lang="uk">' in response.text
    assert UK_TITLE in text and "Київ" in text
    for item in items:
        assert item.number in text and item.description in text
    assert "Aggregaat Caterpillar 100 kVA Кількість 2" in text or "Кількість 2" in text
    assert elsewhere.number not in text and "Zonnepanelen" not in text
    for secret in ("Almere", "materieel@almere.nl", "€", "12.345", "NL94", "VDW-SECRET-REF", "Oekraine"):
        assert secret not in text, secret


def test_it_switches_to_english_and_only_english(client, link, items):
    english = client.get(f"{link}?lang=en")
    other = client.get(f"{link}?lang=nl")

    assert english["Content-Language"] == "en"
    assert "Confirm receipt" in pages.plain(english) and "Kyiv" in pages.plain(english)
    assert other["Content-Language"] == "uk"
    assert UK_TITLE in pages.plain(other)


def test_it_shows_no_ledger_menu_even_to_a_logged_in_coordinator(client, link, coordinator):
    client.force_login(coordinator)

    response = client.get(link)

    assert response.status_code == 200
    assert 'class="main-nav"' not in response.text
    assert reverse("logout") not in response.text
    assert reverse("pledges:donation_list") not in response.text


# Confirming


def test_it_confirms_one_item_as_the_recipients_act_and_tells_the_municipality(
    client, link, items, almere_staff
):
    item, other = items
    run_tasks()
    mail.outbox.clear()  # the delivery's own mails

    response = confirm(client, link, item, note="Aangekomen, werkt prima")

    assert response.status_code == 302
    assert response["Location"] == f"{link}?lang=uk#item-{item.pk}"
    item.refresh_from_db()
    other.refresh_from_db()
    assert (item.status, other.status) == (OfferStatus.CONFIRMED, OfferStatus.DELIVERED)
    assert item.receipt.note == "Aangekomen, werkt prima"
    [event] = item.events.filter(to_status=OfferStatus.CONFIRMED)
    assert event.actor is None
    # A page that sends no outcome (shown before outcomes existed) means received in full.
    assert (event.actor_label, event.data) == (
        "Kyiv", {"by": "recipient", "receipt": {"outcome": "received", "received": 2, "quantity": 2}}
    )
    assert (event.from_status, event.kind, event.note) == ("delivered", Event.Kind.STATUS, "Aangekomen, werkt prima")
    [message] = mail.outbox
    assert message.to == [almere_staff.email]
    assert item.number in message.subject
    page = client.get(response["Location"])
    assert item.number in pages.messages(page)[0]


def test_it_confirms_an_item_once(client, link, items):
    item = items[0]
    confirm(client, link, item)
    before = factories.shipping_snapshot()

    again_uk = confirm(client, link, item, note="nog een keer")
    again_en = confirm(client, link, item, lang="en")

    assert again_uk.status_code == again_en.status_code == 409
    assert any(UK_ALREADY in message for message in pages.messages(again_uk))
    assert any(EN_ALREADY in message for message in pages.messages(again_en))
    assert factories.shipping_snapshot() == before
    assert ReceiptConfirmation.objects.count() == 1


def test_it_shows_a_confirmed_item_as_confirmed_without_a_form(client, link, items):
    confirm(client, link, items[0])

    response = client.get(f"{link}?lang=en")

    assert f'name="offer" value="{items[0].pk}"' not in response.text
    assert f'name="offer" value="{items[1].pk}"' in response.text
    assert "Receipt confirmed on" in pages.plain(response)


def test_it_refuses_an_item_of_another_shipment(client, link, items, almere_staff, ukraine_appeal):
    stranger = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED,
        destination=factories.destination("Kyiv"),
    )
    before = factories.shipping_snapshot()

    response = confirm(client, link, stranger)

    assert response.status_code == 400
    assert factories.shipping_snapshot() == before


def test_it_keeps_a_photo_with_its_verified_type(client, link, items):
    response = confirm(client, link, items[0], photo=photo())

    assert response.status_code == 302
    receipt = ReceiptConfirmation.objects.get()
    assert receipt.photo_content_type == "image/jpeg"
    # Stored as the same picture, re-encoded without metadata (tests/equipment/test_photos.py).
    with Image.open(receipt.photo) as stored:
        assert (stored.format, stored.size) == ("JPEG", (16, 12))


@pytest.mark.parametrize(
    ("upload", "uk_error", "en_error"),
    [
        (lambda: photo("aankomst.jpg", b"%PDF-1.7 not a picture"), "не є фотографією", "is not a JPEG, PNG or WebP photo"),
        (lambda: photo("kaart.gif", factories.image_bytes("GIF"), "image/gif"), "не є фотографією", "is not a JPEG, PNG or WebP photo"),
        (lambda: photo("groot.jpg", b"\xff" * (5 * 1024 * 1024 + 1)), "більший за 5 МБ", "larger than 5 MB"),
    ],
    ids=["not an image", "a GIF", "over 5 MB"],
)
def test_it_refuses_a_photo_that_is_not_a_small_image_and_changes_nothing(client, link, items, upload, uk_error, en_error):
    before = factories.shipping_snapshot()

    in_ukrainian = confirm(client, link, items[0], photo=upload())
    in_english = confirm(client, link, items[0], lang="en", photo=upload())

    assert in_ukrainian.status_code == in_english.status_code == 400
    assert any(uk_error in error for error in pages.errors(in_ukrainian)), pages.errors(in_ukrainian)
    assert any(en_error in error for error in pages.errors(in_english)), pages.errors(in_english)
    assert factories.shipping_snapshot() == before


# Links that do not work


def assert_broken_link_page(response, *, uk: str, en: str, items=()) -> None:
    text = pages.plain(response)
    assert UK_BROKEN in text and EN_BROKEN in text
    assert uk in text and en in text
    for item in items:
        assert item.number not in text and item.description not in text


def test_it_refuses_an_expired_link_in_ukrainian_and_english(client, delivered, items):
    made = timezone.now()
    with time_machine.travel(made, tick=False):
        link = reverse("pledges:recipient", args=[make_token(delivered)])
    before = factories.shipping_snapshot()

    with time_machine.travel(made + datetime.timedelta(days=30, minutes=1), tick=False):
        shown = client.get(link)
        sent = confirm(client, link, items[0])
    with time_machine.travel(made + datetime.timedelta(days=29), tick=False):
        still_valid = client.get(link)

    assert shown.status_code == sent.status_code == 410
    assert_broken_link_page(shown, uk=UK_EXPIRED, en=EN_EXPIRED, items=items)
    assert factories.shipping_snapshot() == before
    assert still_valid.status_code == 200


def test_it_follows_the_configured_link_lifetime(client, settings, delivered):
    settings.RECIPIENT_LINK_MAX_AGE_DAYS = 2
    made = timezone.now()
    with time_machine.travel(made, tick=False):
        link = reverse("pledges:recipient", args=[make_token(delivered)])

    with time_machine.travel(made + datetime.timedelta(days=3), tick=False):
        assert client.get(link).status_code == 410


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, pk: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token, pk: f"{pk + 1}:" + token.split(":", 1)[1],
        lambda token, pk: signing.TimestampSigner(salt="pledges.other-purpose").sign(str(pk)),
        lambda token, pk: signing.TimestampSigner().sign(str(pk)),
        lambda token, pk: signing.TimestampSigner(salt=SALT).sign("x"),
        lambda token, pk: "not-a-link",
        lambda token, pk: "1:2:3:4",
    ],
    ids=["tampered signature", "another shipment id", "wrong salt", "no salt", "not a number", "malformed", "too many parts"],
)
def test_it_refuses_a_forged_link_in_ukrainian_and_english(client, delivered, items, forge):
    token = forge(make_token(delivered), delivered.pk)
    link = reverse("pledges:recipient", args=[token])
    before = factories.shipping_snapshot()

    shown = client.get(link)
    sent = confirm(client, link, items[0])

    assert shown.status_code == sent.status_code == 400
    assert_broken_link_page(shown, uk=UK_INVALID, en=EN_INVALID, items=items)
    assert factories.shipping_snapshot() == before


def test_it_shows_nothing_for_a_shipment_that_has_not_arrived(client, ukraine_appeal, reference_data):
    planned = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))

    response = client.get(reverse("pledges:recipient", args=[make_token(planned)]))

    assert response.status_code == 404
    assert_broken_link_page(response, uk=UK_INVALID, en=EN_INVALID)


# The coordinator makes the link


def test_it_gives_the_coordinator_a_link_once_and_records_it(client, coordinator, delivered, items):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:shipment_recipient_link", args=[delivered.pk]))
    page = client.get(response["Location"])
    later = client.get(delivered.get_absolute_url())

    assert response.status_code == 302
    url = pages.text(page).split('data-field="recipient-link">')[1].split("<")[0]
    assert url.startswith("http://testserver/ontvangst/")
    assert 'data-field="recipient-link"' not in later.text
    event = delivered.events.get(kind=Event.Kind.SHIPMENT)
    expires = timezone.localdate() + datetime.timedelta(days=30)
    assert (event.actor, event.changes) == (coordinator, {"recipient_link_expires": expires.isoformat()})
    client.logout()
    opened = client.get(url.removeprefix("http://testserver"))
    assert opened.status_code == 200
    assert items[0].number in opened.text


def test_it_makes_no_link_before_delivery(client, coordinator, ukraine_appeal, reference_data):
    planned = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(reverse("pledges:shipment_recipient_link", args=[planned.pk]), follow=True)

    assert 'data-field="recipient-link"' not in response.text
    assert pages.messages(response)
    assert factories.shipping_snapshot() == before


def test_it_marks_the_recipient_page_public_on_purpose():
    assert recipient.public is True
    assert recipient.login_required is False
    assert not hasattr(recipient, "allowed_roles")


def test_it_names_the_recipient_as_the_only_role_that_confirms(delivered):
    actor = recipient_actor(delivered)
    assert (actor.role, actor.user) == (RECIPIENT, None)


def test_it_refuses_a_link_lifetime_of_less_than_a_day(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="RECIPIENT_LINK_MAX_AGE_DAYS"):
        load_settings(monkeypatch, RECIPIENT_LINK_MAX_AGE_DAYS="0")


# Revoking the links (a link that reached the wrong person)

UK_REPLACED = "Це посилання замінено новішим"
EN_REPLACED = "This link was replaced by a newer one"
NL_REPLACED = "Een coördinator heeft deze ontvangstlink ingetrokken"


def hand_out(client, shipment: Shipment, **data) -> str:
    """The link the coordinator's shipment page shows once after making it, as a path."""
    response = client.post(reverse("pledges:shipment_recipient_link", args=[shipment.pk]), data)
    page = client.get(response["Location"])
    return pages.text(page).split('data-field="recipient-link">')[1].split("<")[0].removeprefix("http://testserver")


def test_a_revoked_link_says_it_was_replaced_and_the_new_one_works(client, settings, coordinator, delivered, items):
    client.force_login(coordinator)
    first = hand_out(client, delivered)
    again = hand_out(client, delivered)  # made again, not revoked: both work
    new = hand_out(client, delivered, revoke="1")
    client.logout()
    before = factories.shipping_snapshot()

    for old in (first, again):
        shown, sent = client.get(old), confirm(client, old, items[0])
        assert shown.status_code == sent.status_code == 410
        assert_broken_link_page(shown, uk=UK_REPLACED, en=EN_REPLACED, items=items)
        assert NL_REPLACED not in pages.plain(shown)
    assert factories.shipping_snapshot() == before
    assert client.get(new).status_code == 200
    assert confirm(client, new, items[0]).status_code == 302
    assert ReceiptConfirmation.objects.get().offer == items[0]
    # The fund's staff read it in Dutch too.
    client.force_login(coordinator)
    assert NL_REPLACED in pages.plain(client.get(first))
    # And the shipment's history keeps every link handed out and the revocation, with who.
    settings.LANGUAGE_CODE = "en"
    history = pages.plain(client.get(delivered.get_absolute_url()))
    assert history.count("Receipt link number 1 handed out.") == 2
    assert "Receipt links up to number 1 revoked: they now say they were replaced." in history
    assert "Receipt link number 2 handed out." in history
    revocation = delivered.events.get(data__recipient_link__revoked=0)
    assert (revocation.actor, revocation.data) == (coordinator, {"recipient_link": {"revoked": 0, "issued": 1}})


def test_a_link_made_before_versions_keeps_working_until_revoked(client, coordinator, delivered, items):
    # Links signed before this change carry the bare shipment id.
    old = reverse("pledges:recipient", args=[signing.TimestampSigner(salt=SALT).sign(str(delivered.pk))])
    assert client.get(old).status_code == 200

    client.force_login(coordinator)
    hand_out(client, delivered, revoke="1")
    client.logout()

    assert_broken_link_page(client.get(old), uk=UK_REPLACED, en=EN_REPLACED, items=items)


def test_a_link_revoked_while_its_page_was_open_confirms_nothing(coordinator, delivered, items):
    from pledges.logistics.receipts import LinkReplaced, confirm_receipt
    from pledges.logistics.services import issue_recipient_link

    shown = Shipment.objects.get(pk=delivered.pk)  # as the recipient's page read it, version 0
    issue_recipient_link(delivered, coordinator, at=timezone.now(), expires=timezone.localdate(), revoke=True)

    with pytest.raises(LinkReplaced):
        confirm_receipt(shown, items[0].pk, version=0)
    assert not ReceiptConfirmation.objects.exists()
    assert EquipmentOffer.objects.get(pk=items[0].pk).status == OfferStatus.DELIVERED


def test_a_link_of_a_version_never_handed_out_is_not_valid(client, delivered, items):
    link = reverse("pledges:recipient", args=[make_token(delivered, version=5)])

    assert_broken_link_page(client.get(link), uk=UK_INVALID, en=EN_INVALID, items=items)


def test_only_a_coordinator_revokes_and_only_after_delivery(client, finance, coordinator, ukraine_appeal, delivered):
    client.force_login(finance)
    assert client.post(reverse("pledges:shipment_recipient_link", args=[delivered.pk]), {"revoke": "1"}).status_code == 403
    planned = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(reverse("pledges:shipment_recipient_link", args=[planned.pk]), {"revoke": "1"}, follow=True)

    assert pages.messages(response)
    assert factories.shipping_snapshot() == before
    assert Shipment.objects.get(pk=delivered.pk).recipient_link_version == 0


# What arrived: in full, fewer, damaged, not received


def outcome(client, link, offer, outcome: str, lang: str = "en", **fields):
    return confirm(client, link, offer, lang=lang, outcome=outcome, **fields)


def coordinator_mails(coordinator) -> list:
    return [message for message in mail.outbox if message.to == [coordinator.email]]


def test_it_records_fewer_received_and_alerts_the_coordinators_with_a_link_to_the_shipment(
    client, settings, link, delivered, items, coordinator
):
    settings.LEDGER_URL = "https://fonds.example"
    cables = items[1]  # 7 cable reels
    run_tasks()
    mail.outbox.clear()

    response = outcome(client, link, cables, "fewer", quantity_received="5", note="Twee haspels ontbreken")

    assert response.status_code == 302
    receipt = ReceiptConfirmation.objects.get(offer=cables)
    assert (receipt.outcome, receipt.quantity_received, receipt.note) == ("fewer", 5, "Twee haspels ontbreken")
    [offer_event] = cables.events.filter(to_status=OfferStatus.CONFIRMED)
    assert offer_event.data["receipt"] == {"outcome": "fewer", "received": 5, "quantity": 7}
    [shipment_event] = delivered.events.filter(kind=Event.Kind.RECEIPT)
    assert shipment_event.data["receipt"] == {"outcome": "fewer", "received": 5, "quantity": 7, "offer": cables.number}
    [alert] = coordinator_mails(coordinator)
    assert delivered.number in alert.subject and cables.number in alert.subject
    assert "minder ontvangen" in alert.subject  # the fund reads its mail in Dutch
    assert f"https://fonds.example/transporten/{delivered.pk}/" in alert.body
    assert "Minder ontvangen: 5 van 7." in alert.body and "Twee haspels ontbreken" in alert.body
    # The municipality's mail of the move says what arrived.
    [told] = [message for message in mail.outbox if cables.number in message.subject and message.to != [coordinator.email]]
    assert "Minder ontvangen: 5 van 7." in told.body
    page = client.get(response["Location"])
    assert "Fewer received: 5 of 7." in pages.plain(page)
    assert any("The fund is told of the shortfall." in message for message in pages.messages(page))


def test_it_sends_no_alert_for_an_item_received_in_full(client, link, items, coordinator):
    run_tasks()
    mail.outbox.clear()

    outcome(client, link, items[0], "received", quantity_received="1")

    run_tasks()
    assert ReceiptConfirmation.objects.get().quantity_received == 2  # in full: the quantity typed does not count
    assert coordinator_mails(coordinator) == []


def test_it_records_an_item_not_received_as_nothing_arrived(client, link, items, coordinator):
    response = outcome(client, link, items[0], "not_received", note="Niet op de vrachtwagen")

    assert response.status_code == 302
    receipt = ReceiptConfirmation.objects.get()
    assert (receipt.outcome, receipt.quantity_received, receipt.is_shortfall) == ("not_received", 0, True)
    assert len(coordinator_mails(coordinator)) == 1


def test_it_keeps_the_photo_and_note_of_a_damaged_item(client, link, items):
    response = outcome(client, link, items[0], "damaged", quantity_received="2", note="Behuizing gedeukt", photo=photo())

    assert response.status_code == 302
    receipt = ReceiptConfirmation.objects.get()
    assert (receipt.outcome, receipt.quantity_received, receipt.photo_content_type) == ("damaged", 2, "image/jpeg")


@pytest.mark.parametrize(
    ("fields", "uk_error", "en_error"),
    [
        ({"outcome": "fewer", "quantity_received": "2"}, "від 1 до 1", "from 1 to 1"),
        ({"outcome": "fewer", "quantity_received": "0"}, "не отримано", "not received"),
        ({"outcome": "fewer", "quantity_received": ""}, "скільки прибуло", "how many arrived"),
        ({"outcome": "damaged", "quantity_received": "2", "note": ""}, "Опишіть, що пошкоджено", "Say what is damaged"),
        ({"outcome": "damaged", "quantity_received": "3", "note": "kapot"}, "від 1 до 2", "from 1 to 2"),
        ({"outcome": "lost"}, "Виберіть, що прибуло", "Choose what arrived"),
    ],
    ids=["fewer but all", "fewer but none", "fewer without a number", "damaged without a note", "damaged more than sent", "no such outcome"],
)
def test_it_refuses_a_report_that_does_not_add_up_in_ukrainian_and_english(client, link, items, fields, uk_error, en_error):
    before = factories.shipping_snapshot()

    in_ukrainian = confirm(client, link, items[0], lang="uk", **fields)
    in_english = confirm(client, link, items[0], lang="en", **fields)

    assert in_ukrainian.status_code == in_english.status_code == 400
    assert any(uk_error in error for error in pages.errors(in_ukrainian)), pages.errors(in_ukrainian)
    assert any(en_error in error for error in pages.errors(in_english)), pages.errors(in_english)
    assert factories.shipping_snapshot() == before


def test_it_confirms_all_waiting_items_as_received_in_one_step(client, link, items, coordinator):
    generator, cables = items
    outcome(client, link, generator, "fewer", quantity_received="1")
    mail.outbox.clear()

    response = client.post(f"{link}?lang=en", {"all": "1"})
    again = client.post(f"{link}?lang=en", {"all": "1"})

    assert response.status_code == 302
    receipts = {receipt.offer_id: receipt for receipt in ReceiptConfirmation.objects.all()}
    assert (receipts[generator.pk].outcome, receipts[generator.pk].quantity_received) == ("fewer", 1)
    assert (receipts[cables.pk].outcome, receipts[cables.pk].quantity_received) == ("received", 7)
    assert coordinator_mails(coordinator) == []
    assert again.status_code == 409
    assert any("Every item was already confirmed" in message for message in pages.messages(again))
    page = client.get(f"{link}?lang=en")
    assert "Confirm all as received" not in page.text
    assert "Every item of this delivery is confirmed" in pages.plain(page)


def test_a_page_with_nothing_waiting_offers_no_confirm_all(client, link, items):
    client.post(f"{link}?lang=en", {"all": "1"})

    assert ReceiptConfirmation.objects.count() == 2
    assert 'name="all"' not in client.get(f"{link}?lang=en").text


def test_record_receipt_is_the_one_service_for_a_report(delivered, items, coordinator):
    from pledges.logistics.receipts import AlreadyConfirmed, NotConfirmable, ReportRefused, record_receipt

    receipt = record_receipt(items[1], "fewer", quantity_received=3, note="Vier haspels ontbreken")

    assert (receipt.outcome, receipt.quantity_received, receipt.missing_units) == ("fewer", 3, 4)
    assert EquipmentOffer.objects.get(pk=items[1].pk).status == OfferStatus.CONFIRMED
    with pytest.raises(AlreadyConfirmed):
        record_receipt(items[1])
    with pytest.raises(ReportRefused):
        record_receipt(items[0], "fewer", quantity_received=2)
    with pytest.raises(NotConfirmable):
        record_receipt(factories.offer(
            items[0].municipality, items[0].appeal, items[0].created_by, status=OfferStatus.IN_TRANSIT,
        ))
    assert ReceiptConfirmation.objects.count() == 1


def test_the_history_words_a_report_in_the_readers_language(delivered, items):
    from django.utils import translation

    from pledges.history.rendering import show_all
    from pledges.logistics.receipts import record_receipt

    record_receipt(items[1], "fewer", quantity_received=5)
    event = delivered.events.get(kind=Event.Kind.RECEIPT)
    said = {}
    for language in ("nl", "en", "uk"):
        with translation.override(language):
            [(_event, shown)] = show_all([event])
            said[language] = shown.lines
    assert said == {
        "nl": [f"{items[1].number}: Minder ontvangen: 5 van 7."],
        "en": [f"{items[1].number}: Fewer received: 5 of 7."],
        "uk": [f"{items[1].number}: Отримано менше: 5 з 7."],
    }


def test_it_describes_each_item_by_category_and_specifications_in_the_readers_language(
    client, almere_staff, ukraine_appeal, reference_data, coordinator
):
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(ukraine_appeal, kyiv)
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED, destination=kyiv,
        category="generator", description="Aggregaat op aanhanger", power_kva="62.5", fuel="diesel", phases=3,
        condition="used", year=2019, weight_kg="1450",
    )
    factories.on_board(shipment, generator)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.DELIVERED, Actor.of(coordinator))
    link = reverse("pledges:recipient", args=[make_token(shipment)])

    ukrainian = pages.plain(client.get(link))
    english = pages.plain(client.get(f"{link}?lang=en"))

    for expected in ("Категорія генератор", "Потужність (кВА) 62,5 kVA", "Пальне дизель", "Фази трифазний",
                     "Стан вживаний", "Рік випуску 2019", "Вага одиниці (кг) 1 450,0 kg"):
        assert expected in ukrainian, expected
    for expected in ("Category generator", "Power (kVA) 62.5 kVA", "Fuel diesel", "Phases three phase",
                     "Condition used", "Year of manufacture 2019"):
        assert expected in english, expected
    # The donor's own words stay, marked as Dutch for screen readers.
    assert '<dd lang="nl">Aggregaat op aanhanger</dd>' in client.get(link).text
    assert "aggregaat" not in ukrainian.replace("Aggregaat op aanhanger", "")


def test_the_migration_makes_earlier_confirmations_received_in_full(items):
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("pledges.migrations.0022_receipt_outcome")
    ReceiptConfirmation.objects.create(offer=items[1], outcome="damaged", quantity_received=1)

    migration.received_in_full(django_apps, None)

    receipt = ReceiptConfirmation.objects.get()
    assert (receipt.outcome, receipt.quantity_received) == ("received", 7)
