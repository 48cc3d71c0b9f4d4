"""The marks charts are drawn with (crm/services/chart_svg.py): escaped elements and text,
and each series' look (colour, pattern, dash and marker), so colour is never the only
difference between series. No style attributes: the app's CSP allows no inline styles."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

WIDTH = 560
PAD = 8
FONT = 14  # category and legend text
SMALL = 13  # value labels
LINE = 17  # the height of a line of text
CHAR = 0.6  # a character's width, as a share of the font size (generous for arial)
PLOT_HEIGHT = 240
BAR_HEIGHT = 20  # a horizontal bar
TEXT = "#0b0c0c"  # GOV.UK black: 19.6:1 on white
GRID = "#b1b4b6"  # GOV.UK mid grey: decorative lines only
# GOV.UK colours with at least 3:1 against white (graphics; no text sits on them).
# GOV.UK orange (#f47738, 2.8:1) is too light to use.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#003078", "#912b88", "#505a5f", "#594d00")
# Pattern marks drawn in the series' colour on white, in an 8 x 8 tile.
PATTERNS = {  # i18n: not interface (SVG markup)
    "solid": '<rect width="8" height="8" fill="{c}"/>',
    "diagonal": '<path d="M0,8 L8,0 M-2,2 L2,-2 M6,10 L10,6" stroke="{c}" stroke-width="2"/>',
    "dots": '<circle cx="4" cy="4" r="2.4" fill="{c}"/>',
    "cross": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="{c}" stroke-width="1.5"/>',
    "horizontal": '<path d="M0,4 H8" stroke="{c}" stroke-width="3"/>',
    "vertical": '<path d="M4,0 V8" stroke="{c}" stroke-width="3"/>',
    "backward": '<path d="M0,0 L8,8 M-2,6 L2,10 M6,-2 L10,2" stroke="{c}" stroke-width="2"/>',
    "checks": '<path d="M0,0 H4 V4 H0 Z M4,4 H8 V8 H4 Z" fill="{c}"/>',
}
DASHES = (None, "10 5", "3 4", "12 4 3 4", "6 6", "2 8", "16 6", "8 3 2 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond", "down", "ring", "open-square", "open-diamond")


@dataclass(frozen=True)
class Style:
    """How one series looks: never colour alone."""

    index: int
    colour: str
    pattern: str
    dash: str | None
    marker: str

    @classmethod
    def of(cls, i: int) -> Style:
        # Colour moves on by one each time the patterns repeat: every pair is distinct.
        colour = COLOURS[(i + i // len(PATTERNS)) % len(COLOURS)]
        pattern = list(PATTERNS)[i % len(PATTERNS)]
        return cls(i, colour, pattern, DASHES[i % len(DASHES)], MARKERS[i % len(MARKERS)])


def el(tag: str, content: str | None = None, **attrs: object) -> str:
    """An element with escaped attribute values (class_ for class, under_scores for
    hyphens); `content` is markup already made safe."""
    names = {"class_": "class"}
    text = "".join(
        f' {names.get(k, k.replace("_", "-"))}="{escape(num(v))}"'
        for k, v in attrs.items()
        if v is not None
    )
    return f"<{tag}{text}/>" if content is None else f"<{tag}{text}>{content}</{tag}>"


def text(x: float, y: float, words: str | list[str], size: int = FONT, **attrs) -> str:
    """Text in GOV.UK black (or the fill given), one tspan per line when given lines."""
    # A lazy text (flask_babel's) is one line, as a str is.
    lines = words if isinstance(words, list) else [
        words if isinstance(words, str) else str(words)]
    if len(lines) == 1:
        content = str(escape(lines[0]))
    else:
        content = "".join(
            el("tspan", str(escape(line)), x=x, dy=0 if i == 0 else LINE)
            for i, line in enumerate(lines)
        )
    return el("text", content, x=x, y=y, font_size=size, **({"fill": TEXT} | attrs))


def num(value: object) -> object:
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else value


def width_of(words: str, size: int = FONT) -> float:
    return len(words) * size * CHAR


def wrap(words: str, width: float, size: int = FONT) -> list[str]:
    """Lines of at most `width` units (a word too long for a line is split)."""
    most = max(1, int(width // (size * CHAR)))
    lines: list[str] = []
    for word in words.split() or [""]:
        while len(word) > most:
            lines.append(word[:most])
            word = word[most:]
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def pattern(uid: str, style: Style) -> str:
    marks = PATTERNS[style.pattern].format(c=style.colour)
    return el(
        "pattern",
        '<rect width="8" height="8" fill="#ffffff"/>' + marks,  # i18n: not interface
        id=f"{uid}-pattern-{style.index}",
        width=8,
        height=8,
        patternUnits="userSpaceOnUse",
        data_pattern=style.pattern,
    )


def bar(uid: str, style: Style, x: float, y: float, w: float, h: float, value=None) -> str:
    """A bar (or a legend swatch, with no value) filled with its series' pattern."""
    data = {} if value is None else {"data_series": style.index, "data_value": value}
    return el(
        "rect",
        x=x,
        y=y,
        width=w,
        height=h,
        fill=f"url(#{uid}-pattern-{style.index})",
        stroke=style.colour,
        stroke_width=1,
        class_=None if value is None else "app-chart__bar",
        **data,
    )


def marker(style: Style, x: float, y: float) -> str:
    c, kind = style.colour, style.marker
    fill = "#ffffff" if kind.startswith(("ring", "open")) else c
    if kind in ("circle", "ring"):
        return el("circle", cx=x, cy=y, r=4.5, fill=fill, stroke=c, stroke_width=2)
    shapes = {
        "square": f"M{x - 4},{y - 4} h8 v8 h-8 Z",
        "triangle": f"M{x},{y - 6} L{x + 5.5},{y + 4} L{x - 5.5},{y + 4} Z",
        "diamond": f"M{x},{y - 6} L{x + 6},{y} L{x},{y + 6} L{x - 6},{y} Z",
        "down": f"M{x},{y + 6} L{x + 5.5},{y - 4} L{x - 5.5},{y - 4} Z",
    }
    d = shapes.get(kind.removeprefix("open-"), shapes["square"])
    return el("path", d=d, fill=fill, stroke=c, stroke_width=2)
