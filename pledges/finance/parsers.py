from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import mt940
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

from pledges.core.money import format_euro
from pledges.finance import bank_formats
from pledges.finance.models import BankStatement

# Field lengths of Payment; longer values from a bank are cut to fit, before hashing.
_NAME_MAX, _REF_MAX, _CODE_MAX, _ACCOUNT_MAX = 140, 35, 35, 34

# --------------------------------------------------------------------------- refusals


class StatementRefused(Exception):
    """The file is not imported; `message` says why, in the reader's language."""

    def __init__(self, message: str | Promise, **params):
        self.message = message
        self.params = params
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


NOT_A_STATEMENT = _(
    "This file is not a bank statement. Upload the MT940 or CAMT.053 file exactly as "
    "your bank exports it."
)
UNREADABLE_MT940 = _(
    "This MT940 file could not be read: a field does not have the form MT940 "
    "prescribes. Export the statement from your bank again."
)
UNREADABLE_MT940_FIELD = _(
    "This MT940 file could not be read: field :%(tag)s: (\"%(value)s\") does not have the form "
    "MT940 prescribes. Export the statement from your bank again."
)
UNSAFE_XML = _(
    "This XML file declares a document type or entities, which bank statements never do. "
    "It was refused for safety; export the statement from your bank again."
)
MT942 = _(
    "This is an MT942 interim report (transactions during the day), not a statement: it has no "
    "closing balance of a finished day. Upload the MT940 statement of the day instead."
)
UNKNOWN_MT940_FIELDS = _(
    "This file has fields that an MT940 statement does not have (%(tags)s). It is another kind "
    "of SWIFT message or a bank's own format. Export the statement as MT940 or CAMT.053."
)
NO_OPENING_BALANCE = _(
    "Statement %(id)s has no opening balance (%(field)s), so its lines cannot be checked. The "
    "file may be cut off; export it from your bank again."
)
NO_CLOSING_BALANCE = _(
    "Statement %(id)s has no closing balance (%(field)s), so its lines cannot be checked. The "
    "file may be cut off; export it from your bank again."
)
INTERIM_CLOSING_BALANCE = _(
    "Statement %(id)s ends with an interim balance (ITBD) instead of the closing balance of a "
    "finished day (CLBD). Import the statement once the day is closed."
)
CAMT052 = _(
    "This is a CAMT.052 account report (transactions during the day), not a statement: its "
    "balances are not final. Upload the CAMT.053 statement instead."
)
CAMT054 = _(
    "This is a CAMT.054 debit/credit notification, which has no balances to check the lines "
    "against. Upload the CAMT.053 statement of the account instead."
)
NOT_CAMT053 = _(
    "This XML file is not a CAMT.053 bank statement. Upload the CAMT.053 file of your bank, "
    "not a payment order or another report."
)
DAMAGED_XML = _(
    "This XML file is damaged or incomplete: it breaks off or is malformed at line %(line)s. "
    "Nothing was imported; export the statement from your bank again."
)
INVALID_CAMT_ELEMENT = _(
    "This CAMT.053 file could not be read: element %(element)s (\"%(value)s\") does not have the form "
    "CAMT.053 prescribes. Export the statement from your bank again."
)
NO_BOOKING_DATE = _(
    "This CAMT.053 file could not be read: a booked entry of %(amount)s has no booking date "
    "(BookgDt). Export the statement from your bank again."
)
BATCH_DOES_NOT_ADD_UP = _(
    "The batch entry of %(amount)s on %(date)s lists transactions that add up to %(parts)s. The "
    "file may be altered; nothing was imported."
)
BATCH_INCOMPLETE = _(
    "The batch entry of %(amount)s on %(date)s says it holds %(declared)s transactions but lists "
    "%(listed)s. The file may be incomplete; nothing was imported."
)


@dataclasses.dataclass(frozen=True)
class Line:
    """One booked line, as the bank describes it; amounts in signed cents."""

    booking_date: datetime.date
    value_date: datetime.date | None
    amount_cents: int
    currency: str
    counterparty_iban: str = ""
    counterparty_name: str = ""
    remittance: str = ""
    structured_reference: str = ""
    end_to_end_id: str = ""
    bank_reference: str = ""
    account_servicer_reference: str = ""
    transaction_code: str = ""

    def __post_init__(self) -> None:
        # Normalise once, so the same line read twice hashes the same.
        fit = object.__setattr__
        fit(self, "counterparty_iban", _compact(self.counterparty_iban)[:_ACCOUNT_MAX])
        fit(self, "counterparty_name", _clean(self.counterparty_name)[:_NAME_MAX])
        fit(self, "remittance", _clean(self.remittance))
        fit(self, "structured_reference", _compact(self.structured_reference)[:_REF_MAX])
        for name in ("end_to_end_id", "bank_reference", "account_servicer_reference"):
            fit(self, name, _clean(getattr(self, name))[:_REF_MAX])
        fit(self, "transaction_code", _clean(self.transaction_code)[:_CODE_MAX])

    def fingerprint(self, account: str) -> str:
        parts = [
            account,
            self.booking_date.isoformat(),
            str(self.amount_cents),
            self.currency,
            self.counterparty_iban,
            self.counterparty_name,
            self.end_to_end_id,
            self.bank_reference,
            self.account_servicer_reference,
            self.structured_reference,
            self.remittance,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclasses.dataclass
class Statement:
    """One statement in a file: an account, its balances and the lines between them."""

    account: str
    currency: str
    statement_id: str
    sequence: str
    opening_cents: int
    opening_date: datetime.date
    closing_cents: int
    closing_date: datetime.date
    lines: list[Line]
    # The bank's running statement number (MT940 :28C:, CAMT ElctrncSeqNb/LglSeqNb), None when it gives none.
    number: int | None = None
    # The days the statement books (both included); set by `parse()` when the file does not say.
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None

    def check_balance(self) -> None:
        """Refuse the statement unless opening balance + lines = closing balance, to the cent.

        The balances are in the statement's currency: only its lines count (a line in
        another currency is refused by pledges.finance.statements, never added here).
        """
        lines = sum(line.amount_cents for line in self.lines if line.currency == self.currency)
        if self.opening_cents + lines != self.closing_cents:
            raise StatementRefused(
                _(
                    "Statement %(id)s does not add up: the opening balance %(opening)s plus the "
                    "lines (%(lines)s) makes %(expected)s, but the closing balance is "
                    "%(closing)s. The file may be incomplete or altered; nothing was imported."
                ),
                id=self.statement_id or self.sequence or "?",
                opening=format_euro(self.opening_cents),
                lines=format_euro(lines),
                expected=format_euro(self.opening_cents + lines),
                closing=format_euro(self.closing_cents),
            )


@dataclasses.dataclass
class ParsedFile:
    format: str
    statements: list[Statement]

    @property
    def lines(self) -> list[Line]:
        return [line for statement in self.statements for line in statement.lines]


# C0 and C1 control characters, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _clean(value: str | None) -> str:
    """Collapse runs of whitespace; drop control characters."""
    if not value:
        return ""
    return " ".join(_CONTROL.sub(" ", value).split())


def _compact(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def _to_cents(amount: Decimal | str) -> int:
    """Exact cents, or a refusal: a bank never books fractions of a cent."""
    try:
        value = Decimal(str(amount).replace(",", "."))
    except InvalidOperation:
        raise StatementRefused(NOT_A_STATEMENT) from None
    cents = value * 100
    if cents != cents.to_integral_value():
        raise StatementRefused(NOT_A_STATEMENT)
    return int(cents)


@functools.lru_cache(maxsize=4096)
def account_from(text: str | None) -> str:
    """The IBAN in an account field ("NL69INGB0123456789EUR", "NL50 RABO ... EUR"), else the text."""
    compact = _compact(text)
    for length in range(min(len(compact), 34), 14, -1):
        if stdnum_iban.is_valid(compact[:length]):
            return compact[:length]
    return compact[:_ACCOUNT_MAX]


def iban_or_text(text: str | None) -> str:
    """A counterparty account: the IBAN when it is one, otherwise what the bank wrote."""
    return account_from(text) if text else ""


# --------------------------------------------------------------------------- MT940

# Every fix of the mt-940 library switched on: reversals signed, BOM stripped,
# long :86: details kept whole.
MT940_OPTIONS = mt940.Options.all()

_TAG = re.compile(r"^:(\d{2}[A-Z]?|NS):", re.MULTILINE)
_TRAILER = re.compile(r"^-(\}|XXX)?\s*$", re.MULTILINE)

# The code words Dutch banks use in :86: (ING, ABN AMRO, Rabobank, BNG Bank MT940S).
_CODE_WORDS = (
    "TRTP|EREF|MARF|CSID|CNTP|REMI|PURP|ORDP|BENM|ULTC|ULTD|ULTB|NAME|ADDR|"
    "IBAN|BIC|ISDT|RTRN|PREF|NRTX|TRCD|SUM|BUSP|SVCL|CDTRREFTP|CDTRREF|CDTRREFISSR"
)
_CODE_WORD = re.compile(rf"/({_CODE_WORDS})/")


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _without_statement_details(text: str) -> str:
    """Drop :86: fields that follow a balance instead of a line, and SWIFT trailers.

    ING closes each statement with an :86: summary after the balances; the
    library would append it to the last line's description.
    """
    text = _TRAILER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    kept: list[str] = []
    previous = None
    matches = list(_TAG.finditer(text))
    if not matches:
        return text
    kept.append(text[: matches[0].start()])
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        tag = match.group(1)
        if tag == "86" and previous != "61":
            previous = tag
            continue
        kept.append(text[match.start() : end])
        previous = tag
    return "".join(kept)


def _code_words(details: str) -> dict[str, str]:
    """Split "/EREF/x//CNTP/iban/bic/name//REMI/USTD//text/" into its code words (first wins)."""
    found: dict[str, str] = {}
    matches = list(_CODE_WORD.finditer(details))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(details)
        found.setdefault(match.group(1), details[match.end() : end])
    return found


# ABN AMRO (and Knab) write a structured reference into /REMI/ as "ISSUER: CUR REF: <ref>".
_ISSUER_REF = re.compile(r"^ISSUER:\s*\S+\s+REF:\s*(\S+)\s*$")


def _remittance(value: str) -> tuple[str, str]:
    """(free text, structured reference) from a /REMI/ value."""
    value = value.strip()
    if value.startswith("STRD/"):
        # STRD/CUR/RF18539007547034/ : a structured creditor reference.
        parts = [part for part in value.split("/") if part]
        return "", parts[-1] if len(parts) >= 3 else ""
    issuer = _ISSUER_REF.match(value)
    if issuer:
        return "", issuer.group(1)
    value = value.removeprefix("USTD/")
    return value.strip("/ "), ""


def _mt940_details(details: str, supplementary: str) -> dict[str, str]:
    """Counterparty, description and references from :86: (and the :61: supplementary line)."""
    details = "".join(part.strip("\r") for part in details.split("\n"))
    result = {"counterparty_iban": "", "counterparty_name": "", "remittance": "",
              "structured_reference": "", "end_to_end_id": "", "transaction_code": ""}
    words = _code_words(details) if details.lstrip().startswith("/") else {}
    if not words:
        # Unstructured: the whole field is the description.
        result["remittance"] = details
    else:
        if "CNTP" in words:
            parts = words["CNTP"].split("/") + ["", "", ""]
            result["counterparty_iban"] = iban_or_text(parts[0])
            result["counterparty_name"] = parts[2]
        if "IBAN" in words:
            result["counterparty_iban"] = iban_or_text(words["IBAN"].strip("/"))
        if "NAME" in words and not result["counterparty_name"]:
            result["counterparty_name"] = words["NAME"].strip("/")
        if "REMI" in words:
            result["remittance"], result["structured_reference"] = _remittance(words["REMI"])
        if "CDTRREF" in words and not result["structured_reference"]:
            # Rabobank: /REMI//CDTRREFTP//CD/SCOR/ISSR/CUR/CDTRREF/<ref>/
            result["structured_reference"] = words["CDTRREF"].strip("/ ")
        eref = words.get("EREF", "").strip("/ ")
        if eref.upper() != "NOTPROVIDED":
            result["end_to_end_id"] = eref
        result["transaction_code"] = words.get("TRTP", "").strip("/ ")
    if not result["counterparty_iban"] and supplementary:
        # Rabobank puts the counterparty's account on the second line of :61:.
        candidate = account_from(supplementary.split()[0] if supplementary.split() else "")
        if stdnum_iban.is_valid(candidate):
            result["counterparty_iban"] = candidate
    return result


def _mt940_line(transaction, volksbank: bool = False) -> Line:
    data = transaction.data
    amount = data["amount"]
    value_date = data.get("date")
    booking_date = data.get("entry_date") or value_date
    own_reference = (data.get("customer_reference") or "").strip()
    raw_details = data.get("transaction_details") or ""
    if volksbank:
        # de Volksbank: the counterparty's IBAN in the reference, its name on the second line.
        details = bank_formats.volksbank_details(raw_details, own_reference, data.get("extra_details") or "")
        own_reference = ""
    elif bank_formats.is_triodos_details(raw_details):
        details = bank_formats.triodos_details(raw_details)
    elif "purpose" in data:
        # German "?20" structured details, parsed by the library itself.
        details = {
            "counterparty_iban": iban_or_text(data.get("applicant_iban")),
            "counterparty_name": data.get("applicant_name") or "",
            "remittance": data.get("purpose") or "",
            "structured_reference": "",
            "end_to_end_id": data.get("end_to_end_reference") or "",
            "transaction_code": data.get("posting_text") or "",
        }
    else:
        details = _mt940_details(raw_details, data.get("extra_details") or "")
    return Line(
        booking_date=_as_date(booking_date),
        value_date=_as_date(value_date),
        amount_cents=_to_cents(amount.amount),
        currency=(amount.currency or "").upper(),
        bank_reference="" if own_reference.upper() == "NONREF" else own_reference,
        account_servicer_reference=(data.get("bank_reference") or "").strip(),
        **{**details, "transaction_code": details["transaction_code"] or (data.get("id") or "")},
    )


def _as_date(value) -> datetime.date | None:
    if value is None:
        return None
    return datetime.date(value.year, value.month, value.day)


def _balance(data: dict, *names: str):
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


# The fields of an MT940 statement (SWIFT MT940, and :NS: of some banks), and those that
# only an MT942 interim report has.
_MT940_FIELDS = frozenset(
    {"20", "21", "25", "25P", "28", "28C", "60", "60F", "60M", "61", "86", "62", "62F", "62M", "64", "65", "NS"}
)
_MT942_FIELDS = frozenset({"13D", "34F", "90D", "90C"})
_ANY_TAG = re.compile(r"^:([0-9]{2}[A-Z]?|NS):", re.MULTILINE)
_MT942_HEADER = re.compile(r"\{2:[IO]942")


def _check_mt940_fields(text: str) -> None:
    """Refuse an MT942 interim report, or a file with fields no MT940 statement has."""
    tags = set(_ANY_TAG.findall(text))
    if _MT942_HEADER.search(text) or tags & _MT942_FIELDS:
        raise StatementRefused(MT942)
    unknown = sorted(tags - _MT940_FIELDS)
    if unknown:
        raise StatementRefused(UNKNOWN_MT940_FIELDS, tags=", ".join(f":{tag}:" for tag in unknown))


def _unreadable(error: RuntimeError) -> StatementRefused:
    """Name the field the library could not read, with the start of its content."""
    tag = next((arg for arg in error.args[1:] if isinstance(arg, mt940.tags.Tag)), None)
    value = next((arg for arg in error.args[2:] if isinstance(arg, str)), "")
    if tag is None or not value:
        return StatementRefused(UNREADABLE_MT940)
    first_line = _clean(value.split("\n")[0])
    return StatementRefused(
        UNREADABLE_MT940_FIELD,
        tag=str(tag.id),
        value=first_line if len(first_line) <= 40 else first_line[:40] + "…",
    )


def _mt940_account(text: str | None) -> str:
    return bank_formats.triodos_account(text or "") or account_from(text)


def _statement_number(value) -> int | None:
    """A running statement number; 0 (ING, Rabobank) or none means the bank does not number them."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    # CAMT allows 18 digits; a number beyond that is no running number.
    return number if 0 < number < 10**18 else None


def parse_mt940(data: bytes) -> ParsedFile:
    """Read an MT940 file with the mt-940 library; one Statement per :20: block."""
    text = _without_statement_details(_decode(data))
    _check_mt940_fields(text)
    tags = bank_formats.mt940_tags(text)
    try:
        blocks = mt940.parse_statements(text, tags=tags, options=MT940_OPTIONS)
        statements = []
        for block in blocks:
            name = _clean(block.data.get("transaction_reference"))[:35] or "?"
            opening = _balance(block.data, "final_opening_balance", "opening_balance",
                               "intermediate_opening_balance")
            closing = _balance(block.data, "final_closing_balance", "closing_balance",
                               "intermediate_closing_balance")
            if opening is None:
                raise StatementRefused(NO_OPENING_BALANCE, id=name, field=":60F:")
            if closing is None:
                raise StatementRefused(NO_CLOSING_BALANCE, id=name, field=":62F:")
            statements.append(
                Statement(
                    account=_mt940_account(block.data.get("account_identification")),
                    currency=(opening.amount.currency or "").upper(),
                    statement_id=_clean(block.data.get("transaction_reference"))[:35],
                    sequence="/".join(
                        str(part) for part in (block.data.get("statement_number"),
                                               block.data.get("sequence_number")) if part
                    )[:35],
                    opening_cents=_to_cents(opening.amount.amount),
                    opening_date=_as_date(opening.date),
                    closing_cents=_to_cents(closing.amount.amount),
                    closing_date=_as_date(closing.date),
                    lines=[_mt940_line(transaction, volksbank=tags is not None) for transaction in block],
                    number=_statement_number(block.data.get("statement_number")),
                )
            )
    except StatementRefused:
        raise
    except RuntimeError as error:
        # The library says "Unable to parse <tag> from '<value>'".
        raise _unreadable(error) from None
    except (ValueError, ArithmeticError, KeyError, IndexError, TypeError, AttributeError):
        # An impossible date or amount.
        raise StatementRefused(UNREADABLE_MT940) from None
    if not statements:
        raise StatementRefused(NOT_A_STATEMENT)
    # The library passes over a :61: line it cannot read; a statement never loses a line quietly.
    if sum(len(statement.lines) for statement in statements) != len(re.findall(r"^:61:", text, re.MULTILINE)):
        raise StatementRefused(UNREADABLE_MT940)
    return ParsedFile(BankStatement.Format.MT940, statements)


# --------------------------------------------------------------------------- CAMT.053

_CAMT053 = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d{2}$")


class _Camt:
    """Namespace-aware lookups in one CAMT.053 document."""

    def __init__(self, namespace: str):
        self.ns = {"c": namespace}

    def find(self, element: Element | None, path: str) -> Element | None:
        if element is None:
            return None
        return element.find(self._path(path), self.ns)

    def findall(self, element: Element | None, path: str) -> list[Element]:
        if element is None:
            return []
        return element.findall(self._path(path), self.ns)

    def text(self, element: Element | None, *paths: str) -> str:
        for path in paths:
            found = self.find(element, path)
            if found is not None and found.text and found.text.strip():
                return found.text.strip()
        return ""

    @staticmethod
    def _path(path: str) -> str:
        return "/".join(f"c:{step}" if step not in (".", "..") else step for step in path.split("/"))

    def date(self, element: Element | None) -> datetime.date | None:
        value = self.text(element, "Dt", "DtTm")
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            raise _invalid_element(element, value) from None

    @staticmethod
    def date_of(element: Element | None) -> datetime.date | None:
        """The day of an ISODateTime element (FrDtTm, ToDtTm)."""
        if element is None or not (element.text or "").strip():
            return None
        try:
            return datetime.date.fromisoformat(element.text.strip()[:10])
        except ValueError:
            raise StatementRefused(NOT_A_STATEMENT) from None

    def signed_cents(self, amount: Element | None, indicator: str) -> int:
        if amount is None or not (amount.text or "").strip():
            raise StatementRefused(INVALID_CAMT_ELEMENT, element="Amt", value="")
        try:
            cents = _to_cents(amount.text.strip())
        except StatementRefused:
            raise _invalid_element(amount, amount.text) from None
        if indicator == "DBIT":
            return -cents
        if indicator == "CRDT":
            return cents
        raise StatementRefused(INVALID_CAMT_ELEMENT, element="CdtDbtInd", value=_clean(indicator)[:40])


def _invalid_element(element: Element | None, value: str | None) -> StatementRefused:
    """Name the element whose content is not what CAMT.053 prescribes, with that content."""
    name = element.tag.rsplit("}", 1)[-1] if element is not None else "?"
    return StatementRefused(INVALID_CAMT_ELEMENT, element=name, value=_clean(value)[:40])


def _parse_xml(data: bytes) -> Element:
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise StatementRefused(UNSAFE_XML) from None
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else "?"
        raise StatementRefused(DAMAGED_XML, line=line) from None


def _is_reversal(camt: _Camt, entry: Element) -> bool:
    return camt.text(entry, "RvslInd").lower() in ("true", "1")


def _camt_line(camt: _Camt, entry: Element, details: Element | None, amount_cents: int) -> Line:
    indicator = camt.text(entry, "CdtDbtInd")
    # The other party: who paid us on a credit, whom we paid on a debit. A reversal
    # (RvslInd) carries the parties of the original booking: the debit that returns a
    # credit still names its debtor.
    received = (indicator == "CRDT") != _is_reversal(camt, entry)
    party, account = ("Dbtr", "DbtrAcct") if received else ("Cdtr", "CdtrAcct")
    parties = camt.find(details, "RltdPties")
    name = camt.text(parties, f"{party}/Nm", f"{party}/Pty/Nm", f"Ultmt{party}/Nm")
    counter_iban = camt.text(parties, f"{account}/Id/IBAN", f"{account}/Id/Othr/Id")
    remittance = " ".join(
        (element.text or "").strip() for element in camt.findall(details, "RmtInf/Ustrd")
    )
    structured = camt.text(details, "RmtInf/Strd/CdtrRefInf/Ref")
    if not remittance:
        remittance = camt.text(details, "AddtlTxInf") or camt.text(entry, "AddtlNtryInf")
    code = "/".join(
        part for part in (
            camt.text(entry, "BkTxCd/Domn/Cd"),
            camt.text(entry, "BkTxCd/Domn/Fmly/Cd"),
            camt.text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd"),
        ) if part
    ) or camt.text(entry, "BkTxCd/Prtry/Cd")
    end_to_end = camt.text(details, "Refs/EndToEndId")
    return Line(
        booking_date=camt.date(camt.find(entry, "BookgDt")),
        value_date=camt.date(camt.find(entry, "ValDt")),
        amount_cents=amount_cents,
        currency=(camt.find(entry, "Amt").get("Ccy") or "").upper(),
        counterparty_iban=iban_or_text(counter_iban),
        counterparty_name=name,
        remittance=remittance,
        structured_reference=structured,
        end_to_end_id="" if end_to_end.upper() == "NOTPROVIDED" else end_to_end,
        bank_reference=camt.text(entry, "NtryRef") or camt.text(details, "Refs/TxId"),
        account_servicer_reference=camt.text(details, "Refs/AcctSvcrRef") or camt.text(entry, "AcctSvcrRef"),
        transaction_code=code,
    )


def _day(value: datetime.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else "?"


def _camt_entry_lines(camt: _Camt, entry: Element) -> list[Line]:
    """One line per entry; a batch entry (NtryDtls/Btch, several TxDtls) one line per transaction.

    The transactions of a batch must add up to the entry, and be as many as its
    NbOfTxs says; otherwise the file is refused, since a line booked with the
    wrong part's reference would match the wrong pledge.
    """
    indicator = camt.text(entry, "CdtDbtInd")
    total = camt.signed_cents(camt.find(entry, "Amt"), indicator)
    if camt.date(camt.find(entry, "BookgDt")) is None:
        raise StatementRefused(NO_BOOKING_DATE, amount=format_euro(total))
    parts = camt.findall(entry, "NtryDtls/TxDtls")
    if len(parts) <= 1:
        return [_camt_line(camt, entry, parts[0] if parts else None, total)]
    where = {
        "amount": format_euro(total),
        "date": _day(camt.date(camt.find(entry, "BookgDt"))),
    }
    for group in camt.findall(entry, "NtryDtls"):
        # Each NtryDtls is one batch; one that lists its transactions must list them all.
        declared, listed = camt.text(group, "Btch/NbOfTxs"), len(camt.findall(group, "TxDtls"))
        if declared.isdigit() and listed > 1 and int(declared) != listed:
            raise StatementRefused(BATCH_INCOMPLETE, declared=declared, listed=listed, **where)
    amounts = []
    for part in parts:
        # camt.053.001.02 gives a part's amount in AmtDtls/TxAmt, later versions in Amt.
        amount = camt.find(part, "Amt")
        if amount is None:
            amount = camt.find(part, "AmtDtls/TxAmt/Amt")
        if amount is None:
            # Parts without amounts: the entry is one line, without one part's details.
            return [_camt_line(camt, entry, None, total)]
        part_indicator = camt.text(part, "CdtDbtInd") or indicator
        amounts.append(camt.signed_cents(amount, part_indicator))
    if sum(amounts) != total:
        raise StatementRefused(BATCH_DOES_NOT_ADD_UP, parts=format_euro(sum(amounts)), **where)
    return [_camt_line(camt, entry, part, cents) for part, cents in zip(parts, amounts)]


# Balance types (ISO 20022 BalanceType12Code): the booked opening of the statement
# (OPBD, or PRCD, the previous closing), its booked closing (CLBD), and the interim
# booked balance (ITBD) a statement split over several messages carries between its
# pages. Available balances (OPAV, CLAV, FWAV, ITAV) are not what was booked.
_OPENING, _CLOSING, _INTERIM = ("OPBD", "PRCD"), ("CLBD",), ("ITBD",)


def _camt_balances(camt: _Camt, stmt: Element, name: str) -> tuple[tuple, tuple]:
    """(cents, date) of the opening and closing booked balance of one Stmt."""
    found: dict[str, list[tuple]] = {}
    for balance in camt.findall(stmt, "Bal"):
        kind = camt.text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
        cents = camt.signed_cents(camt.find(balance, "Amt"), camt.text(balance, "CdtDbtInd"))
        found.setdefault(kind, []).append((cents, camt.date(camt.find(balance, "Dt"))))
    opening = next((found[kind][0] for kind in _OPENING if kind in found), None)
    closing = next((found[kind][-1] for kind in _CLOSING if kind in found), None)
    interim = found.get("ITBD", [])
    more_pages = camt.text(stmt, "StmtPgntn/LastPgInd").lower() == "false"
    if opening is None and interim and camt.text(stmt, "StmtPgntn/PgNb") not in ("", "1"):
        opening = interim[0]  # a later page starts where the previous one ended
    if closing is None and interim and more_pages:
        closing = interim[-1]  # a page with more to come ends with an interim balance
    if opening is None:
        raise StatementRefused(NO_OPENING_BALANCE, id=name, field="OPBD")
    if closing is None:
        if interim:
            raise StatementRefused(INTERIM_CLOSING_BALANCE, id=name)
        raise StatementRefused(NO_CLOSING_BALANCE, id=name, field="CLBD")
    return opening, closing


def parse_camt053(data: bytes) -> ParsedFile:
    """Read a CAMT.053 (ISO 20022 bank-to-customer statement) with defusedxml."""
    root = _parse_xml(data)
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if not _CAMT053.match(namespace) or root.tag.rsplit("}", 1)[-1] != "Document":
        if ":camt.052." in namespace:
            raise StatementRefused(CAMT052)
        if ":camt.054." in namespace:
            raise StatementRefused(CAMT054)
        raise StatementRefused(NOT_CAMT053)
    camt = _Camt(namespace)
    statements = []
    for stmt in camt.findall(root, "BkToCstmrStmt/Stmt"):
        opening, closing = _camt_balances(camt, stmt, camt.text(stmt, "Id")[:35] or "?")
        # An opening booked balance (OPBD) is dated the period's first day; a previous closing (PRCD) the day before.
        opening_kind = "OPBD" if any(
            camt.text(balance, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry") == "OPBD" for balance in camt.findall(stmt, "Bal")
        ) else "PRCD"
        lines: list[Line] = []
        for entry in camt.findall(stmt, "Ntry"):
            status = camt.text(entry, "Sts/Cd", "Sts")
            if status and status != "BOOK":
                continue  # pending or informational: not (yet) on the account
            lines.extend(_camt_entry_lines(camt, entry))
        account = camt.text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id")
        balance_currency = camt.find(camt.findall(stmt, "Bal")[0], "Amt").get("Ccy") or ""
        statements.append(
            Statement(
                account=account_from(account),
                currency=(camt.text(stmt, "Acct/Ccy") or balance_currency).upper(),
                statement_id=camt.text(stmt, "Id")[:35],
                sequence=camt.text(stmt, "ElctrncSeqNb", "LglSeqNb")[:35],
                opening_cents=opening[0],
                opening_date=opening[1] or camt.date(camt.find(stmt, "FrToDt/FrDtTm")),
                closing_cents=closing[0],
                closing_date=closing[1] or opening[1],
                lines=lines,
                number=_statement_number(camt.text(stmt, "ElctrncSeqNb", "LglSeqNb")),
                period_start=camt.date_of(camt.find(stmt, "FrToDt/FrDtTm")) or (
                    opening[1] if opening_kind == "OPBD" else None
                ),
                period_end=camt.date_of(camt.find(stmt, "FrToDt/ToDtTm")),
            )
        )
    if not statements:
        raise StatementRefused(NOT_A_STATEMENT)
    return ParsedFile(BankStatement.Format.CAMT053, statements)


# --------------------------------------------------------------------------- reading a file


def _looks_like_swift(data: bytes) -> bool:
    """An MT940 statement, or another SWIFT message (MT942, MT101...) to refuse by what it is."""
    return bool(re.search(rb"^:20:", data, re.MULTILINE)) and bool(
        re.search(rb"^:(?!20:)([0-9]{2}[A-Z]?):", data, re.MULTILINE)
    )


def parse(data: bytes) -> ParsedFile:
    """Recognise and read a statement file, or refuse it."""
    if len(data) > settings.BANK_STATEMENT_MAX_BYTES:
        raise_too_big(len(data))
    reason = bank_formats.not_a_statement(data)
    if reason:
        raise StatementRefused(reason)
    if b"\x00" in data:
        raise StatementRefused(NOT_A_STATEMENT)  # another binary file: an image, a document
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        parsed = parse_camt053(data)
    elif _looks_like_swift(data):
        parsed = parse_mt940(data)
    else:
        raise StatementRefused(NOT_A_STATEMENT)
    for statement in parsed.statements:
        if not statement.opening_date or not statement.closing_date:
            raise StatementRefused(NOT_A_STATEMENT)
        _set_period(statement)
        statement.check_balance()
    accounts = sorted({statement.account for statement in parsed.statements})
    if len(accounts) > 1:
        raise StatementRefused(
            _("This file holds statements of more than one account (%(accounts)s). Export one "
              "account per file."),
            accounts=", ".join(accounts),
        )
    return parsed


def _set_period(statement: Statement) -> None:
    """The days a statement books, where the file does not give them (CAMT FrToDt does).

    An MT940 opening balance (:60F:), like a CAMT previous closing balance (PRCD), is
    mostly dated the day the previous statement closed: the period starts the day after
    it, unless the statement opens and closes on one day. Some banks date it the first
    day of the period instead: a line booked on that very day shows which.
    """
    if statement.period_end is None:
        statement.period_end = statement.closing_date
    if statement.period_start is None:
        opening = statement.opening_date
        on_opening_day = any(line.booking_date == opening for line in statement.lines)
        after_opening = opening if on_opening_day else opening + datetime.timedelta(days=1)
        statement.period_start = min(after_opening, statement.period_end)
    if statement.period_start > statement.period_end:
        raise StatementRefused(NOT_A_STATEMENT)


def raise_too_big(size: int) -> None:
    limit = settings.BANK_STATEMENT_MAX_BYTES
    raise StatementRefused(
        _("This file is %(size)s MB; a bank statement may be at most %(limit)s MB. Export a "
          "shorter period."),
        size=f"{size / 1_048_576:.1f}",
        limit=f"{limit / 1_048_576:.1f}",
    )
