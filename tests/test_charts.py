"""Charts (crm/services/charts.py): what a reader of a chart notices.

The picture, its table and its CSV hold the same numbers; bars start at zero; colour is
never the only difference between series; hostile names stay text; an empty chart says
so. And the priority trend: a chart in financial quarters unless calendar ones are chosen.
"""

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from flask import render_template_string

from crm.services.chart_marks import COLOURS, TEXT
from crm.services.charts import Chart, ticks
from crm.services.quarters import Quarter, quarters_between

HOSTILE = '<script>alert("x")</script>'
MACRO = '{% from "macros/chart.html" import chart %}{{ chart(c, "/x.csv") }}'


def _chart(kind="bar", **kw) -> Chart:
    values = {
        "categories": ["Older people", "Young people", "Faith groups"],
        "series": {"This quarter": [12, 0, 7], "Last quarter": [10, 4, 7]},
    } | kw
    return Chart(
        "engagements",
        "Engagements by community",
        "How many engagements each community had this quarter and last.",
        kind=kind,
        unit="Engagements",
        category_label="Community",
        series_label="Quarter",
        **values,
    )


def _svg(chart: Chart) -> list[ET.Element]:
    """Every element of the chart's SVG (which must be well-formed XML), namespace dropped."""
    root = ET.fromstring(str(chart.svg()))  # noqa: S314 - the app's own SVG, under test
    for element in root.iter():
        element.tag = element.tag.split("}")[-1]
    return list(root.iter())


def _bars(chart: Chart) -> list[ET.Element]:
    return [e for e in _svg(chart) if e.get("class") == "app-chart__bar"]


def _contrast(colour: str, against: str = "#ffffff") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(colour), luminance(against)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _html_table(html: str, table_id: str) -> list[list[str]]:
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    cells = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>")
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells.findall(row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def test_the_table_and_the_csv_hold_the_chart_s_numbers(app):
    chart = _chart(series={"This quarter": [1234, 0, 7.5], "Last quarter": [10, None, 7]})
    header, rows = chart.table()
    assert header == ["Community", "This quarter", "Last quarter"]
    assert rows == [["Older people", 1234, 10], ["Young people", 0, None], ["Faith groups", 7.5, 7]]
    assert list(csv.reader(io.StringIO(chart.csv()))) == [
        ["Community", "This quarter", "Last quarter"],
        ["Older people", "1234", "10"],
        ["Young people", "0", ""],
        ["Faith groups", "7.5", "7"],
    ]
    with app.test_request_context():
        html = render_template_string(MACRO, c=chart)
    assert _html_table(html, "engagements-table") == [
        ["Community", "This quarter", "Last quarter"],
        ["Older people", "1,234", "10"],
        ["Young people", "0", "No figure"],
        ["Faith groups", "7.5", "7"],
    ]
    # A trend reads with time across: a row per series.
    header, rows = _chart(rows="series").table()
    assert header == ["Quarter", "Older people", "Young people", "Faith groups"]
    assert rows == [["This quarter", 12, 0, 7], ["Last quarter", 10, 4, 7]]


def test_the_csv_neutralises_cells_a_spreadsheet_would_run():
    chart = _chart(
        categories=['=HYPERLINK("http://x")', "+1", "@SUM(A1)"], series={"-2+3": [1, 2, 3]}
    )
    rows = list(csv.reader(io.StringIO(chart.csv())))
    assert rows[0] == ["Community", "'-2+3"]
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)"]


@pytest.mark.parametrize("kind", ["bar", "hbar", "stacked"])
def test_bars_start_at_zero_even_when_every_value_is_large(kind):
    size = "width" if kind == "hbar" else "height"
    large = _chart(kind, series={"Engagements": [1000, 1020, 1010]})
    bars = {float(b.get("data-value")): float(b.get(size)) for b in _bars(large)}
    assert bars[1020] / bars[1000] == pytest.approx(1.02, abs=0.002)  # measured from zero
    numbers = [
        e.text
        for e in _svg(large)
        if e.tag == "text" and e.text and e.text.replace(",", "").isdigit()
    ]
    assert "0" in numbers and "1,200" in numbers  # the axis runs from 0 to a round 1,200
    with_zero = _chart(kind, series={"Engagements": [1000, 0, 1010]})
    assert [float(b.get(size)) for b in _bars(with_zero)][1] == 0


def test_the_value_axis_has_round_ticks_from_zero():
    assert ticks(1000, 1020) == [0, 200, 400, 600, 800, 1000, 1200]
    assert ticks(0, 7) == [0, 2, 4, 6, 8]
    assert ticks(0, 0) == [0, 1]  # nothing to show still draws an axis
    assert ticks(0, 3) == [0, 1, 2, 3]  # no half counts
    assert ticks(0, 0.35, whole=False) == [0, 0.1, 0.2, 0.3, 0.4]
    assert ticks(-5, 12) == [-5, 0, 5, 10, 15]


def test_each_series_has_its_own_pattern_line_and_a_named_key():
    names = [
        "Violence against women and girls",
        "Hate crime",
        "Serious violence",
        "Mental health",
        "Disproportionality",
        "Victims",
        "Age",
        "Race",
    ]
    series = {name: [i, i + 1, 0] for i, name in enumerate(names)}
    bar = _svg(_chart(series=series))
    patterns = {e.get("id"): e.get("data-pattern") for e in bar if e.tag == "pattern"}
    fills = {b.get("data-series"): b.get("fill") for b in _bars(_chart(series=series))}
    kinds = [patterns[fill.removeprefix("url(#").removesuffix(")")] for fill in fills.values()]
    assert len(set(kinds)) == len(names)  # a different pattern, not only a different colour
    keys = [e for e in bar if e.get("class") == "app-chart__key"]
    assert ["".join(k.itertext()) for k in keys] == names
    line = _svg(_chart("line", series=series))
    paths = [e for e in line if e.get("class") == "app-chart__line"]
    assert len({p.get("stroke-dasharray") for p in paths}) == len(names)
    assert len({p.get("stroke") for p in paths}) == len(names)
    # Text is GOV.UK black (4.5:1 or more); series colours stand out from white (3:1).
    assert {e.get("fill") for e in line if e.tag == "text"} == {TEXT}
    assert _contrast(TEXT) >= 4.5
    assert all(_contrast(colour) >= 3 for colour in COLOURS)


def test_the_svg_is_labelled_scales_and_breaks_no_content_security_rule():
    markup = str(_chart("line").svg())
    root = ET.fromstring(markup)  # noqa: S314 - the app's own SVG, under test
    assert root.get("role") == "img"
    title, desc = root.get("aria-labelledby").split()
    texts = {e.get("id"): e.text for e in root.iter() if e.get("id")}
    assert texts[title] == "Engagements by community"
    assert texts[desc].startswith("How many engagements")
    assert root.get("viewBox") and root.get("width") is None  # scales to its column
    assert "style=" not in markup and "<script" not in markup and "javascript:" not in markup


def test_hostile_names_stay_text_in_the_svg_the_table_and_the_csv(app):
    chart = Chart(
        "hostile",
        HOSTILE,
        HOSTILE,
        [HOSTILE, "Fine"],
        {HOSTILE: [1, 2], "B": [3, 4]},
        kind="hbar",
        unit=HOSTILE,
    )
    elements = _svg(chart)  # well-formed: nothing escaped its text
    assert not [e for e in elements if e.tag == "script"]
    assert sum(HOSTILE in "".join(e.itertext()) for e in elements if e.tag == "text") >= 3
    with app.test_request_context():
        html = render_template_string(MACRO, c=chart)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 6  # heading, summary, svg, table
    assert list(csv.reader(io.StringIO(chart.csv())))[1][0] == HOSTILE  # CSV is not HTML


@pytest.mark.parametrize(
    "categories,series",
    [
        ([], {}),
        (["Older people"], {}),
        (["Q1", "Q2"], {"Engagements": [0, 0]}),
    ],
)
def test_an_empty_chart_says_there_is_no_data(app, categories, series):
    chart = Chart("empty", "Engagements", "Nothing.", categories, series, kind="line")
    assert chart.is_empty
    chart.svg()  # drawing it anyway does not fail
    with app.test_request_context():
        html = render_template_string(MACRO, c=chart)
    assert "No data for this period" in html
    assert "app-chart__svg" not in html and "Download the data" not in html


def test_a_chart_refuses_data_that_does_not_fit():
    with pytest.raises(ValueError, match="one value for each category"):
        _chart(series={"Engagements": [1, 2]})
    with pytest.raises(ValueError, match="not a number"):
        _chart(series={"Engagements": [1, "2", 3]})
    with pytest.raises(ValueError, match="negative"):
        _chart("stacked", series={"Engagements": [1, -2, 3]})
    with pytest.raises(ValueError):
        _chart("pie")
    with pytest.raises(ValueError):
        Chart("Not a slug", "T", "S", [], {})


def test_quarters_are_financial_unless_calendar_ones_are_asked_for():
    assert Quarter.of(date(2026, 4, 1)).short_label == "Q1 2026-27"
    assert Quarter.of(date(2026, 3, 31)).short_label == "Q4 2025-26"
    assert Quarter.of(date(2026, 4, 1)).label == "Q1 2026-27 (April to June 2026)"  # as before
    july = Quarter.of(date(2026, 7, 1), calendar=True)
    assert july.label == "2026 Q3 (July to September 2026)" and july.key == "2026-C3"
    assert july.previous().label == "2026 Q2 (April to June 2026)"
    assert july.next().next().label == "2027 Q1 (January to March 2027)"
    assert Quarter.parse("2026-C3", calendar=True) == july
    assert Quarter.parse("2026-C3") is None and Quarter.parse("2026-Q3", calendar=True) is None
    assert Quarter.parse("2026-Q3") == Quarter(2026, 3) != Quarter(2026, 3, calendar=True)
    span = date(2025, 12, 1), date(2026, 4, 1)
    assert [q.short_label for q in quarters_between(*span)] == [
        "Q3 2025-26",
        "Q4 2025-26",
        "Q1 2026-27",
    ]
    assert [q.short_label for q in quarters_between(*span, calendar=True)] == [
        "2025 Q4",
        "2026 Q1",
        "2026 Q2",
    ]


@pytest.fixture
def boundary_feedback(make_feedback):
    """Hate crime feedback either side of 1 April 2026: one on 31 March, two on 1 April."""
    make_feedback(priorities=["Race"], received_on=date(2026, 3, 31))
    make_feedback(priorities=["Hate crime"], received_on=date(2026, 4, 1))
    make_feedback(priorities=["Hate crime", "Disability"], received_on=date(2026, 4, 1))


TREND = "/priorities?view=quarters&from=2026-01-01&to=2026-06-30"


def test_the_priority_trend_is_a_chart_in_financial_quarters(client, signed_in, boundary_feedback):
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get(TREND).get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert "Feedback received each quarter</h2>" in html
    assert "each financial quarter (April to March), from Q4 2025-26 to Q1 2026-27" in html
    table = _html_table(html, "priority-trend-table")
    assert table[0] == ["Casework priority", "Q4 2025-26", "Q1 2026-27"]
    assert ["Hate crime", "1", "2"] in table
    assert '<option value="financial" selected>' in html
    link = re.search(r'href="([^"]*)">Download the data \(CSV\)', html).group(1)
    download = client.get(link.replace("&amp;", "&"))
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows == table  # the download is the table


def test_the_priority_trend_in_calendar_quarters(client, signed_in, boundary_feedback):
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get(TREND + "&quarters=calendar").get_data(as_text=True)
    table = _html_table(html, "priority-trend-table")
    assert table[0] == ["Casework priority", "2026 Q1", "2026 Q2"]
    assert ["Hate crime", "1", "2"] in table
    assert "each calendar quarter, from 2026 Q1 to 2026 Q2" in html
    assert '<option value="calendar" selected>' in html
    assert '<input type="hidden" name="view" value="quarters">' in html  # the form keeps the view
    download = client.get(TREND + "&quarters=calendar&chart=priority-trend&format=csv")
    assert download.get_data(as_text=True).splitlines()[0] == "Casework priority,2026 Q1,2026 Q2"


@pytest.mark.parametrize(
    "query,status",
    [
        ("&quarters=nonsense", 200),
        ("&quarters=%00", 200),
        ("&quarters=x&quarters=calendar", 200),
        ("&quarters=" + "x" * 5000, 200),
        ("&chart=priority-trend&format=pdf", 200),
        ("&chart=nothing&format=csv", 404),
        ("&chart=%00&format=csv", 404),
    ],
)
def test_odd_chart_and_quarter_arguments_do_not_fail(
    client, signed_in, boundary_feedback, query, status
):
    signed_in("lead", areas=("Mersey-Cheshire",))
    response = client.get(TREND + query)
    assert response.status_code == status
    if status == 200:
        assert "Q4 2025-26" in response.get_data(as_text=True)  # financial, the default


def test_an_empty_trend_says_there_is_no_data(client, signed_in):
    signed_in("lead", areas=("Mersey-Cheshire",))
    html = client.get(TREND).get_data(as_text=True)
    assert "No data for this period" in html and "app-chart__svg" not in html
