"""The demo's bank statements: days of the fund's account as CAMT.053, the way BNG Bank delivers it."""

import datetime
import xml.etree.ElementTree as ET

CAMT_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def camt053(
    account: str, number: int, first_day: datetime.date, entries: list[dict], opening: int, closing: int
) -> bytes:
    """The CAMT.053 statement `number` of the fund's account from `first_day`, with these credit entries."""
    ns = f"{{{CAMT_NAMESPACE}}}"

    def add(parent, path: str, text: str | None = None, **attributes) -> ET.Element:
        element = parent
        for tag in path.split("/"):
            element = ET.SubElement(element, ns + tag)
        element.attrib.update(attributes)
        if text is not None:
            element.text = text
        return element

    def euro(cents: int) -> str:
        return f"{cents // 100}.{cents % 100:02d}"

    ET.register_namespace("", CAMT_NAMESPACE)
    root = ET.Element(ns + "Document")
    stmt_id = f"DEMO{first_day:%Y%m%d}"
    report = ET.SubElement(root, ns + "BkToCstmrStmt")
    last_day = max([entry["booked"] for entry in entries], default=first_day)
    # The bank makes the statement early on the morning after its last day.
    created = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(5, 31)).isoformat()
    header = ET.SubElement(report, ns + "GrpHdr")
    add(header, "MsgId", stmt_id)
    add(header, "CreDtTm", created)
    statement = ET.SubElement(report, ns + "Stmt")
    add(statement, "Id", stmt_id)
    add(statement, "ElctrncSeqNb", str(number))
    add(statement, "CreDtTm", created)
    acct = ET.SubElement(statement, ns + "Acct")
    add(acct, "Id/IBAN", account)
    add(acct, "Ccy", "EUR")
    add(acct, "Svcr/FinInstnId/BIC", "BNGHNL2G")
    for code, cents, day in (("OPBD", opening, first_day), ("CLBD", closing, last_day)):
        balance = ET.SubElement(statement, ns + "Bal")
        add(balance, "Tp/CdOrPrtry/Cd", code)
        add(balance, "Amt", euro(cents), Ccy="EUR")
        add(balance, "CdtDbtInd", "CRDT")
        add(balance, "Dt/Dt", day.isoformat())
    for line, entry in enumerate(entries, start=1):
        ntry = ET.SubElement(statement, ns + "Ntry")
        add(ntry, "Amt", euro(entry["cents"]), Ccy="EUR")
        add(ntry, "CdtDbtInd", "CRDT")
        add(ntry, "Sts", "BOOK")
        add(ntry, "BookgDt/Dt", entry["booked"].isoformat())
        add(ntry, "ValDt/Dt", entry["booked"].isoformat())
        add(ntry, "AcctSvcrRef", f"{stmt_id}{line:05d}")
        # A SEPA credit transfer received.
        domain = add(ntry, "BkTxCd/Domn")
        add(domain, "Cd", "PMNT")
        family = add(domain, "Fmly")
        add(family, "Cd", "RCDT")
        add(family, "SubFmlyCd", "ESCT")
        details = ET.SubElement(ET.SubElement(ntry, ns + "NtryDtls"), ns + "TxDtls")
        add(details, "Refs/EndToEndId", "NOTPROVIDED")
        parties = ET.SubElement(details, ns + "RltdPties")
        add(parties, "Dbtr/Nm", entry["name"])
        add(parties, "DbtrAcct/Id/IBAN", entry["iban"])
        remittance = ET.SubElement(details, ns + "RmtInf")
        if entry["reference"]:
            creditor = add(remittance, "Strd/CdtrRefInf")
            kind = add(creditor, "Tp")
            add(kind, "CdOrPrtry/Cd", "SCOR")
            add(kind, "Issr", "ISO")
            add(creditor, "Ref", entry["reference"])
        else:
            add(remittance, "Ustrd", entry["text"])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
