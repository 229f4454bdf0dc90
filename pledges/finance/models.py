"""Money that arrived: imported bank statements, their lines, and how each line was matched.

A bank line (Payment) is matched at most once: the donation it pays for is a
foreign key on the line itself, so a line cannot point at two pledges, while a
pledge may be paid in several lines. Amounts are integer cents, signed as the
bank books them (credit positive, debit negative).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

from pledges.core.models import Job
from pledges.core.money import cents_to_euro, format_euro
from pledges.donations.models import Donation
from pledges.reference.models import Appeal, Municipality


class BankStatement(models.Model):
    """One uploaded statement file, kept as the record of who imported what and when."""

    class Format(models.TextChoices):
        MT940 = "mt940", "MT940"
        CAMT053 = "camt053", "CAMT.053"

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("imported at"), default=timezone.now)
    file_name = models.CharField(_("file name"), max_length=255)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    # The same file imported twice is recognised by its content, not its name.
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    # Compact IBAN, or the account number as given when the bank sends no IBAN.
    account_iban = models.CharField(_("account"), max_length=34)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    statement_id = models.CharField(_("statement id"), max_length=35, blank=True)
    sequence = models.CharField(_("statement number"), max_length=35, blank=True)
    from_date = models.DateField(_("from"))
    to_date = models.DateField(_("to"))
    opening_balance_cents = models.BigIntegerField(_("opening balance"))
    closing_balance_cents = models.BigIntegerField(_("closing balance"))
    line_count = models.PositiveIntegerField(_("lines in the file"))
    added_count = models.PositiveIntegerField(_("lines added"))
    skipped_count = models.PositiveIntegerField(_("lines already known"))
    matched_count = models.PositiveIntegerField(_("lines matched on import"), default=0)
    # Lines that resemble a booked line in all but their text: held until finance decides (HeldLine).
    held_count = models.PositiveIntegerField(_("lines held for a decision"), default=0)
    # The bank lines (Payment ids) this file holds that were already booked from an earlier file.
    known_lines = models.JSONField(_("lines already booked"), default=list, blank=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(added_count__lte=models.F("line_count"))
                & Q(skipped_count__lte=models.F("line_count")),
                name="bank_statement_counts_fit",
            ),
            models.CheckConstraint(
                condition=Q(from_date__lte=models.F("to_date")),
                name="bank_statement_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        period = " – ".join(date_format(day, "SHORT_DATE_FORMAT") for day in (self.from_date, self.to_date))
        return f"{self.file_name} ({period})"

    @property
    def account_display(self) -> str:
        return format_account(self.account_iban)

    @property
    def opening_balance(self) -> Decimal:
        return cents_to_euro(self.opening_balance_cents)

    @property
    def closing_balance(self) -> Decimal:
        return cents_to_euro(self.closing_balance_cents)

    @property
    def opening_balance_display(self) -> str:
        return format_amount(self.opening_balance_cents, self.currency)

    @property
    def closing_balance_display(self) -> str:
        return format_amount(self.closing_balance_cents, self.currency)


class AccountStatement(models.Model):
    """One statement as the bank numbered it (a :20: block, a CAMT Stmt) inside an imported file.

    What the continuity of an account is read from (pledges.finance.continuity): each
    statement opens at the balance the one before it closed at. The same statement in
    two files (an overlap, MT940 and CAMT.053 of one day) is stored with each file.
    """

    file = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="statements")
    account_iban = models.CharField(_("account"), max_length=34)
    currency = models.CharField(_("currency"), max_length=3)
    statement_id = models.CharField(_("statement id"), max_length=35, blank=True)
    number = models.PositiveBigIntegerField(_("statement number"), null=True, blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    opening_balance_cents = models.BigIntegerField(_("opening balance"))
    closing_balance_cents = models.BigIntegerField(_("closing balance"))
    line_count = models.PositiveIntegerField(_("lines"))

    class Meta:
        verbose_name = _("account statement")
        verbose_name_plural = _("account statements")
        indexes = [models.Index(fields=["account_iban", "currency", "period_start"], name="account_statement_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="account_statement_period_in_order"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(self.number) if self.number is not None else (self.statement_id or "?")


class HeldLine(models.Model):
    """A line of an imported file that equals a booked line in all but its text, and carries no
    stable id (end-to-end id, bank reference) to tell them apart: finance decides whether it is
    that line or a new one. It is never added without that decision.
    """

    class Decision(models.TextChoices):
        PENDING = "", _("waiting for a decision")
        ADDED = "added", _("added as a new line")
        SAME = "same", _("the same line as the one booked")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="held_lines")
    resembles = models.ForeignKey(
        "Payment", verbose_name=_("resembles"), on_delete=models.PROTECT, related_name="+"
    )
    line_key = models.CharField(_("line key"), max_length=80)
    # The line as the parser read it (pledges.finance.parsers.Line's fields, dates as ISO text).
    line = models.JSONField(_("line"))
    booking_date = models.DateField(_("booking date"))
    amount_cents = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The bank line it became, when finance added it.
    payment = models.OneToOneField(
        "Payment", on_delete=models.PROTECT, related_name="held_as", null=True, blank=True
    )

    class Meta:
        verbose_name = _("held bank line")
        verbose_name_plural = _("held bank lines")
        ordering = ["booking_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True, payment__isnull=True)
                | Q(decision="same", decided_at__isnull=False, payment__isnull=True)
                | Q(decision="added", decided_at__isnull=False, payment__isnull=False),
                name="held_line_decision_is_whole",
            ),
        ]

    @property
    def amount_display(self) -> str:
        return format_amount(self.amount_cents, self.currency)

    @property
    def counterparty_name(self) -> str:
        return self.line.get("counterparty_name", "")

    @property
    def counterparty_iban_display(self) -> str:
        return format_account(self.line.get("counterparty_iban", ""))

    @property
    def remittance(self) -> str:
        return self.line.get("remittance", "")


def format_amount(amount: Decimal | int, currency: str, language: str | None = None) -> str:
    """An amount with its currency: "€ 1.000,00" in euro, "USD 1.000,00" in any other."""
    if currency == "EUR":
        return format_euro(amount, language)
    # The reader's digits without the euro sign, then the currency's own code in front.
    number = format_euro(abs(amount), language).replace("€", "").strip()
    return f"{'-' if amount < 0 else ''}{currency} {number}"


def format_account(account: str) -> str:
    """An IBAN in groups of four; a plain account number as it is."""
    return stdnum_iban.format(account) if stdnum_iban.is_valid(account) else account


class PaymentQuerySet(models.QuerySet["Payment"]):
    def for_list(self) -> PaymentQuerySet:
        """Join what the finance lists show."""
        return self.select_related("donation__municipality", "statement", "matched_by")

    def credits(self) -> PaymentQuerySet:
        return self.filter(amount_cents__gt=0)

    def on_fund_accounts(self, accounts: frozenset[str] | None = None) -> PaymentQuerySet:
        """Lines booked on an account an appeal asks money for; only these can match pledges."""
        if accounts is None:
            accounts = frozenset(Appeal.objects.values_list("iban", flat=True))
        return self.filter(account_iban__in=accounts)

    def matchable(self) -> PaymentQuerySet:
        """Credit lines in euro on a fund account: the only lines that may pay a pledge."""
        return self.credits().on_fund_accounts().filter(currency="EUR")

    def unmatched(self) -> PaymentQuerySet:
        """Matchable lines nobody has matched or marked as a gift yet: finance's to-do list."""
        return self.matchable().filter(match_method="")

    def lines(self) -> PaymentQuerySet:
        """The lines as the bank (or finance, by hand) booked them: without the parts of split lines."""
        return self.filter(split_of__isnull=True)

    def matched(self) -> PaymentQuerySet:
        return self.filter(donation__isnull=False)

    def gifts(self) -> PaymentQuerySet:
        return self.filter(match_method=Payment.Method.GIFT)

    def totals(self, accounts: frozenset[str] | None = None) -> dict:
        """Rows, and euro (exact) matched to pledges, gifts, open to match and other, in two queries.

        Call it on `lines()`: a split line counts as matched, its parts not again.

        "open" are the lines `unmatched()` lists; "other" is every other euro line (debits,
        lines on other accounts), signed as booked, so matched + gifts + open + other is
        the sum of every euro line. Lines in another currency are never added to euro:
        `other_currencies` lists them apart, per currency (code, amount, rows).
        """
        if accounts is None:
            accounts = frozenset(Appeal.objects.values_list("iban", flat=True))
        euro = Q(currency="EUR")
        sums = self.aggregate(
            rows=models.Count("*"),
            # A voided payment was never received: it counts as no money at all.
            total=models.Sum("amount_cents", default=0, filter=euro & ~Q(match_method=Payment.Method.VOIDED)),
            matched=models.Sum(
                "amount_cents", default=0,
                filter=euro & (Q(donation__isnull=False) | Q(match_method=Payment.Method.SPLIT)),
            ),
            gifts=models.Sum("amount_cents", default=0, filter=euro & Q(match_method=Payment.Method.GIFT)),
            open=models.Sum(
                "amount_cents",
                default=0,
                filter=euro & Q(match_method="", amount_cents__gt=0, account_iban__in=accounts),
            ),
        )
        other = sums["total"] - sums["matched"] - sums["gifts"] - sums["open"]
        return {
            "rows": sums["rows"],
            **{key: cents_to_euro(sums[key]) for key in ("matched", "gifts", "open")},
            "other": cents_to_euro(other),
            "other_currencies": self.other_currencies(),
        }

    def by_currency(self) -> list[dict]:
        """Per currency (euro first, then by code): rows and the exact sum, as `CurrencySum`s."""
        rows = (
            self.order_by()
            .values("currency")
            .annotate(rows=models.Count("*"), cents=models.Sum("amount_cents", default=0))
            .values_list("currency", "rows", "cents")
        )
        sums = [CurrencySum(currency, count, cents) for currency, count, cents in rows]
        return sorted(sums, key=lambda row: (row.currency != "EUR", row.currency))

    def other_currencies(self) -> list[CurrencySum]:
        return [row for row in self.exclude(currency="EUR").by_currency()]


@dataclasses.dataclass(frozen=True)
class CurrencySum:
    """Lines of one currency summed: never added to another currency's."""

    currency: str
    rows: int
    cents: int

    @property
    def amount(self) -> Decimal:
        return cents_to_euro(self.cents)

    @property
    def display(self) -> str:
        return format_amount(self.cents, self.currency)


class Payment(models.Model):
    """One line of a bank statement, or a payment finance entered by hand, and its match."""

    class Method(models.TextChoices):
        REFERENCE = "reference", _("RF reference")
        IBAN_AMOUNT = "iban_amount", _("known IBAN and amount")
        MANUAL = "manual", _("by hand")
        GIFT = "gift_without_pledge", _("gift without pledge")
        # The line pays several pledges: its parts (lines of their own, `split_of` it) are matched.
        SPLIT = "split", _("split over pledges")
        # A payment entered by hand by mistake; a split part whose split was undone.
        VOIDED = "voided", _("voided")

    PLEDGE_METHODS = (Method.REFERENCE, Method.IBAN_AMOUNT, Method.MANUAL)

    statement = models.ForeignKey(
        BankStatement,
        verbose_name=_("bank statement"),
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        help_text=_("Empty for a payment finance entered by hand."),
    )
    # Identifies the line across files: a hash of what the bank says about it
    # plus its occurrence among identical lines of one statement, so a second
    # import of an overlapping period adds only the lines not seen before.
    line_key = models.CharField(_("line key"), max_length=80, unique=True)
    account_iban = models.CharField(_("booked on account"), max_length=34)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount_cents = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    remittance = models.TextField(_("description"), blank=True)
    # A structured creditor reference (CAMT CdtrRefInf, MT940 /REMI/STRD/) as the bank gives it.
    structured_reference = models.CharField(_("structured reference"), max_length=35, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=35, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=35, blank=True)
    account_servicer_reference = models.CharField(
        _("account servicer reference"), max_length=35, blank=True
    )
    transaction_code = models.CharField(_("transaction code"), max_length=35, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    donation = models.ForeignKey(
        Donation,
        verbose_name=_("pledge"),
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
    )
    match_method = models.CharField(
        _("matched by way of"), max_length=20, choices=Method.choices, blank=True
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("matched by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)
    # A part of a split line: the bank's line is `split_of`, this row pays one pledge with part of it.
    split_of = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.PROTECT, related_name="parts", null=True, blank=True
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-booking_date", "-id"]
        constraints = [
            # Either open, or a gift (no pledge), or matched to exactly one pledge;
            # never a half-written state.
            models.CheckConstraint(
                condition=(
                    Q(match_method="", donation__isnull=True, matched_at__isnull=True)
                    | Q(
                        match_method__in=["gift_without_pledge", "split", "voided"],
                        donation__isnull=True,
                        matched_at__isnull=False,
                    )
                    | Q(
                        match_method__in=["reference", "iban_amount", "manual"],
                        donation__isnull=False,
                        matched_at__isnull=False,
                    )
                ),
                name="payment_match_is_whole",
            ),
            # A debit (money leaving the fund) never pays a pledge nor counts as a gift.
            models.CheckConstraint(
                condition=Q(match_method="") | Q(amount_cents__gt=0),
                name="payment_only_credits_match",
            ),
        ]
        indexes = [
            models.Index(fields=["account_iban", "booking_date"], name="payment_account_day"),
            models.Index(fields=["match_method", "-booking_date"], name="payment_method_newest"),
            models.Index(fields=["counterparty_iban"], name="payment_counterparty"),
            # Received over time: the matched lines of a set of pledges by booking date.
            models.Index(fields=["donation", "booking_date", "amount_cents"], name="payment_donation_booked"),
        ]

    def __str__(self) -> str:
        return f"{self.booking_date:%Y-%m-%d} {self.amount} {self.counterparty_name}".strip()

    @property
    def amount(self) -> Decimal:
        return cents_to_euro(self.amount_cents)

    @property
    def amount_display(self) -> str:
        """The amount with its currency ("€ 25.000,00", "USD 1.000,00"): never a euro sign on another currency."""
        return format_amount(self.amount_cents, self.currency)

    @property
    def is_credit(self) -> bool:
        return self.amount_cents > 0

    @property
    def is_open(self) -> bool:
        return not self.match_method

    @property
    def counterparty_iban_display(self) -> str:
        return format_account(self.counterparty_iban) if self.counterparty_iban else ""

    @property
    def account_display(self) -> str:
        return format_account(self.account_iban)


class StatementImport(Job):
    """An uploaded statement file, checked in the request and imported by the worker.

    The file's bytes are kept here: the import runs later, in another process.
    """

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # The result: the statement the lines went into (or that held them already), and the matches.
    statement = models.ForeignKey(BankStatement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    matched = models.PositiveIntegerField(default=0)
    already_imported = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # A double submit of the upload form finds the file already waiting: it is imported once.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]),
                name="statement_import_one_pending_per_file",
            )
        ]


class FinanceReport(Job):
    """The finance report workbook of a large appeal, written by the worker into a stored file."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    file = models.FileField(upload_to="finance-reports/", blank=True)
    row_count = models.PositiveIntegerField(default=0)

    @property
    def file_name(self) -> str:
        return f"rapport-{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}.xlsx"


class AnnualAccount(Job):
    """A municipality's yearly account (jaarverantwoording) as a PDF, written by the worker.

    Asked for from the municipality's contribution page or by the fund's finance; the document
    itself is pledges/finance/annual.py.
    """

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey(Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    file = models.FileField(upload_to="annual-accounts/", blank=True)

    class Meta:
        verbose_name = _("yearly account")
        verbose_name_plural = _("yearly accounts")
        indexes = [models.Index(fields=["municipality", "year", "status"], name="annual_account_lookup")]

    @property
    def file_name(self) -> str:
        return f"jaarverantwoording-{self.municipality.code}-{self.year}.pdf"
