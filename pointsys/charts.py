"""Bar charts as inline SVG, drawn on the server: no JavaScript, no CDN, nothing to download.

Pure: figures in, markup out (markupsafe escapes every label). A chart is drawn in a viewBox
and scales to its container (width 100%), so it fits a 360 px phone as well as a PC; pages put
the same figures in a <table> under it (templates/_chart.html), for screen readers and print.

Two shapes: columns (periods along the bottom, in time order) and horizontal bars (categories,
groups, tiers: long Chinese names read better on the left than slanted under a column).
Negative values are drawn from the zero line the other way, as points can be.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 360  # the viewBox's width: a phone's width, so text stays readable when scaled down
FONT = 12  # px in viewBox units
BAR = 22  # a horizontal bar's height
GAP = 8
PLOT_HEIGHT = 160  # the column chart's plot area
LABEL_SHARE = 0.4  # the most of the width a horizontal chart gives its labels


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    highlight: bool = False  # drawn in the accent colour (the resident's current period …)
    tone: str = ""  # "red" or "black": a tier's side of the lists


@dataclass(frozen=True)
class Chart:
    """A chart's figures: what the SVG draws and the table beside it lists."""

    key: str  # a stable id for the page ("chart-categories")
    title: str  # also the SVG's <title> and the table's caption
    label_heading: str  # the axis and column of the labels: 季度, 类别 …
    value_heading: str  # the axis and column of the values: 积分, 户数 …
    bars: tuple[Bar, ...]
    horizontal: bool = False

    @property
    def total(self) -> Decimal:
        return sum((b.value for b in self.bars), Decimal(0))

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def svg(self) -> Markup:
        return svg(self)


def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide a label is drawn: CJK and other wide characters a full em, others
    about 0.6 em (no font metrics on the server; this errs wide, so labels do not overlap)."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def shorten(text: str, width: float, size: float = FONT) -> str:
    """The label cut with … to fit `width` (the bar's <title> and the table have it whole)."""
    if text_width(text, size) <= width:
        return text
    out = ""
    for c in text:
        if text_width(out + c + "…", size) > width:
            break
        out += c
    return out + "…"


def number(value: Decimal) -> str:
    """3, -2.5, 0: a figure as the table shows it (no trailing zeros, no plus sign)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def svg(chart: Chart) -> Markup:
    """The chart as an inline <svg role="img"> with a <title>, axis labels and one <title> per
    bar (a tooltip with the exact figure)."""
    return _horizontal(chart) if chart.horizontal else _columns(chart)


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """The value range drawn, always including 0 (bars grow from the zero line)."""
    low = min([Decimal(0), *values])
    high = max([Decimal(0), *values])
    if low == high:
        high = low + 1
    return low, high


def _open(chart: Chart, height: float) -> list[str]:
    title_id = f"{chart.key}-title"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{escape(title_id)}" viewBox="0 0 {WIDTH} {_fmt(height)}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="{FONT}">',
        f'<title id="{escape(title_id)}">{escape(chart.title)}</title>',
    ]


def _bar_class(bar: Bar) -> str:
    if bar.highlight:
        return "bar bar-highlight"
    if bar.tone:
        return f"bar bar-{escape(bar.tone)}"
    return "bar bar-negative" if bar.value < 0 else "bar"


def _columns(chart: Chart) -> Markup:
    """Columns along the bottom (periods in time order), the value axis on the left."""
    left, top, bottom = 40, 20, 40  # room for the value axis, its heading, the labels
    height = top + PLOT_HEIGHT + bottom
    plot_width = WIDTH - left - 8
    values = [b.value for b in chart.bars]
    low, high = _scale(values)
    span = float(high - low)

    def y(value: Decimal) -> float:
        return top + PLOT_HEIGHT * float(high - value) / span

    parts = _open(chart, height)
    zero = y(Decimal(0))
    # the value axis: its heading, the top, zero and bottom figures
    parts.append(f'<text class="axis-title" x="0" y="{FONT}">{escape(chart.value_heading)}</text>')
    for value in sorted({high, Decimal(0), low}):
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{_fmt(y(value) + FONT / 3)}" '
            f'text-anchor="end">{escape(number(value))}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + PLOT_HEIGHT}"/>'
    )
    slot = plot_width / max(len(chart.bars), 1)
    bar_width = min(slot * 0.7, 48)
    # Crowded columns (twelve months) get smaller labels before any is cut short.
    widest = max((text_width(b.label) for b in chart.bars), default=0)
    size = FONT if widest <= slot - 2 else max(9.0, FONT * (slot - 2) / widest)
    for index, bar in enumerate(chart.bars):
        centre = left + slot * (index + 0.5)
        top_y, bottom_y = sorted((y(bar.value), zero))
        parts.append(
            f'<rect class="{_bar_class(bar)}" x="{_fmt(centre - bar_width / 2)}" '
            f'y="{_fmt(top_y)}" width="{_fmt(bar_width)}" height="{_fmt(bottom_y - top_y)}">'
            f"<title>{escape(bar.label)}：{escape(number(bar.value))}</title></rect>"
        )
        # the figure above a positive column; above the zero line for a negative one, whose
        # foot may reach the labels
        figure_y = top_y - 3 if bar.value >= 0 else zero - 3
        parts.append(
            f'<text class="value" x="{_fmt(centre)}" y="{_fmt(figure_y)}" '
            f'text-anchor="middle">{escape(number(bar.value))}</text>'
        )
        parts.append(
            f'<text class="label" x="{_fmt(centre)}" y="{top + PLOT_HEIGHT + FONT + 4}" '
            f'font-size="{_fmt(size)}" text-anchor="middle">'
            f"{escape(shorten(bar.label, slot - 2, size))}</text>"
        )
    parts.append(
        f'<line class="axis zero" x1="{left}" y1="{_fmt(zero)}" '
        f'x2="{WIDTH - 8}" y2="{_fmt(zero)}"/>'
    )
    parts.append(
        f'<text class="axis-title" x="{_fmt(left + plot_width / 2)}" y="{height - 4}" '
        f'text-anchor="middle">{escape(chart.label_heading)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def _horizontal(chart: Chart) -> Markup:
    """One row per bar: its label on the left, the bar from the zero line, its figure beside."""
    top = FONT + 8  # the value heading above the bars
    rows = max(len(chart.bars), 1)
    height = top + rows * (BAR + GAP) + FONT + 8
    widest = max((text_width(b.label) for b in chart.bars), default=0)
    label_width = min(widest, WIDTH * LABEL_SHARE) + 6
    figure_room = max((text_width(number(b.value)) for b in chart.bars), default=FONT) + 6
    values = [b.value for b in chart.bars]
    low, high = _scale(values)
    span = float(high - low)
    # negative bars need room for their figure on the left, positive ones on the right
    plot_left = label_width + (figure_room if low < 0 else 0)
    plot_width = WIDTH - plot_left - figure_room - 4

    def x(value: Decimal) -> float:
        return plot_left + plot_width * float(value - low) / span

    parts = _open(chart, height)
    zero = x(Decimal(0))
    parts.append(
        f'<text class="axis-title" x="{_fmt(label_width)}" y="{FONT}">'
        f"{escape(chart.label_heading)} · {escape(chart.value_heading)}</text>"
    )
    for index, bar in enumerate(chart.bars):
        row_top = top + index * (BAR + GAP)
        middle = row_top + BAR / 2 + FONT / 3
        parts.append(
            f'<text class="label" x="{_fmt(label_width - 6)}" y="{_fmt(middle)}" '
            f'text-anchor="end">{escape(shorten(bar.label, label_width - 6))}</text>'
        )
        left_x, right_x = sorted((x(bar.value), zero))
        parts.append(
            f'<rect class="{_bar_class(bar)}" x="{_fmt(left_x)}" y="{_fmt(row_top)}" '
            f'width="{_fmt(right_x - left_x)}" height="{BAR}">'
            f"<title>{escape(bar.label)}：{escape(number(bar.value))}</title></rect>"
        )
        if bar.value < 0:
            anchor, figure_x = "end", left_x - 3
        else:
            anchor, figure_x = "start", right_x + 3
        parts.append(
            f'<text class="value" x="{_fmt(figure_x)}" y="{_fmt(middle)}" '
            f'text-anchor="{anchor}">{escape(number(bar.value))}</text>'
        )
    bottom = top + rows * (BAR + GAP) - GAP / 2
    parts.append(
        f'<line class="axis zero" x1="{_fmt(zero)}" y1="{top - 4}" x2="{_fmt(zero)}" '
        f'y2="{_fmt(bottom)}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
