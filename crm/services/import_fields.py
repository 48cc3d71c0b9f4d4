"""What each kind of import reads: its columns, how a header is guessed to be one, and
how a cell is read (a name matched to a community, a type or an Area whatever its case
and spacing, with a suggestion for a near miss).

No database here: the names to match against come in `Names`, so every rule can be
tested on its own.
"""

from __future__ import annotations

import difflib
import re
import string
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from crm.models.engagement import ENGAGEMENT_STATUSES, ENGAGEMENT_TYPES
from crm.models.panel import END_REASONS, MEMBER_ROLES, MEMBERSHIP_STATUSES, VETTING_STATUSES
from crm.models.stakeholder import CONTACT_METHODS, STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES
from crm.services.validation import normalise_postcode


@dataclass(frozen=True)
class Column:
    """One column an import can read into a field of the record."""

    name: str  # the field
    label: str  # the template's header, and the name in messages
    guidance: str  # the template's row of guidance
    reads: str = "text"  # text, id, email, postcode, score, date, area, choice, communities
    required: bool = False
    max_length: int = 200
    aliases: tuple[str, ...] = ()  # other headers people use for it, normalised


@dataclass(frozen=True)
class Kind:
    """A kind of record an import makes: stakeholders, contacts, engagements, members."""

    key: str
    label: str  # "Stakeholders"
    record_type: str  # the access and audit kind: "stakeholder"
    columns: tuple[Column, ...]
    # Columns people keep that Engage does not import, and why (said on the preview).
    refused: dict[str, str] = field(default_factory=dict)
    # Whether each row belongs to an Area (a membership's is its panel's).
    has_area: bool = True

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @cached_property
    def labels(self) -> dict[str, str]:
        """{field: its column's label}, read once: the audit names each change by it."""
        return {column.name: column.label for column in self.columns}

    def label_for(self, name: str) -> str:
        """A field's label, as problems and the audit name it (else the name itself)."""
        return self.labels.get(name, name)


ID = Column("id", "Engage ID", "Leave empty for a new record; an export's ID updates that record",
            reads="id", max_length=20, aliases=("id", "engage id", "record id"))  # fmt: skip
AREA = Column("area", "Area", "The Area's name, like Mersey-Cheshire (empty: your only Area)",
              reads="area", max_length=100,
              aliases=("area name", "cps area", "region"))  # fmt: skip
EMAIL = Column("email", "Email", "name@example.com", reads="email", max_length=254,
               aliases=("email address", "e-mail", "e mail"))  # fmt: skip
PHONE = Column("phone", "Phone", "0151 496 0000", max_length=40,
               aliases=("telephone", "phone number", "tel", "mobile"))  # fmt: skip
LANGUAGE = Column("preferred_language", "Preferred language", "Welsh", max_length=100,
                  aliases=("language", "preferred language or format"))  # fmt: skip
NOTES = Column("notes", "Notes", "Anything else to keep", max_length=20000)
CONSENT_REFUSED = (
    "Consent is not imported: record it on each contact's page, with how it was given, "
    "so its history is kept"
)
DO_NOT_CONTACT_REFUSED = (
    "Do not contact is not imported: record it on each contact's page, with the date and "
    "reason, so its history is kept"
)

STAKEHOLDERS = Kind("stakeholders", "Stakeholders", "stakeholder", (
    ID,
    Column("name", "Name", "The organisation's full name", required=True,
           aliases=("organisation", "organisation name", "stakeholder", "stakeholder name")),
    Column("type", "Type", "; ".join(STAKEHOLDER_TYPES.values()), reads="choice",
           required=True, max_length=60, aliases=("stakeholder type", "category")),
    AREA,
    Column("communities", "Communities served", "Names from Engage's list, separated by ;",
           reads="communities", max_length=2000, aliases=("communities", "community")),
    Column("description", "Description", "What they do", max_length=20000),
    Column("address_line1", "Address line 1", "1 High Street", aliases=("address", "street")),
    Column("address_line2", "Address line 2", "",
           aliases=("address 2", "address line 2 optional")),
    Column("town", "Town or city", "Liverpool", max_length=100, aliases=("town", "city")),
    Column("postcode", "Postcode", "L1 8JQ", reads="postcode", max_length=20,
           aliases=("post code", "zip")),
    EMAIL, PHONE,
    Column("website", "Website", "https://example.org", max_length=300, aliases=("web", "url")),
    Column("status", "Status", "; ".join(STAKEHOLDER_STATUSES.values()), reads="choice",
           max_length=30),
    Column("influence", "Influence", "1 (low) to 5 (high)", reads="score", max_length=5,
           aliases=("influence 1 low to 5 high",)),
    Column("interest", "Interest", "1 (low) to 5 (high)", reads="score", max_length=5,
           aliases=("interest 1 low to 5 high",)),
    LANGUAGE,
    Column("accessible_formats", "Accessible formats", "Large print", max_length=300),
    NOTES,
))  # fmt: skip

CONTACTS = Kind("contacts", "Contacts", "contact", (
    ID,
    Column("name", "Name", "The person's full name", required=True,
           aliases=("full name", "contact", "contact name", "person")),
    Column("job_title", "Job title", "Chair", aliases=("title", "position")),
    AREA, EMAIL, PHONE,
    Column("organisation", "Organisation", "A stakeholder's name in Engage, in the same Area",
           aliases=("stakeholder", "organisation name", "organization")),
    Column("role", "Role there", "Trustee", aliases=("role", "role at organisation")),
    Column("preferred_contact_method", "Preferred contact method",
           "; ".join(CONTACT_METHODS.values()), reads="choice", max_length=30,
           aliases=("contact method", "preferred contact")),
    Column("accessibility_needs", "Accessibility needs", "Needs a hearing loop",
           max_length=20000),
    LANGUAGE, NOTES,
), refused={"consent": CONSENT_REFUSED, "consent given": CONSENT_REFUSED,
            "do not contact": DO_NOT_CONTACT_REFUSED, "dnc": DO_NOT_CONTACT_REFUSED})  # fmt: skip

ENGAGEMENTS = Kind("engagements", "Engagements", "engagement", (
    ID,
    Column("title", "Title", "What it was, like Drop-in at the library", required=True,
           aliases=("engagement", "name", "event")),
    Column("type", "Type", "; ".join(ENGAGEMENT_TYPES.values()), reads="choice",
           required=True, max_length=60, aliases=("engagement type",)),
    Column("status", "Status", "; ".join(ENGAGEMENT_STATUSES.values()) + " (empty: Held)",
           reads="choice", max_length=30),
    Column("held_on", "Date", "31/10/2026", reads="date", required=True, max_length=30,
           aliases=("held on", "date held", "when")),
    AREA,
    Column("stakeholders", "Stakeholders", "Names of stakeholders in Engage, separated by ;",
           reads="names", max_length=5000, aliases=("organisations", "stakeholder")),
    Column("contacts", "Contacts", "Emails (or names) of contacts in Engage, separated by ;",
           reads="names", max_length=5000, aliases=("people", "attendees", "contact")),
    Column("communities", "Communities", "Names from Engage's list, separated by ;",
           reads="communities", max_length=2000, aliases=("communities reached", "community")),
    Column("location_address", "Address", "Central Library, William Brown Street",
           max_length=300, aliases=("location", "venue", "where")),
    Column("location_postcode", "Postcode", "L3 8EW", reads="postcode", max_length=20,
           aliases=("post code",)),
    Column("attendance", "Attendance", "How many came, like 24", reads="count", max_length=7,
           aliases=("attendees count", "number attending", "people attending")),
    Column("summary", "Summary", "What happened", max_length=20000),
    Column("outcomes", "Outcomes", "What came of it", max_length=20000),
))  # fmt: skip


def _date(name: str, label: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, label, "31/10/2026", reads="date", max_length=30, aliases=aliases)


MEMBERS = Kind("members", "Panel members", "membership", (
    ID,
    Column("panel", "Panel", "The panel's name in Engage, like Mersey-Cheshire LSIP",
           required=True, aliases=("panel name", "committee", "group")),
    Column("contact", "Member", "Their email in Engage's contacts (or their name, if no other "
           "contact has it)", required=True, max_length=254,
           aliases=("contact", "member name", "name", "person", "email", "member email")),
    Column("role", "Role", "; ".join(MEMBER_ROLES.values()) + " (empty: Member)",
           reads="choice", max_length=60, aliases=("member role", "position")),
    Column("status", "Status", "; ".join(MEMBERSHIP_STATUSES.values()) + " (empty: Active)",
           reads="choice", max_length=30, aliases=("membership status",)),
    _date("applied_on", "Applied", ("date applied", "applied on")),
    _date("shortlisted_on", "Shortlisted", ("date shortlisted", "shortlisted on")),
    _date("term_start", "Term start", ("start", "start date", "appointed", "joined")),
    _date("term_end", "Term end", ("end date", "term ends")),
    Column("term_number", "Term", "Which term this is: 1, 2... (empty: 1)", reads="count",
           max_length=3, aliases=("term number",)),
    Column("extra_term_reason", "Why beyond the maximum terms",
           "Only for a term beyond the panel's maximum", max_length=20000),
    _date("ended_on", "Ended", ("date ended", "left", "ended on")),
    Column("end_reason", "Why it ended", "; ".join(END_REASONS.values()), reads="choice",
           max_length=60, aliases=("reason", "end reason", "reason for leaving")),
    Column("end_note", "Ending note", "", max_length=20000),
    Column("vetting_status", "Vetting", "; ".join(VETTING_STATUSES.values()),
           reads="choice", max_length=30, aliases=("vetting status",)),
    _date("vetting_on", "Vetting date", ("vetted", "vetted on")),
    _date("vetting_expires_on", "Vetting expires", ("vetting expiry",)),
    _date("confidentiality_signed_on", "Confidentiality agreement signed",
          ("confidentiality", "confidentiality agreement")),
    _date("induction_completed_on", "Induction completed", ("induction",)),
    Column("communities", "Communities represented", "Names from Engage's list, separated by ;",
           reads="communities", max_length=2000, aliases=("communities", "community")),
), has_area=False)  # fmt: skip

KINDS: dict[str, Kind] = {kind.key: kind for kind in (STAKEHOLDERS, CONTACTS, ENGAGEMENTS,
                                                      MEMBERS)}  # fmt: skip
CHOICES: dict[tuple[str, str], dict[str, str]] = {
    ("engagements", "type"): ENGAGEMENT_TYPES,
    ("engagements", "status"): ENGAGEMENT_STATUSES,
    ("stakeholders", "type"): STAKEHOLDER_TYPES,
    ("stakeholders", "status"): STAKEHOLDER_STATUSES,
    ("contacts", "preferred_contact_method"): CONTACT_METHODS,
    ("members", "role"): MEMBER_ROLES,
    ("members", "status"): MEMBERSHIP_STATUSES,
    ("members", "end_reason"): END_REASONS,
    ("members", "vetting_status"): VETTING_STATUSES,
}
LIST_SEPARATORS = re.compile(r"[;|\n]")
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


_PUNCTUATION = str.maketrans({mark: " " for mark in string.punctuation + "‘’“”–—…·•"})


def plain(text: str) -> str:
    """A name as compared: lower case, "&" as "and", punctuation and spacing ignored.

    (str.translate, not a regular expression: an import reads hundreds of thousands.)"""
    text = (text or "").lower().replace("&", " and ")
    return " ".join(text.translate(_PUNCTUATION).split())


def guess_mapping(kind: Kind, headers: list[str]) -> dict[str, int]:
    """{field: column index} guessed from the headers (the template's own, or aliases)."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        said = plain(header)
        for column in kind.columns:
            if column.name in mapping:
                continue
            if said in (plain(column.label), plain(column.name), *column.aliases):
                mapping[column.name] = index
                break
    return mapping


def refused_columns(kind: Kind, headers: list[str]) -> list[tuple[str, str]]:
    """The file's columns Engage does not import, with why: [(header, message)]."""
    refused = []
    for header in headers:
        said = plain(header)
        why = next((why for words, why in kind.refused.items()
                    if said == words or f" {words} " in f" {said} "), None)  # fmt: skip
        if why:
            refused.append((header, why))
    return refused


@dataclass
class Names:
    """Reference names a cell may give, each {plain name: id or key}."""

    areas: dict[str, int]
    communities: dict[str, int]
    shown: dict[str, str] = field(default_factory=dict)  # plain -> the name as written

    def match(self, table: dict[str, int] | dict[str, str], text: str):
        return table.get(plain(text))


def suggestion(text: str, names: list[str]) -> str:
    """' Did you mean "X"?' for the closest name, or "" when none is close."""
    by_plain = {plain(name): name for name in names}
    words = set(plain(text).split())
    # Every word typed is in one name ("Faith" for "Faith organisation"), else the
    # closest spelling ("Gypsy Roma Traveller" for "Gypsy, Roma and Traveller").
    holding = [key for key in by_plain if words and words <= set(key.split())]
    close = holding if len(holding) == 1 else difflib.get_close_matches(
        plain(text), list(by_plain), n=1, cutoff=0.6)
    return f' Did you mean "{by_plain[close[0]]}"?' if close else ""


def read_date(text: str) -> date | None:
    """A date as spreadsheets give it: ISO (Excel dates are read so), or day/month/year."""
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if match is None:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def read_cell(kind: Kind, column: Column, text: str, names: Names):
    """(value, problem): the cell read for its field, or a message in GOV.UK voice."""
    if len(text) > column.max_length:
        return None, f"{column.label} must be {column.max_length:,} characters or fewer"
    if column.reads == "id":
        return (int(text), "") if _digits(text) and len(text) < 12 else (
            None, f"{column.label} must be a number from an Engage export")
    if column.reads == "email":
        email = text.lower()
        return (email, "") if EMAIL_SHAPE.match(email) else (
            None, "Enter an email address in the correct format, like name@example.com")
    if column.reads == "postcode":
        postcode = normalise_postcode(text)
        return (postcode, "") if postcode else (
            None, "Enter a real postcode, like L1 8JQ")
    if column.reads == "score":
        return (int(text), "") if text in ("1", "2", "3", "4", "5") else (
            None, f"{column.label} must be a whole number from 1 to 5")
    if column.reads == "date":
        day = read_date(text)
        return (day, "") if day and 2000 <= day.year <= 2100 else (
            None, f"{column.label} must be a real date, like 31/10/2026")
    if column.reads == "count":
        return (int(text), "") if _digits(text) and len(text) <= 6 else (
            None, f"{column.label} must be a whole number, like 24")
    if column.reads == "names":
        return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()], ""
    if column.reads == "choice":
        return _choice(kind, column, text)
    if column.reads == "area":
        area_id = names.match(names.areas, text)
        if area_id is None:
            known = [names.shown[key] for key in names.areas if key in names.shown]
            return None, f'"{text}" is not an Area in Engage.{suggestion(text, known)}'
        return area_id, ""
    if column.reads == "communities":
        return _communities(text, names)
    return text, ""


def _digits(text: str) -> bool:
    """0 to 9 only: str.isdigit also takes "²" and other digits int() refuses."""
    return text.isascii() and text.isdigit()


def _choice(kind: Kind, column: Column, text: str):
    options = CHOICES[(kind.key, column.name)]
    said = plain(text)
    for key, label in options.items():
        if said in (plain(key), plain(label)):
            return key, ""
    return None, (f'"{text}" is not a {column.label.lower()} Engage knows.'
                  f"{suggestion(text, list(options.values()))}")  # fmt: skip


def _communities(text: str, names: Names):
    found: list[int] = []
    for part in LIST_SEPARATORS.split(text):
        if not part.strip():
            continue
        community_id = names.match(names.communities, part)
        if community_id is None:
            known = [names.shown[key] for key in names.communities if key in names.shown]
            return None, (f'"{part.strip()}" is not a community in Engage.'
                          f"{suggestion(part, known)}")  # fmt: skip
        if community_id not in found:
            found.append(community_id)
    return sorted(found), ""
