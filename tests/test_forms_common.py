"""The date boxes every form uses: a message that says what is wrong, and never an error
page, whatever is typed."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from crm.forms_common import calendar_date
from crm.panels.forms import DeclarationForm


@pytest.mark.parametrize("year, message", [
    ("1066", "Date declared must be between 1900 and 2999"),
    ("3000", "Date declared must be between 1900 and 2999"),
    ("26", "Date declared must include a 4-digit year, like 2026"),
    ("20266", "Date declared must include a 4-digit year, like 2026"),
    ("999999999999999999999999999999", "Date declared must include a 4-digit year, like 2026"),
    ("twenty", "Date declared must be a real date"),
])  # fmt: skip
def test_a_date_with_an_impossible_year_says_what_is_wrong(app, year, message):
    with app.test_request_context(method="POST"):
        form = DeclarationForm(MultiDict([("declared_on", "3"), ("declared_on", "2"),
                                          ("declared_on", year), ("text", "x")]))  # fmt: skip
        form.declared_on.label.text = "Date declared"
        assert not form.validate()
        assert form.declared_on.errors == [message]


def test_day_month_and_year_boxes_read_as_a_date_only_within_the_calendar():
    assert calendar_date(["29", "2", "2024"]).isoformat() == "2024-02-29"
    for boxes in (["29", "2", "2026"], ["1", "1", "1066"], ["1", "1", "1" + "0" * 30], ["x"]):
        assert calendar_date(boxes) is None
