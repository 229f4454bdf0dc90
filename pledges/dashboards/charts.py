"""Charts drawn on the server as accessible SVG: no JavaScript, and a data table beside each.

A `Chart` holds what a reader needs in any form: a title, a description in words, the rows
of its data table (each with the link to the filtered table behind it) and the SVG. The SVG
is one image to assistive technology (role="img", named by its <title> and <desc> through
aria-labelledby); the figures and links live in the table that templates render next to it
(templates/dashboards/chart.html). Series differ by shape as well as colour (solid or
dashed lines, value labels on every bar), so colour is never the only cue.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

Number = int | Decimal

WIDTH = 720
LABEL_WIDTH = 190
BAR_HEIGHT = 16
BAR_GAP = 4
GROUP_GAP = 12
# Contrast of at least 3:1 against white and against each other's neighbours (WCAG 1.4.11).
COLOURS = ("#00376b", "#1d6b33", "#8a5a00")
DASHES = ("", "6 4", "2 3")


@dataclass
class Row:
    label: str
    values: list[Number]
    href: str = ""
    cells: list[str] = field(default_factory=list)


@dataclass
class Chart:
    key: str
    title: str
    description: str
    label_header: str
    series: list[str]
    rows: list[Row]
    svg: SafeString = SafeString("")
    # Said in words instead of an empty drawing when there are no rows.
    empty: str = ""

    @property
    def title_id(self) -> str:
        return f"chart-{self.key}-title"

    @property
    def desc_id(self) -> str:
        return f"chart-{self.key}-desc"


def _svg(chart: Chart, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="100%" '
        'role="img" aria-labelledby="{tid} {did}" focusable="false">'
        '<title id="{tid}">{title}</title><desc id="{did}">{desc}</desc>{body}</svg>',
        w=WIDTH, h=height, tid=chart.title_id, did=chart.desc_id,
        title=chart.title, desc=chart.description, body=body,
    )


def _legend(series: Sequence[str], y: int, lines: bool) -> SafeString:
    items = []
    x = LABEL_WIDTH
    for index, name in enumerate(series):
        if lines:
            mark = format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3" stroke-dasharray="{}"/>',
                x, y - 4, x + 24, y - 4, COLOURS[index], DASHES[index],
            )
        else:
            mark = format_html('<rect x="{}" y="{}" width="14" height="10" fill="{}"/>', x, y - 10, COLOURS[index])
        items.append(format_html('{}<text x="{}" y="{}" class="chart-text">{}</text>', mark, x + 30, y, name))
        x += 30 + 9 * len(name) + 24
    return mark_safe("".join(items))


def bar_chart(
    key: str,
    title: str,
    description: str,
    label_header: str,
    series: Sequence[str],
    rows: Sequence[Row],
    fmt: Callable[[Number], str] = str,
    empty: str = "",
) -> Chart:
    """Horizontal bars, one group per row and one bar per series, each bar labelled with its value.

    Without rows, templates show `empty` (in words) instead of the chart.
    """
    chart = Chart(key, title, description, label_header, list(series), list(rows), empty=empty)
    for row in chart.rows:
        row.cells = [fmt(value) for value in row.values]
    top = 28 if len(series) > 1 else 8
    group = len(series) * (BAR_HEIGHT + BAR_GAP) - BAR_GAP
    largest = max((value for row in chart.rows for value in row.values), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 110  # room for the value label after the longest bar
    parts = [_legend(series, 16, lines=False)] if len(series) > 1 else []
    y = top
    # f-strings with only the words escaped, not format_html per element: a chart of a hundred
    # bars was a tenth of the appeal dashboard's time.
    for row in chart.rows:
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + group / 2 + 4}" class="chart-text" text-anchor="end">'
                     f'{conditional_escape(_shorten(row.label, 28))}</text>')
        for index, (value, cell) in enumerate(zip(row.values, row.cells, strict=True)):
            length = round(span * float(value) / float(largest), 1)
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                         f'fill="{COLOURS[index]}"/><text x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT - 4}" '
                         f'class="chart-text">{conditional_escape(cell)}</text>')
            y += BAR_HEIGHT + BAR_GAP
        y += GROUP_GAP - BAR_GAP
    chart.svg = _svg(chart, max(y + 4, 40), mark_safe("".join(parts)))
    return chart


def line_chart(
    key: str,
    title: str,
    description: str,
    label_header: str,
    series: Sequence[str],
    points: Sequence[tuple[datetime.date, Sequence[Number]]],
    fmt: Callable[[Number], str] = str,
    axis_fmt: Callable[[Number], str] = str,
) -> Chart:
    """Lines over time, one per series (solid, dashed), with gridlines at round values and dated ticks.

    The data table has a row per point, labelled with its date.
    """
    table_rows = [Row(formats.date_format(day, "SHORT_DATE_FORMAT"), list(values)) for day, values in points]
    chart = Chart(key, title, description, label_header, list(series), list(table_rows))
    for row in chart.rows:
        row.cells = [fmt(value) for value in row.values]
    left, right, top, bottom = 110, WIDTH - 20, 34, 250
    height = bottom + 30
    parts = [_legend(series, 16, lines=True)]
    ticks = value_ticks(max((float(v) for _, values in points for v in values), default=0))
    largest = ticks[-1]
    for tick in ticks:
        y = round(bottom - (bottom - top) * float(tick / largest), 1)
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"/>'
            '<text x="{}" y="{}" class="chart-text" text-anchor="end">{}</text>',
            left, y, right, y, left - 6, y + 4, axis_fmt(tick),
        ))
    if points:
        first, last = points[0][0], points[-1][0]
        days = (last - first).days

        def x(day: datetime.date) -> float:
            if not days:  # one day only: its mark in the middle, under its one date
                return (left + right) / 2
            return round(left + (right - left) * (day - first).days / days, 1)

        def y(value: Number) -> float:
            return round(bottom - (bottom - top) * float(value) / float(largest), 1)

        for index in range(len(series)):
            if len(points) == 1:  # no line to draw yet: a mark for the one value
                parts.append(format_html(
                    '<circle cx="{}" cy="{}" r="5" fill="{}"/>', x(first), y(points[0][1][index]), COLOURS[index]
                ))
                continue
            # A step line: a cumulative figure holds its value until the next day that changes it.
            coordinates, previous = [], None
            for day, values in points:
                if previous is not None:
                    coordinates.append(f"{x(day)},{previous}")
                previous = y(values[index])
                coordinates.append(f"{x(day)},{previous}")
            parts.append(format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5" stroke-dasharray="{}"/>',
                " ".join(coordinates), COLOURS[index], DASHES[index],
            ))
        labels = []
        for day in date_ticks(first, last):
            anchor = "start" if day == first and days else "end" if day == last and days else "middle"
            labels.append((x(day), bottom + 20, anchor, formats.date_format(day, "SHORT_DATE_FORMAT")))
        parts.append(format_html_join(
            "", '<text x="{}" y="{}" class="chart-text" text-anchor="{}">{}</text>', labels,
        ))
    chart.svg = _svg(chart, height, mark_safe("".join(parts)))
    return chart


def value_ticks(largest: Number | float, intervals: int = 4) -> list[Decimal]:
    """Gridline values from 0 in round steps (1, 2, 2.5 or 5 × 10ⁿ), the last at or above `largest`.

    At most `intervals` steps; a chart of nothing still gets 0 and 1.
    """
    largest = Decimal(str(largest))
    if largest <= 0:
        return [Decimal(0), Decimal(1)]
    rough = largest / intervals
    magnitude = Decimal(10) ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, Decimal("2.5"), 5, 10) if m * magnitude >= rough)
    count = math.ceil(largest / step)
    return [(i * step).normalize() + 0 for i in range(count + 1)]


def date_ticks(first: datetime.date, last: datetime.date, between: int = 3) -> list[datetime.date]:
    """The first and last day and up to `between` evenly spaced days between them, no day twice."""
    days = (last - first).days
    steps = min(between + 1, days) or 1
    return sorted({first + datetime.timedelta(days=round(days * i / steps)) for i in range(steps + 1)})


def _shorten(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"
