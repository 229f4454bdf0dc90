"""A month of finance in a real browser: statements out of order, the same day twice, money entered by hand,
matches that disagree, split and undone, reminders, a write-off, a receipt and a yearly account.

One journey, in the order finance meets it; each step checks what the page says and, where a user would
check a figure, the database. The worker runs where the queue would run it (`run_tasks()`).
"""

import datetime
import io
import re

import time_machine
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from pledges.models import Donation, Payment, Reminder
from tests import factories
from tests.browser.helpers import t
from tests.documents import pdf_text
from tests.tasks import queued, run_tasks

LEIDEN, GRONINGEN, ALMERE, BERGEN = 90001209, 90001204, 90001201, 90001211


def import_statement(page, name: str) -> None:
    """Upload a statement on the statements page, let the worker import it, and look again."""
    page.goto("/financien/afschriften/")
    page.locator("input[type=file]").set_input_files(str(factories.STATEMENTS / name))
    page.get_by_role("button", name=t("Import statement")).click()
    said(page, t("It waits for its turn and starts in a moment."))
    run_tasks()
    page.get_by_role("link", name=t("Reload")).click()


def said(page, text: str) -> None:
    """The page tells `text` in one of its messages."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def imported(added: int, skipped: int, matched: int) -> str:
    return t("Statement imported: %(added)s new lines, %(skipped)s already known, "
             "%(matched)s matched to pledges automatically.") % {"added": added, "skipped": skipped, "matched": matched}


def part(field: str, index: int) -> re.Pattern:
    """The label of the split form's "Pledge 1", "Amount 2"..., with or without its colon."""
    return re.compile("^" + re.escape(t(f"{field} %(index)s") % {"index": index}) + ":?$")


def download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    return open(info.value.path(), "rb").read()


def test_finance_follows_the_fund_through_a_month(page, finance, almere_staff, ukraine_appeal, log_in_as):
    pledges = factories.sample_pledges(ukraine_appeal, almere_staff)
    log_in_as(page.context, finance)

    # 1. The 5 March statement (45) first, then 2-3 March (42, 43): statement 44 is missing between them.
    import_statement(page, "bng_2026-03-05.camt053.xml")
    expect(page.get_by_text(imported(7, 0, 4))).to_be_visible()
    import_statement(page, "bng_2026-03-02_03.sta")
    expect(page.get_by_text(imported(10, 0, 4))).to_be_visible()
    page.get_by_role("navigation", name=t("Finance")).get_by_role("link", name=t("Bank statements")).click()
    gap = page.locator("section", has=page.get_by_role("heading", name=t("Statements that do not follow each other")))
    expect(gap).to_contain_text("Afschrift 44 (4 maart 2026) ontbreekt tussen 43 en 45.")
    assert Payment.objects.count() == 17

    # 2. 3 March again, as CAMT.053: every transfer is known already, nothing is added and the page says so.
    import_statement(page, "bng_2026-03-03.camt053.xml")
    expect(page.get_by_text(imported(0, 6, 0))).to_be_visible()
    expect(page.get_by_text(t("Nothing was added for them: the same transfer came in before, in this format or another."),
                            exact=False)).to_be_visible()
    assert Payment.objects.count() == 17

    # 3. Cash for Groningen, sent twice from the same rendered form: booked once.
    page.goto("/financien/betalingen/")
    rendered = page.content()

    def fill_cash() -> None:
        page.get_by_label(t("Date received")).fill("2026-03-06")
        page.get_by_label(t("Amount")).fill("7500")
        page.get_by_label(t("Paid by")).fill("Gemeente Groningen, kas")
        page.get_by_label(t("Description")).fill("Opbrengst inzameling stadhuis")
        page.get_by_label(t("Pays pledge (optional)")).fill(pledges[GRONINGEN].number)

    fill_cash()
    page.get_by_role("button", name=t("Record payment")).click()
    said(page, pledges[GRONINGEN].number)
    cash_url = page.url
    # Back, to the form as the browser first showed it (the app sends no-store, so Chrome would load a new form
    # with a new token: the copy kept above is served instead, the same token), and sent again.
    page.route("**/financien/betalingen/", lambda route: route.fulfill(content_type="text/html", body=rendered))
    page.go_back()
    page.unroute("**/financien/betalingen/")
    fill_cash()
    page.get_by_role("button", name=t("Record payment")).click()
    said(page, t("This form was already sent (at %(time)s); nothing was done the second time.").split(" (")[0])
    assert page.url == cash_url
    cash = Payment.objects.get(statement__isnull=True)  # one, not two
    assert (cash.amount_cents, cash.donation_id) == (7_500_00, GRONINGEN)
    assert Donation.objects.get(pk=GRONINGEN).received_cents == 5_000_00 + 7_500_00

    # 4. It was entered by mistake: voided with a reason, the pledge back to what the bank paid.
    page.get_by_label(t("Reason")).filter(visible=True).last.fill("Dubbel: het geld komt per bank")
    page.get_by_role("button", name=t("Void payment")).click()
    said(page, t("The payment of %(amount)s is voided; it counts no more.") % {"amount": "€ 7.500,00"})
    expect(page.get_by_text(t("This payment was voided: it counts no more and pays no pledge."))).to_be_visible()
    cash.refresh_from_db()
    assert (cash.match_method, cash.donation_id) == (Payment.Method.VOIDED, None)
    assert Donation.objects.get(pk=GRONINGEN).received_cents == 5_000_00
    run_tasks()
    mail.outbox.clear()

    # 5. Bergen's transfer from an unknown account, matched by hand to Leiden's pledge of another amount:
    # the page names the disagreement before anything is booked.
    bergen_line = Payment.objects.get(counterparty_name="GEMEENTE BERGEN NH")
    page.goto(f"/financien/regels/{bergen_line.pk}/")
    page.get_by_label(t("Pledge number or RF reference")).fill(pledges[LEIDEN].number)
    page.get_by_role("button", name=t("Match to this pledge")).click()
    confirmation = page.get_by_role("alert").filter(has_text=t("Confirm this match"))
    expect(confirmation).to_contain_text("€ 2.500,00")
    expect(confirmation).to_contain_text("€ 4.000,00")
    bergen_line.refresh_from_db()
    assert bergen_line.is_open
    confirmation.get_by_role("button", name=t("Confirm despite this")).click()
    said(page, pledges[LEIDEN].number)
    assert Donation.objects.get(pk=LEIDEN).received_cents == 2_500_00
    run_tasks()
    [thanks] = mail.outbox
    assert "financien@gm0546.example.nl" in thanks.to

    # 6. J. de Vries's € 100 goes over Bergen's pledge (€ 60) and Leiden's (€ 40).
    gift_line = Payment.objects.filter(counterparty_name="J DE VRIES").order_by("pk").first()
    page.goto(f"/financien/regels/{gift_line.pk}/")
    split = page.locator("form", has=page.get_by_role("button", name=t("Split the line")))
    split.get_by_label(part("Pledge", 1)).fill(pledges[BERGEN].number)
    split.get_by_label(part("Amount", 1)).fill("60")
    split.get_by_label(part("Pledge", 2)).fill(pledges[LEIDEN].number)
    split.get_by_label(part("Amount", 2)).fill("40")
    split.get_by_role("button", name=t("Split the line")).click()
    # Part payments of more than one pledge: the page asks first, naming the amounts left open.
    confirmation = page.get_by_role("alert").filter(has_text=t("Confirm this match"))
    expect(confirmation).to_contain_text(pledges[BERGEN].number)
    confirmation.get_by_role("button", name=t("Confirm despite this")).click()
    said(page, "€ 100,00")
    expect(page.get_by_role("heading", name=t("Split over"))).to_be_visible()
    assert Donation.objects.get(pk=BERGEN).received_cents == 60_00
    assert Donation.objects.get(pk=LEIDEN).received_cents == 2_500_00 + 40_00
    run_tasks()
    mail.outbox.clear()

    # 7. The Bergen line was Bergen's after all: the match to Leiden is undone with a reason, and the
    # worker tells Leiden, who was thanked for it, by e-mail.
    page.goto(f"/financien/regels/{bergen_line.pk}/")
    page.get_by_label(t("Reason")).filter(visible=True).first.fill("Verkeerde toezegging: dit is Bergen")
    page.get_by_role("button", name=t("Undo match")).click()
    said(page, t("The match is undone; the line is open again."))
    assert [(name, args[:2]) for name, args, _kwargs in queued()] == [("send_match_corrected", [bergen_line.pk, LEIDEN])]
    run_tasks()
    [correction] = mail.outbox
    assert "financien@gm0546.example.nl" in correction.to and pledges[LEIDEN].number in correction.body
    assert Donation.objects.get(pk=LEIDEN).received_cents == 40_00
    mail.outbox.clear()

    # 8. The daily reminder check on the day the open pledges are due, run twice: each reminder once.
    due = pledges[BERGEN].expected_date
    with time_machine.travel(datetime.datetime.combine(due, datetime.time(6), datetime.UTC), tick=False):
        call_command("send_reminders", stdout=io.StringIO())
        run_tasks()
        sent = [message.subject for message in mail.outbox]
        call_command("send_reminders", stdout=io.StringIO())
        assert "send_reminder" not in [name for name, _args, _kwargs in queued()]
        run_tasks()
    reminded = set(Reminder.objects.values_list("donation_id", flat=True))
    assert {BERGEN, LEIDEN, GRONINGEN} <= reminded
    assert len(sent) == Reminder.objects.filter(sent_at__isnull=False).count() == Reminder.objects.count()
    assert [message.subject for message in mail.outbox] == sent
    page.goto(f"/donaties/{BERGEN}/")
    expect(page.locator("tr[data-reminder=due]")).to_be_visible()

    # 9. Groningen's council will not pay the rest: written off on the pledge's page.
    page.goto(f"/donaties/{GRONINGEN}/")
    page.get_by_label(t("Reason for the write-off")).fill("Raad besloot de rest niet te betalen")
    page.get_by_role("button", name=t("Write off")).click()
    said(page, t("%(amount)s of pledge %(number)s is written off; the pledge is closed.")
         % {"amount": "€ 7.500,00", "number": pledges[GRONINGEN].number})
    groningen = Donation.objects.get(pk=GRONINGEN)
    assert (groningen.status, groningen.written_off_cents, groningen.outstanding) == (
        Donation.Status.WRITTEN_OFF, 7_500_00, 0)

    # 10. Almere's receipt and Almere's yearly account, downloaded and read back.
    almere_line = Payment.objects.get(donation_id=ALMERE)
    page.goto(f"/financien/regels/{almere_line.pk}/")
    receipt = pdf_text(download(page, page.get_by_role("link", name=t("Receipt (PDF)"))))
    for expected in (pledges[ALMERE].number, "Almere", "€ 25.000,00"):
        assert expected in receipt, expected

    page.goto("/financien/jaarverantwoording/")
    page.get_by_role("combobox", name=t("Municipality")).select_option("GM0034")
    page.get_by_role("combobox", name=t("Year")).select_option(str(pledges[ALMERE].created_at.year))
    page.get_by_role("button", name=t("Prepare the yearly account")).click()
    run_tasks()
    page.reload()
    expect(page.get_by_text(t("The yearly account is ready."))).to_be_visible()
    account = pdf_text(download(page, page.get_by_role("link", name=t("Download yearly account (PDF)"))))
    for expected in (pledges[ALMERE].number, "Almere", "€ 25.000,00"):
        assert expected in account, expected
