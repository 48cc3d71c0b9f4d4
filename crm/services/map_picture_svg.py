"""An Area's map picture (crm/services/map_picture.py) drawn as SVG markup.

Projection: equirectangular, longitude scaled by cos(latitude) at the picture's middle,
within a percent or so of true scale across an Area. A title, the outline, the layers,
a scale bar, a key and notes, in a viewBox 640 units wide. Each stakeholder type has a
shape as well as a colour (the chart markers), gaps are red rings, engagements purple
diamonds, squares of counted stakeholders are shaded and carry their number. Only
presentation attributes (the app's CSP allows no inline styles), and every name and
label is escaped as it is written (chart_marks.el and text).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from crm.i18n import month_name
from crm.models.stakeholder import STAKEHOLDER_TYPES
from crm.services.boundaries import SHADES
from crm.services.chart_marks import FONT, LINE, MARKERS, SMALL, TEXT, Style, el, marker, num, wrap
from crm.services.chart_marks import text as words
from crm.services.map_picture import Drawing, period_text
from crm.services.maps import TYPE_COLOURS

WIDTH = 640
PAD = 8
MAP_HEIGHT = 520  # the map's most, in picture units
CELL = 32  # a counting square's side, about
KM_PER_DEGREE = 111.32  # of latitude
NICE_KM = (0.5, 1, 2, 5, 10, 20, 50, 100, 200)
OUTLINE_FILL = "#f3f2f1"
GAP = "#d4351c"
ENGAGEMENT = "#4c2c92"
NOTE = "#505a5f"  # GOV.UK dark grey: 7:1 on white
TYPE_LABELS = list(STAKEHOLDER_TYPES.values())
Swatch = Callable[[float, float], str]


class Frame:
    """Where the map sits in the picture, and how a place maps onto it."""

    def __init__(self, lats: list[float], lngs: list[float], top: float):
        south, north, west, east = min(lats), max(lats), min(lngs), max(lngs)
        # A margin of 5% round the data, and at least a couple of kilometres across.
        pad_lat, pad_lng = max((north - south) * 0.05, 0.01), max((east - west) * 0.05, 0.015)
        self.north, self.west = north + pad_lat, west - pad_lng
        south, east = south - pad_lat, east + pad_lng
        self.k = math.cos(math.radians((self.north + south) / 2))
        across, down = (east - self.west) * self.k, self.north - south
        self.scale = min((WIDTH - 2 * PAD) / across, MAP_HEIGHT / down)  # units a degree
        self.width, self.height = across * self.scale, down * self.scale
        self.left, self.top = (WIDTH - self.width) / 2, top

    def xy(self, lat: float, lng: float) -> tuple[float, float]:
        return (round(self.left + (lng - self.west) * self.k * self.scale, 1),
                round(self.top + (self.north - lat) * self.scale, 1))  # fmt: skip


def type_style(t: int) -> Style:
    return Style(t, TYPE_COLOURS[t % len(TYPE_COLOURS)], "solid", None, MARKERS[t % len(MARKERS)])


def _diamond(x: float, y: float, r: float) -> str:
    return f"M{num(x)},{num(round(y - r, 1))} l{num(r)},{num(r)} l{num(-r)},{num(r)} " \
           f"l{num(-r)},{num(-r)} Z"  # fmt: skip


def _titled(label: str, mark: str, **attrs) -> str:
    return el("g", el("title", str(escape(label))) + mark, **attrs)


def _outline(frame: Frame, d: Drawing) -> str:
    paths = []
    for ring in d.rings:
        points, last = [], None
        for lng, lat in ring:
            x, y = frame.xy(lat, lng)
            if last is None or abs(x - last[0]) >= 0.8 or abs(y - last[1]) >= 0.8:
                points.append(f"{num(x)},{num(y)}")
                last = (x, y)
        if len(points) >= 3:
            paths.append("M" + " L".join(points) + " Z")
    if not paths:
        return ""
    return el("path", d=" ".join(paths), fill=OUTLINE_FILL, stroke=TEXT, stroke_width=1.5,
              fill_rule="evenodd", stroke_dasharray="6 3" if d.illustrative else None,
              class_="app-map-picture__outline")  # fmt: skip


def _engagements(frame: Frame, cells: list[list]) -> str:
    biggest = max((c[2] for c in cells), default=1)
    marks = []
    for lat, lng, n in cells:
        x, y = frame.xy(lat, lng)
        r = round(4 + 10 * math.sqrt(n / biggest), 1)
        label = ngettext("%(count)s engagement held near here",
                         "%(count)s engagements held near here", n, count=format(n, ","))
        marks.append(_titled(label, el("path", d=_diamond(x, y, r))))
    return el("g", "".join(marks), fill=ENGAGEMENT, fill_opacity=0.3, stroke=ENGAGEMENT,
              stroke_width=1.5, class_="app-map-picture__engagements")  # fmt: skip


def _points(frame: Frame, d: Drawing) -> str:
    marks, rings = [], []
    for lat, lng, sid, name, t, gap in d.stakeholders:
        x, y = frame.xy(lat, lng)
        label = (_("%(name)s (%(type)s): a gap", name=name, type=TYPE_LABELS[t]) if gap
                 else f"{name} ({TYPE_LABELS[t]})")  # fmt: skip
        marks.append(_titled(label, marker(type_style(t), x, y), data_id=sid))
        if gap:
            rings.append(el("circle", cx=x, cy=y, r=7.5))
    return (el("g", "".join(marks), class_="app-map-picture__stakeholders")
            + el("g", "".join(rings), fill="none", stroke=GAP, stroke_width=2.5,
                 class_="app-map-picture__gaps"))  # fmt: skip


def _classes(counts: list[int]) -> list[int]:
    """The lowest count of each shade: up to five classes of about as many squares."""
    ordered = sorted(counts)
    return sorted({ordered[len(ordered) * i // len(SHADES)] for i in range(len(SHADES))})


def _shade(lows: list[int], n: int) -> int:
    i = max(i for i, low in enumerate(lows) if n >= low)
    return round(i * (len(SHADES) - 1) / max(1, len(lows) - 1))


def _short(n: int) -> str:
    return f"{n:,}" if n < 1000 else f"{n / 1000:.1f}k".replace(".0k", "k")


def _cells(frame: Frame, d: Drawing) -> tuple[str, list[int], int]:
    """Stakeholders counted per square: each square shaded, with its number, a red ring
    where it holds gaps, and a purple diamond in its corner where engagements were held
    (in the corner, so no number is covered)."""
    cols, rows = max(1, round(frame.width / CELL)), max(1, round(frame.height / CELL))
    w, h = frame.width / cols, frame.height / rows

    def square(lat: float, lng: float) -> tuple[int, int]:
        x, y = frame.xy(lat, lng)
        return min(cols - 1, int((x - frame.left) // w)), min(rows - 1, int((y - frame.top) // h))

    counts: dict[tuple[int, int], list[int]] = {}  # [stakeholders, gaps, engagements]
    for lat, lng, _id, _name, _type, gap in d.stakeholders:
        found = counts.setdefault(square(lat, lng), [0, 0, 0])
        found[0] += 1
        found[1] += gap
    for lat, lng, held in d.engagements:
        counts.setdefault(square(lat, lng), [0, 0, 0])[2] += held
    lows = _classes([c[0] for c in counts.values() if c[0]])
    most_held = max(c[2] for c in counts.values()) or 1
    marks = []
    for (i, j), (n, gaps, held) in sorted(counts.items()):
        x, y = round(frame.left + i * w, 1), round(frame.top + j * h, 1)
        cx, cy = round(x + w / 2, 1), round(y + h / 2, 1)
        mark, label = "", []
        if n:
            shade = _shade(lows, n)
            mark += el("rect", x=x, y=y, width=round(w, 1), height=round(h, 1),
                       fill=SHADES[shade])  # fmt: skip
            if gaps:
                mark += el("circle", cx=cx, cy=cy, r=round(min(w, h) / 2 - 2, 1), fill="none",
                           stroke=GAP, stroke_width=2.5)  # fmt: skip
            mark += words(cx, cy + 4, _short(n), size=11 if n < 1000 else 10,
                          text_anchor="middle", font_weight="bold",
                          fill="#ffffff" if shade >= 3 else TEXT)  # fmt: skip
            label.append(ngettext("%(count)s stakeholder, %(gaps)s of them gaps",
                                  "%(count)s stakeholders, %(gaps)s of them gaps", n,
                                  count=format(n, ","), gaps=format(gaps, ",")) if gaps
                         else ngettext("%(count)s stakeholder", "%(count)s stakeholders", n,
                                       count=format(n, ",")))  # fmt: skip
        if held:
            r = round(2.5 + 3.5 * math.sqrt(held / most_held), 1)
            mark += el("path", d=_diamond(round(x + w - r - 2, 1), round(y + r + 2, 1), r),
                       fill=ENGAGEMENT, stroke="#ffffff", stroke_width=1)  # fmt: skip
            label.append(ngettext("%(count)s engagement held", "%(count)s engagements held",
                                  held, count=format(held, ",")))  # fmt: skip
        marks.append(_titled("; ".join(label), mark))
    cells = el("g", "".join(marks), class_="app-map-picture__cells")
    return cells, lows, max(c[0] for c in counts.values())


def _scale_bar(frame: Frame) -> str:
    km_per_unit = KM_PER_DEGREE / frame.scale
    most = frame.width / 4 * km_per_unit
    km = max([v for v in NICE_KM if v <= most] or [NICE_KM[0]])
    length = round(km / km_per_unit, 1)
    # Under the map's bottom left corner, where it covers nothing.
    x, y = round(frame.left, 1), round(frame.top + frame.height + 20, 1)
    return el("g", el("path", d=f"M{num(x)},{num(y - 6)} v6 h{num(length)} v-6", fill="none",
                      stroke=TEXT, stroke_width=2)
              + words(x + length + 6, y + 1, f"{num(float(km))} km", size=SMALL),
              class_="app-map-picture__scale")  # fmt: skip


def _legend(items: list[tuple[Swatch, str]], y: float) -> tuple[str, float]:
    """The key in two columns below the map."""
    column = (WIDTH - 2 * PAD) / 2
    parts = [words(PAD, y + FONT, _("Key"), font_weight="bold")]
    y += LINE + 8
    for row in range(0, len(items), 2):
        tallest = 1
        for col, (swatch, label) in enumerate(items[row : row + 2]):
            x = PAD + col * column
            lines = wrap(label, column - 40, SMALL)
            parts.append(swatch(x + 11, y + 7) + words(x + 28, y + 12, lines, size=SMALL))
            tallest = max(tallest, len(lines))
        y += tallest * LINE + 6
    return el("g", "".join(parts), class_="app-map-picture__key"), y


def _key(d: Drawing, lows: list[int] | None, biggest: int) -> list[tuple[Swatch, str]]:
    items: list[tuple[Swatch, str]] = []
    if d.rings:
        items.append((lambda x, y: el("rect", x=x - 8, y=y - 6, width=16, height=12,
                                      fill=OUTLINE_FILL, stroke=TEXT, stroke_width=1.5,
                                      stroke_dasharray="4 2" if d.illustrative else None),
                      _("The Area's outline (illustrative, not an official boundary)")
                      if d.illustrative else _("The Area's outline")))  # fmt: skip
    if lows is None:
        for t in sorted({s[4] for s in d.stakeholders}):
            items.append((lambda x, y, t=t: marker(type_style(t), x, y), str(TYPE_LABELS[t])))
        gap_label = _("Gap: serves a seldom-heard community, no engagement in the period")
    else:
        for i, low in enumerate(lows):
            high = lows[i + 1] - 1 if i + 1 < len(lows) else biggest
            span = f"{low:,}" if low == high else _("%(low)s to %(high)s", low=format(low, ","),
                                                    high=format(high, ","))  # fmt: skip
            fill = SHADES[_shade(lows, low)]
            items.append((lambda x, y, fill=fill: el("rect", x=x - 8, y=y - 8, width=16,
                                                     height=16, fill=fill),
                          _("%(span)s stakeholders", span=span)))  # fmt: skip
        gap_label = _("A square holding gaps: seldom-heard, not engaged in the period")
    items.append((lambda x, y: el("circle", cx=x, cy=y, r=7, fill="none", stroke=GAP,
                                  stroke_width=2.5), gap_label))  # fmt: skip
    if d.engagements and lows is None:
        items.append((lambda x, y: el("path", d=_diamond(x, y, 7), fill=ENGAGEMENT,
                                      fill_opacity=0.3, stroke=ENGAGEMENT, stroke_width=1.5),
                      _("Engagements held in the period near here (bigger: more)")))  # fmt: skip
    elif d.engagements:
        items.append((lambda x, y: el("path", d=_diamond(x, y, 5), fill=ENGAGEMENT),
                      _("Engagements held in the period in the square (bigger: more)")))
    return items


def _notes(d: Drawing, frame: Frame | None) -> list[str]:
    placed, gaps = len(d.stakeholders), sum(s[5] for s in d.stakeholders)
    counts = {"count": f"{placed:,}", "gaps": f"{gaps:,}", "unplaced": f"{d.unplaced:,}"}
    if d.unplaced:
        notes = [ngettext(
            "%(count)s stakeholder placed, %(gaps)s of them gaps; %(unplaced)s cannot be "
            "placed (no location).",
            "%(count)s stakeholders placed, %(gaps)s of them gaps; %(unplaced)s cannot be "
            "placed (no location).", placed, **counts)]  # fmt: skip
    else:
        notes = [ngettext("%(count)s stakeholder placed, %(gaps)s of them gaps.",
                          "%(count)s stakeholders placed, %(gaps)s of them gaps.", placed,
                          **counts)]  # fmt: skip
    if d.cells and frame is not None:
        side = CELL * KM_PER_DEGREE / frame.scale
        notes.append(_("Too many to draw one by one: each square, about %(km)s km across, is "
                       "shaded by how many stakeholders it holds and shows the number.",
                       km=format(side, ".0f")))  # fmt: skip
    notes.append(_("Engagements are counted by whole months, %(start)s to %(end)s.",
                   start=_month_year(d.since), end=_month_year(d.until)))  # fmt: skip
    if not d.rings:
        notes.append(_("No outline is held for this Area: the picture covers its stakeholders."))
    notes.append(_("Approximate scale (equirectangular); no background map."))
    return notes


def _month_year(day) -> str:
    """April 2026, or Ebrill 2026."""
    return f"{month_name(day.month)} {day.year}"


def _frame(d: Drawing, top: float) -> Frame | None:
    """The frame that holds every stakeholder, the outline and every engagement cell."""
    lats = [s[0] for s in d.stakeholders] + [p[1] for r in d.rings for p in r] + \
        [c[0] for c in d.engagements]  # fmt: skip
    lngs = [s[1] for s in d.stakeholders] + [p[0] for r in d.rings for p in r] + \
        [c[1] for c in d.engagements]  # fmt: skip
    return Frame(lats, lngs, top) if lats else None


def _map(frame: Frame, d: Drawing) -> tuple[str, list[int] | None, int]:
    """The map itself: its frame, the outline, the layers and the scale bar."""
    parts = [el("rect", x=frame.left, y=frame.top, width=round(frame.width, 1),
                height=round(frame.height, 1), fill="#ffffff", stroke="#b1b4b6"),
             _outline(frame, d)]  # fmt: skip
    lows, biggest = None, 0
    if d.cells:
        cells, lows, biggest = _cells(frame, d)
        parts.append(cells)
    else:
        parts += [_engagements(frame, d.engagements), _points(frame, d)]
    parts.append(_scale_bar(frame))
    return "".join(parts), lows, biggest


def render(d: Drawing, uid: str) -> Markup:
    period = period_text(d.since, d.until)
    title_lines = wrap(_("%(area)s: stakeholders, gaps and engagements", area=d.area_name),
                       WIDTH - 2 * PAD, 17)  # fmt: skip
    y = PAD + 17 + len(title_lines) * LINE
    parts = [words(PAD, PAD + 17, title_lines, size=17, font_weight="bold"),
             words(PAD, y + 4, period, size=SMALL, fill=NOTE)]  # fmt: skip
    frame = _frame(d, y + 18)
    notes = _notes(d, frame)
    if frame is None:
        parts.append(words(PAD, y + 48, _("Nothing to draw: no stakeholder here has a location, "
                                          "and the Area has no outline."), size=SMALL))  # fmt: skip
        y, notes = y + 78, notes[:1]
    else:
        body, lows, biggest = _map(frame, d)
        key, y = _legend(_key(d, lows, biggest), frame.top + frame.height + 34)
        parts += [body, key]
    for note in notes:
        lines = wrap(note, WIDTH - 2 * PAD, 12)
        parts.append(words(PAD, y + 12, lines, size=12, fill=NOTE))
        y += len(lines) * LINE + 2
    head = el("title", str(escape(_("The map of %(area)s, %(period)s", area=d.area_name,
                                    period=period))), id=f"{uid}-title") \
        + el("desc", str(escape(notes[0])), id=f"{uid}-desc")  # fmt: skip
    height = math.ceil(y + PAD)
    # Every name and label was escaped as it was written (el, words, _titled).
    return Markup(el(  # noqa: S704
        "svg", head + "".join(parts), xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {height}", width=WIDTH, height=height,
        class_="app-map-picture__svg", role="img", aria_labelledby=f"{uid}-title {uid}-desc",
        font_family="arial, sans-serif", id=uid,
    ))  # fmt: skip
