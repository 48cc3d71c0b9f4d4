"""A Chart (crm/services/charts.py) drawn as SVG markup: no JavaScript, no chart library.

The picture is a viewBox 560 units wide, so it scales to its column; CSS keeps it from
shrinking below a readable size on a phone (it scrolls sideways in its region there).
There are no style attributes (the app's CSP allows no inline styles): only
presentation attributes, and every piece of text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from markupsafe import Markup, escape

from crm.services.chart_marks import (
    BAR_HEIGHT,
    FONT,
    GRID,
    LINE,
    PAD,
    PLOT_HEIGHT,
    SMALL,
    TEXT,
    WIDTH,
    Style,
    bar,
    el,
    marker,
    num,
    pattern,
    text,
    width_of,
    wrap,
)
from crm.services.charts import Chart, Number, format_number, ticks


def render(chart: Chart) -> Markup:
    uid = f"chart-{chart.key}"
    styles = [Style.of(i) for i in range(len(chart.names))]
    parts, y = [], PAD
    if len(styles) > 1:
        legend, y = _legend(chart, styles, uid, y)
        parts.append(legend)
    if chart.unit:
        parts.append(text(PAD, y + FONT, chart.unit, class_="app-chart__unit"))
        y += LINE + 6
    body, height = DRAW[chart.kind](chart, styles, uid, y)
    parts.append(body)
    head = el("title", str(escape(chart.title)), id=f"{uid}-title") + el(
        "desc", str(escape(chart.summary)), id=f"{uid}-desc"
    )
    fills = [] if chart.kind == "line" else [pattern(uid, s) for s in styles]
    defs = el("defs", "".join(fills))
    # Every piece of text and every attribute value was escaped as it was built (el, text).
    return Markup(  # noqa: S704
        el(
            "svg",
            head + defs + "".join(parts),
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {WIDTH} {math.ceil(height + PAD)}",
            class_="app-chart__svg",
            role="img",
            aria_labelledby=f"{uid}-title {uid}-desc",
            font_family="arial, sans-serif",
            id=uid,
        )
    )


def _swatch(chart: Chart, style: Style, uid: str, x: float, y: float) -> str:
    if chart.kind == "line":
        return el(
            "path",
            d=f"M{x},{y + 8} h28",
            stroke=style.colour,
            stroke_width=2.5,
            stroke_dasharray=style.dash,
            fill="none",
        ) + marker(style, x + 14, y + 8)
    return bar(uid, style, x, y, 16, 16)


def _legend(chart: Chart, styles: list[Style], uid: str, y: float) -> tuple[str, float]:
    """A key naming every series beside its swatch, flowing onto as many rows as needed."""
    swatch = 34 if chart.kind == "line" else 22
    room = WIDTH - 2 * PAD - swatch
    parts, x, row_height = [], PAD, LINE
    for style, name in zip(styles, chart.names, strict=True):
        lines = wrap(name, room)
        item = swatch + max(width_of(line) for line in lines) + 16
        if x > PAD and x + item > WIDTH - PAD:
            x, y, row_height = PAD, y + row_height + 8, LINE
        parts.append(
            el(
                "g",
                _swatch(chart, style, uid, x, y) + text(x + swatch, y + 13, lines),
                class_="app-chart__key",
                data_series=style.index,
            )
        )
        row_height = max(row_height, LINE * len(lines))
        x += item
    return "".join(parts), y + row_height + 14


def _all_values(chart: Chart) -> list[Number]:
    if chart.kind == "stacked":
        return [sum(v or 0 for v in column) for column in zip(*chart.values.values(), strict=True)]
    return [v for values in chart.values.values() for v in values if v is not None]


def _scale(chart: Chart) -> list[Number]:
    values = _all_values(chart) or [0]
    whole = all(float(v).is_integer() for v in values)
    return ticks(min(values), max(values), whole)


def _category_labels(chart: Chart, band: float, x0: float, y: float) -> tuple[str, float]:
    """Category names under a vertical chart, wrapped to their band (every k-th one if
    the bands are too narrow to name each)."""
    every = max(1, math.ceil(56 / band))
    parts, lines_used = [], 1
    for i, name in enumerate(chart.categories):
        if i % every:
            continue
        lines = wrap(name, band * every - 6)
        lines_used = max(lines_used, len(lines))
        parts.append(text(x0 + band * (i + 0.5), y, lines, text_anchor="middle"))
    return "".join(parts), lines_used * LINE


def _value_axis(marks: list[Number], left: float, right: float, at: Callable) -> str:
    parts = []
    for mark in marks:
        y = at(mark)
        colour, weight = (TEXT, 1.5) if mark == 0 else (GRID, 1)
        parts.append(el("path", d=f"M{left},{y} H{right}", stroke=colour, stroke_width=weight))
        parts.append(text(left - 6, y + 4, format_number(mark), text_anchor="end"))
    return "".join(parts)


def _vertical(chart: Chart, styles: list[Style], uid: str, top: float) -> tuple[str, float]:
    """Grouped bars, stacked bars or lines, with the values up the side."""
    marks = _scale(chart)
    left = PAD + max(width_of(format_number(m)) for m in marks) + 8
    top += SMALL + 4  # room for a value label above the highest bar
    plot = WIDTH - PAD - left
    low, high = marks[0], marks[-1]

    def at(value: Number) -> float:
        return top + PLOT_HEIGHT * (high - value) / (high - low)

    band = plot / len(chart.categories) if chart.categories else plot
    parts = [_value_axis(marks, left, WIDTH - PAD, at)]
    draw = {"bar": _grouped, "stacked": _stacked, "line": _lines}[chart.kind]
    parts.append(draw(chart, styles, uid, left, band, at))
    labels, label_height = _category_labels(chart, band, left, top + PLOT_HEIGHT + FONT + 6)
    parts.append(labels)
    return "".join(parts), top + PLOT_HEIGHT + 6 + label_height


def _value_label(value: Number, x: float, y: float, room: float, **attrs) -> str:
    words = format_number(value)
    return text(x, y, words, SMALL, **attrs) if width_of(words, SMALL) <= room + 2 else ""


def _grouped(chart, styles, uid, left, band, at) -> str:
    parts, thick = [], band * 0.8 / max(1, len(styles))
    for i in range(len(chart.categories)):
        for style, values in zip(styles, chart.values.values(), strict=True):
            value = values[i]
            if value is None:
                continue
            x = left + band * (i + 0.1) + thick * style.index
            y0, y1 = sorted((at(value), at(0)))
            parts.append(bar(uid, style, x, y0, thick, y1 - y0, value))
            below = value < 0
            parts.append(
                _value_label(
                    value,
                    x + thick / 2,
                    y1 + SMALL + 2 if below else y0 - 4,
                    thick + band * 0.1,
                    text_anchor="middle",
                )
            )
    return "".join(parts)


def _stacked(chart, styles, uid, left, band, at) -> str:
    """Each category's bar built up from its series; a segment tall enough to hold its
    value says it on a white patch; the total sits on top."""
    parts, thick = [], band * 0.6
    for i in range(len(chart.categories)):
        x, total = left + band * (i + 0.2), 0
        for style, values in zip(styles, chart.values.values(), strict=True):
            value = values[i] or 0
            y0, y1 = at(total + value), at(total)
            parts.append(bar(uid, style, x, y0, thick, y1 - y0, value))
            words = format_number(value)
            if value and y1 - y0 >= SMALL + 6 and width_of(words, SMALL) + 6 <= thick:
                w, mid = width_of(words, SMALL) + 6, (y0 + y1) / 2
                parts.append(
                    el(
                        "rect",
                        x=x + thick / 2 - w / 2,
                        y=mid - SMALL / 2 - 3,
                        width=w,
                        height=SMALL + 4,
                        fill="#ffffff",
                    )
                )
                parts.append(
                    text(x + thick / 2, mid + SMALL / 2 - 2, words, SMALL, text_anchor="middle")
                )
            total += value
        parts.append(_value_label(total, x + thick / 2, at(total) - 4, band, text_anchor="middle"))
    return "".join(parts)


def _lines(chart, styles, uid, left, band, at) -> str:
    """A line per series (its own dash and markers); values beside the points when
    there are no more than two lines to label."""
    parts = []
    for style, values in zip(styles, chart.values.values(), strict=True):
        points = [(left + band * (i + 0.5), at(v or 0), v) for i, v in enumerate(values)]
        d, pen = [], "M"
        for x, y, v in points:
            if v is None:
                pen = "M"
                continue
            d.append(f"{pen}{num(x)},{num(y)}")
            pen = "L"
        parts.append(
            el(
                "path",
                d=" ".join(d),
                fill="none",
                stroke=style.colour,
                stroke_width=2.5,
                stroke_dasharray=style.dash,
                class_="app-chart__line",
                data_series=style.index,
            )
        )
        for x, y, v in points:
            if v is None:
                continue
            if band >= 8:  # too crowded for markers: the dashes still tell lines apart
                parts.append(marker(style, x, y))
            if len(styles) <= 2:
                y_label = y + SMALL + 8 if style.index == 1 else y - 9
                parts.append(_value_label(v, x, y_label, band, text_anchor="middle"))
    return "".join(parts)


def _horizontal(chart: Chart, styles: list[Style], uid: str, top: float) -> tuple[str, float]:
    """Horizontal grouped bars: long category names read across, values at the bars' ends."""
    marks = _scale(chart)
    names = [wrap(c, WIDTH * 0.38) for c in chart.categories]
    left = PAD + max([width_of(line) for lines in names for line in lines] or [0]) + 8
    right = WIDTH - PAD - max(width_of(format_number(v), SMALL) for v in _all_values(chart) or [0])
    right -= 8
    low, high = marks[0], marks[-1]

    def at(value: Number) -> float:
        return left + (right - left) * (value - low) / (high - low)

    group = BAR_HEIGHT * len(styles)
    rows = [max(group, LINE * len(lines)) + 12 for lines in names]
    plot_top, bottom = top + LINE + 4, top + LINE + 4 + sum(rows)
    parts = []
    for mark in marks:
        x = at(mark)
        colour, weight = (TEXT, 1.5) if mark == 0 else (GRID, 1)
        parts.append(el("path", d=f"M{x},{plot_top} V{bottom}", stroke=colour, stroke_width=weight))
        parts.append(text(x, top + FONT, format_number(mark), text_anchor="middle"))
    y = plot_top
    for i, lines in enumerate(names):
        inner = y + (rows[i] - group) / 2
        parts.append(
            text(
                left - 8, y + (rows[i] - LINE * len(lines)) / 2 + FONT - 1, lines, text_anchor="end"
            )
        )
        for style, values in zip(styles, chart.values.values(), strict=True):
            value = values[i]
            if value is None:
                continue
            x0, x1 = sorted((at(value), at(0)))
            by = inner + BAR_HEIGHT * style.index + 2
            parts.append(bar(uid, style, x0, by, x1 - x0, BAR_HEIGHT - 4, value))
            end = {"x": x0 - 4, "text_anchor": "end"} if value < 0 else {"x": x1 + 4}
            parts.append(
                text(y=by + BAR_HEIGHT / 2 + 2, words=format_number(value), size=SMALL, **end)
            )
        y += rows[i]
    return "".join(parts), bottom


DRAW = {"bar": _vertical, "stacked": _vertical, "line": _vertical, "hbar": _horizontal}
