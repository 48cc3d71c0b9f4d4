"""How an import reads a cell and its headers (services/import_fields.py): names matched
whatever their case, spacing and punctuation, a suggestion for a near miss, columns guessed
from headers, and columns Engage does not import named."""

from __future__ import annotations

import pytest

from crm.services.import_fields import (
    CONTACTS,
    KINDS,
    STAKEHOLDERS,
    Names,
    guess_mapping,
    plain,
    read_cell,
    refused_columns,
    suggestion,
)

COMMUNITIES = ["Gypsy, Roma and Traveller communities", "Older people", "Disabled adults"]


@pytest.mark.parametrize("said", ["gypsy, roma AND traveller communities",
                                  "  Gypsy Roma & Traveller   Communities ",
                                  "Gypsy, Roma and Traveller communities."])  # fmt: skip
def test_names_match_whatever_their_case_spacing_and_punctuation(said):
    assert plain(said) == plain(COMMUNITIES[0])


@pytest.mark.parametrize("said, meant", [("Gypsy Roma Traveller", COMMUNITIES[0]),
                                         ("Older peple", "Older people"),
                                         ("Disabled", "Disabled adults")])  # fmt: skip
def test_a_near_miss_suggests_the_name_meant(said, meant):
    assert suggestion(said, COMMUNITIES) == f' Did you mean "{meant}"?'


def test_nothing_close_suggests_nothing():
    assert suggestion("Astronauts", COMMUNITIES) == ""


def test_columns_are_guessed_from_the_headers_however_written():
    headers = ["ORGANISATION NAME", "Stakeholder type", "post code", "E-mail", "Unrelated"]
    assert guess_mapping(STAKEHOLDERS, headers) == {"name": 0, "type": 1, "postcode": 2,
                                                    "email": 3}  # fmt: skip


def test_consent_and_do_not_contact_columns_are_named_as_not_imported():
    refused = refused_columns(CONTACTS, ["Name", "Consent date", "Do not contact?", "DNC"])
    assert [header for header, _why in refused] == ["Consent date", "Do not contact?", "DNC"]
    assert all("is not imported" in why for _header, why in refused)


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda kind: kind.key)
def test_every_number_column_refuses_digits_that_are_not_0_to_9(kind):
    """"²" and "٣" are digits to Python but not numbers to int(): a message, never a 500."""
    names = Names(areas={}, communities={})
    for column in kind.columns:
        if column.reads in ("id", "count", "score"):
            for said in ("²", "1²", "٣", "12a", "-1"):
                value, problem = read_cell(kind, column, said, names)
                assert value is None and problem.startswith(str(column.label)), (column.name, said)


def test_the_register_exports_headers_are_read_back_as_their_fields():
    """An export edited in a spreadsheet is imported back: its every column that an import
    writes is recognised from the export's own header."""
    from crm.services.register_export import CONTACT_COLUMNS, STAKEHOLDER_COLUMNS

    for kind, columns in ((STAKEHOLDERS, STAKEHOLDER_COLUMNS), (CONTACTS, CONTACT_COLUMNS)):
        importable = {c.name for c in kind.columns} | {"area_id", "community_ids"}
        headers = [label for name, label in columns if name in importable]
        guessed = guess_mapping(kind, headers)
        names = {"area_id": "area", "community_ids": "communities"}
        assert sorted(guessed) == sorted(names.get(name, name) for name, _ in columns
                                         if name in importable), kind.key
