"""What one bank does differently in its statement files, and files that are not statements at all.

The Dutch banks mostly share the MT940 structure of the Betaalvereniging (code words
such as /EREF/, /CNTP/, /REMI/ in :86:) and the NVB guideline for CAMT.053; parsers.py
reads those. Two layouts differ enough to need their own reading:

- de Volksbank (ASN Bank, SNS, RegioBank) puts the counterparty's IBAN where field 61
  has room for 16 characters of reference, and its name on the second line of :61:;
  :86: is the IBAN and name, then 65-column lines of description. The mt-940 library
  reads that :61: with its own tag, `mt940.tags.StatementASNB`.
- Triodos Bank's classic MT940 names the account "TRIODOSBANK/<account number>" in
  :25: and fills :86: with numbered subfields (">20" BIC, ">21" IBAN, ">22".. text,
  ">31" own account). Its structured MT940 uses IBANs and the code words.

Nothing here raises: the functions return what they found, and parsers.py decides.
"""

from __future__ import annotations

import io
import re
import zipfile

import mt940
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

# --------------------------------------------------------------------------- de Volksbank

# BICs in the SWIFT header of de Volksbank's files, and the bank codes of its IBANs.
_VOLKSBANK_BICS = ("ASNBNL21", "SNSBNL2A", "RBRBNL21")
_VOLKSBANK_BANK_CODES = ("ASNB", "SNSB", "RBRB")
_HEADER_BIC = re.compile(r"\{1:F01([A-Z0-9]{8})")
_ACCOUNT = re.compile(r"^:25:\s*([A-Z]{2}\d{2}([A-Z]{4})\w*)", re.MULTILINE)
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_DETAIL_WIDTH = 65  # every line of :86: is 65 characters, padded with spaces


# A :61: of de Volksbank: after the type (N + 3) an IBAN of more than 16 characters, no "//".
_VOLKSBANK_LINE = re.compile(r"^:61:\d{6}(\d{4})?R?[CD][A-Z]?\d+,\d*N[A-Z0-9]{3}[A-Z]{2}\d{2}[A-Z0-9]{13,30}$", re.MULTILINE)


def is_volksbank(text: str) -> bool:
    """Whether the file comes from ASN Bank, SNS or RegioBank: by its header, its account, or its :61: lines."""
    header = _HEADER_BIC.search(text)
    if header:
        return header.group(1) in _VOLKSBANK_BICS
    account = _ACCOUNT.search(text)
    if account and account.group(2) in _VOLKSBANK_BANK_CODES:
        return True
    return bool(_VOLKSBANK_LINE.search(text))


def mt940_tags(text: str) -> dict | None:
    """The tags the mt-940 library should read this file with (None: its own defaults)."""
    if is_volksbank(text):
        tag = mt940.tags.StatementASNB()
        return {tag.id: tag}
    return None


def _wrapped(lines: list[str]) -> str:
    """Join fixed-width lines: a full line continues mid-word on the next one."""
    return "".join(line.ljust(_DETAIL_WIDTH) if len(line) < _DETAIL_WIDTH else line for line in lines)


def volksbank_details(details: str, reference: str, supplementary: str) -> dict[str, str]:
    """Counterparty and description from de Volksbank's :61: reference and :86: lines.

    :86: line 1 is "<IBAN> <name>" (a space when there is no counterparty, as for
    interest or costs); the lines after it are the description.
    """
    lines = details.replace("\r", "").split("\n")
    iban, _space, name = lines[0].strip().partition(" ")
    if _IBAN_SHAPE.match(iban.upper()):
        rest = lines[1:]
    else:
        # No counterparty (interest, costs): every line is description.
        iban, name, rest = "", "", lines
    compact = reference.replace(" ", "").upper()
    if stdnum_iban.is_valid(compact):
        iban = compact
    return {
        "counterparty_iban": iban.upper(),
        "counterparty_name": supplementary.strip() or name.strip(),
        "remittance": _wrapped(rest),
        "structured_reference": "",
        "end_to_end_id": "",
        "transaction_code": "",
    }


# --------------------------------------------------------------------------- Triodos

_TRIODOS_ACCOUNT = re.compile(r"^TRIODOSBANK/(\d{1,10})$")
_SUBFIELD = re.compile(r">(\d{2})")


def triodos_account(text: str) -> str:
    """The IBAN of "TRIODOSBANK/0338505768": NL, check digits, TRIO and the account number."""
    match = _TRIODOS_ACCOUNT.match(re.sub(r"\s+", "", text or "").upper())
    if not match:
        return ""
    bban = "TRIO" + match.group(1).zfill(10)
    return "NL" + stdnum_iban.calc_check_digits("NL00" + bban) + bban


def is_triodos_details(details: str) -> bool:
    return bool(re.match(r"\s*\d{3}>\d{2}", details))


def triodos_details(details: str) -> dict[str, str]:
    """Counterparty and description from Triodos's ">20".. subfields.

    A transfer has the counterparty's BIC in >20 and IBAN in >21; name and description
    follow in >22 to >29 as one text (Triodos does not separate them). A card payment
    has only text from >20 on. >31 repeats the own account.
    """
    joined = "".join(details.replace("\r", "").split("\n"))
    parts = _SUBFIELD.split(joined)
    fields: dict[str, str] = {}
    for number, value in zip(parts[1::2], parts[2::2]):
        fields[number] = fields.get(number, "") + value
    bic, iban = fields.get("20", "").strip(), fields.get("21", "").strip().replace(" ", "").upper()
    first_text = 22
    if not (stdnum_iban.is_valid(iban) and re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", bic)):
        iban, first_text = "", 20
    text = "".join(fields.get(str(number), "") for number in range(first_text, 30))
    return {
        "counterparty_iban": iban,
        "counterparty_name": "",
        "remittance": text,
        "structured_reference": "",
        "end_to_end_id": "",
        "transaction_code": "",
    }


# --------------------------------------------------------------------------- files that are not statements

EMPTY_FILE = _("This file is empty. Upload the MT940 or CAMT.053 file exactly as your bank exports it.")
ZIP_FILE = _(
    "This is a ZIP archive, not a statement. Unpack it and upload the MT940 or CAMT.053 "
    "files in it one by one."
)
SPREADSHEET_FILE = _(
    "This is a spreadsheet (Excel or similar), not a statement: it has no opening and closing "
    "balance to check the lines against. Export the statement from your bank as MT940 or CAMT.053."
)
PDF_FILE = _(
    "This is a PDF, a printable statement, which cannot be read as data. Export the statement "
    "from your bank as MT940 or CAMT.053."
)
CSV_FILE = _(
    "This is a CSV table of transactions, not a statement: it has no opening and closing balance "
    "to check the lines against. Export the statement from your bank as MT940 or CAMT.053."
)

_CSV_SEPARATORS = (";", ",", "\t")


def _looks_like_csv(data: bytes) -> bool:
    """Several lines, each with the same number (at least two) of one separator."""
    try:
        text = data[:20_000].decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data[:20_000].decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if len(lines) < 2 or lines[0].lstrip().startswith(("<", ":", "{")):
        return False
    for separator in _CSV_SEPARATORS:
        counts = {line.count(separator) for line in lines}
        if len(counts) == 1 and counts.pop() >= 2:
            return True
    return False


def not_a_statement(data: bytes) -> Promise | None:
    """Why this file is plainly no statement (a zip, a spreadsheet, a PDF, a CSV), or None."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return EMPTY_FILE
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, ValueError):
            names = []
        # XLSX (xl/), OpenDocument spreadsheets (content.xml with a mimetype).
        if any(name.startswith("xl/") for name in names) or "content.xml" in names:
            return SPREADSHEET_FILE
        if "[Content_Types].xml" in names:
            return None  # another Office document (docx, pptx): simply no statement
        return ZIP_FILE
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary .xls
        return SPREADSHEET_FILE
    if head.startswith(b"%PDF"):
        return PDF_FILE
    if b"\x00" not in data[:20_000] and _looks_like_csv(data):
        return CSV_FILE
    return None
