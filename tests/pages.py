"""Read pages the way a user does: the numbers, totals and messages on screen."""

import html
import re

from django.http import HttpResponse

_PLEDGE_NUMBER = re.compile(r">(T-\d{6})<")


def pledge_numbers(response: HttpResponse) -> list[str]:
    """The pledge numbers in the ledger table, top to bottom."""
    return _PLEDGE_NUMBER.findall(response.text)


def pager_link(response: HttpResponse, label: str) -> str | None:
    """The query string ("?...") of a pager link: rel "next" or "prev", or by its text ("Eerste", "3")."""
    pager = response.text.split('class="pagination"', 1)
    if len(pager) < 2:
        return None
    if label in ("next", "prev"):
        pattern = rf'<a rel="{label}" href="([^"]*)">'
    else:
        pattern = rf'<a (?:rel="\w+" |aria-current="page" )?href="([^"]*)">{re.escape(label)}</a>'
    match = re.search(pattern, pager[1])
    return html.unescape(match.group(1)) if match else None


def total(response: HttpResponse, name: str) -> str:
    """One of the totals above the ledger table: rows, pledged, received, outstanding."""
    match = re.search(rf'data-total="{name}">([^<]*)<', response.text)
    assert match, f"no {name} total on the page"
    return html.unescape(match.group(1)).replace("\xa0", " ")


def text(response: HttpResponse) -> str:
    """The page as text, entities decoded, so assertions can quote what users read."""
    return html.unescape(response.text).replace("\xa0", " ")


def errors(response: HttpResponse) -> list[str]:
    """The error messages shown next to the fields of a form on the page."""
    return [
        html.unescape(message).strip()
        for message in re.findall(r'class="field-error"[^>]*>([^<]*)<', response.text)
    ]


def messages(response: HttpResponse) -> list[str]:
    """The flash messages at the top of the page."""
    return [
        html.unescape(message).strip()
        for message in re.findall(r'class="message message-[^"]*">([^<]*)<', response.text)
    ]


def disagreements(response: HttpResponse) -> list[str]:
    """What the second step of a match by hand names as disagreeing with the ledger."""
    return [
        html.unescape(text).strip()
        for text in re.findall(r'<li data-disagreement><strong class="doubt">([^<]*)<', response.text)
    ]


def plain(response: HttpResponse) -> str:
    """The page's visible text: tags removed, entities decoded, whitespace collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.DOTALL)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body).replace("\xa0", " ")).strip()


def alerts(response: HttpResponse) -> list[str]:
    """The messages in a form's error summary, such as a refused login."""
    summaries = re.findall(r'class="error-summary"[^>]*>(.*?)</div>', response.text, flags=re.DOTALL)
    return [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", message))).strip()
        for summary in summaries
        for message in re.findall(r"<(?:p|li)>(.*?)</(?:p|li)>", summary, flags=re.DOTALL)
    ]


def figure(response: HttpResponse, name: str) -> str:
    """One figure on a dashboard (`data-figure="name"`), as shown."""
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', response.text)
    assert match, f"no {name} figure on the page"
    return html.unescape(match.group(1)).replace("\xa0", " ").strip()


def figure_link(response: HttpResponse, name: str) -> str:
    """Where a dashboard figure links to: the filtered table behind it."""
    match = re.search(rf'<a href="([^"]*)" data-figure="{name}"', response.text)
    assert match, f"no link on the {name} figure"
    return html.unescape(match.group(1))


def table_rows(response: HttpResponse) -> list[list[str]]:
    """The table's body rows, each as the text of its cells (a ticked box reads "[x]", an empty one "[ ]")."""
    body = response.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = []
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S):
            cell = re.sub(r'<input type="checkbox"[^>]*?( checked)?[^>]*>', lambda box: "[x]" if box[1] else "[ ]", cell)
            cell = re.sub(r"<br>", " · ", cell)
            cells.append(" ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).replace("\xa0", " ").split()))
        rows.append(cells)
    return rows
