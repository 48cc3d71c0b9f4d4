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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from crm import i18n
from crm.i18n import in_every_language
from crm.models.engagement import ENGAGEMENT_STATUSES, ENGAGEMENT_TYPES
from crm.models.panel import END_REASONS, MEMBER_ROLES, MEMBERSHIP_STATUSES, VETTING_STATUSES
from crm.models.stakeholder import CONTACT_METHODS, STAKEHOLDER_STATUSES, STAKEHOLDER_TYPES
from crm.services.validation import normalise_postcode


@dataclass(frozen=True)
class Column:
    """One column an import can read into a field of the record."""

    name: str  # the field
    label: str  # the template's header, and the name in messages (lazy: in each language)
    guidance: str  # the template's row of guidance (lazy)
    reads: str = "text"  # text, id, email, postcode, score, date, area, choice, communities
    required: bool = False
    max_length: int = 200
    aliases: tuple[str, ...] = ()  # other headers people use for it, normalised (English)
    # Other headers Engage's own exports give it (lazy), read back in every language.
    also: tuple[str, ...] = ()

    def headers(self) -> tuple[set[str], set[str]]:
        """The headers read as this column, normalised: in English (its label, name and
        aliases), and in the other languages (a file made on a Welsh page)."""
        english, other = {plain(self.name), *self.aliases}, set()
        for text in (self.label, *self.also):
            first, *rest = in_every_language(text)
            english.add(plain(first))
            other |= {plain(said) for said in rest}
        return english, other - english


@dataclass(frozen=True)
class Kind:
    """A kind of record an import makes: stakeholders, contacts, engagements, members."""

    key: str
    label: str  # "Stakeholders" (lazy)
    record_type: str  # the access and audit kind: "stakeholder"
    columns: tuple[Column, ...]
    # Columns people keep that Engage does not import, and why (said on the preview):
    # ((header words, why), ...), the words English or a lazy text read in every language.
    refused: tuple[tuple[str, str], ...] = ()
    # Whether each row belongs to an Area (a membership's is its panel's).
    has_area: bool = True

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @cached_property
    def labels(self) -> dict[str, str]:
        """{field: its column's label} in English, read once: the audit trail names each
        change by it (its words are kept as written, in English, whoever imports)."""
        with i18n.in_stored_language():
            return {column.name: str(column.label) for column in self.columns}

    def label_for(self, name: str) -> str:
        """A field's label as the audit names it (else the name itself)."""
        return self.labels.get(name, name)

    def shown_label(self, name: str) -> str:
        """A field's label as a problem names it, in the page's language."""
        return next((str(c.label) for c in self.columns if c.name == name), name)


def _listed(options: dict[str, str]) -> str:
    return "; ".join(str(label) for label in options.values())


def listed(options: dict[str, str]) -> LazyString:
    """A choice's labels, "A; B; C", in the language of whoever reads them."""
    return LazyString(_listed, options)


ID = Column("id", _l("Engage ID"),
            _l("Leave empty for a new record; an export's ID updates that record"),
            reads="id", max_length=20,
            aliases=("id", "engage id", "record id"))  # fmt: skip  # i18n: not interface
AREA = Column("area", _l("Area"),
              _l("The Area's name, like Mersey-Cheshire (empty: your only Area)"),
              reads="area", max_length=100,
              aliases=("area name", "cps area", "region"))  # fmt: skip  # i18n: not interface
EMAIL = Column("email", _l("Email"), "name@example.com", reads="email", max_length=254,
               also=(_l("Email address"),),
               aliases=("email address", "e-mail", "e mail"))  # fmt: skip  # i18n: not interface
PHONE = Column("phone", _l("Phone"), "0151 496 0000", max_length=40, also=(_l("Phone number"),),
               aliases=("telephone", "phone number",  # i18n: not interface
                        "tel", "mobile"))  # fmt: skip
LANGUAGE = Column("preferred_language", _l("Preferred language"), _l("Welsh"), max_length=100,
                  also=(_l("Preferred language or format"),),
                  aliases=("language",
                           "preferred language or format"))  # fmt: skip  # i18n: not interface
NOTES = Column("notes", _l("Notes"), _l("Anything else to keep"), max_length=20000)
CONSENT_REFUSED = _l(
    "Consent is not imported: record it on each contact's page, with how it was given, "
    "so its history is kept"
)
DO_NOT_CONTACT_REFUSED = _l(
    "Do not contact is not imported: record it on each contact's page, with the date and "
    "reason, so its history is kept"
)
COMMUNITIES_GUIDANCE = _l("Names from Engage's list, separated by ;")

STAKEHOLDERS = Kind("stakeholders", _l("Stakeholders"), "stakeholder", (
    ID,
    Column("name", _l("Name"), _l("The organisation's full name"), required=True,
           aliases=("organisation", "organisation name", "stakeholder",  # i18n: not interface
                    "stakeholder name")),  # i18n: not interface
    Column("type", _l("Type"), listed(STAKEHOLDER_TYPES), reads="choice",
           required=True, max_length=60,
           aliases=("stakeholder type", "category")),  # i18n: not interface
    AREA,
    Column("communities", _l("Communities served"), COMMUNITIES_GUIDANCE,
           reads="communities", max_length=2000, aliases=("communities", "community")),
    Column("description", _l("Description"), _l("What they do"), max_length=20000),
    Column("address_line1", _l("Address line 1"), _l("1 High Street"),
           aliases=("address", "street")),
    Column("address_line2", _l("Address line 2"), "", also=(_l("Address line 2 (optional)"),),
           aliases=("address 2", "address line 2 optional")),  # i18n: not interface
    Column("town", _l("Town or city"), "Liverpool", max_length=100, aliases=("town", "city")),
    Column("postcode", _l("Postcode"), "L1 8JQ", reads="postcode", max_length=20,
           aliases=("post code", "zip")),  # i18n: not interface
    EMAIL, PHONE,
    Column("website", _l("Website"), "https://example.org", max_length=300,
           aliases=("web", "url")),
    Column("status", _l("Status"), listed(STAKEHOLDER_STATUSES), reads="choice",
           max_length=30),
    Column("influence", _l("Influence"), _l("1 (low) to 5 (high)"), reads="score",
           max_length=5, also=(_l("Influence (1 low to 5 high)"),),
           aliases=("influence 1 low to 5 high",)),  # i18n: not interface
    Column("interest", _l("Interest"), _l("1 (low) to 5 (high)"), reads="score",
           max_length=5, also=(_l("Interest (1 low to 5 high)"),),
           aliases=("interest 1 low to 5 high",)),  # i18n: not interface
    LANGUAGE,
    Column("accessible_formats", _l("Accessible formats"), _l("Large print"), max_length=300),
    NOTES,
))  # fmt: skip

CONTACTS = Kind("contacts", _l("Contacts"), "contact", (
    ID,
    Column("name", _l("Name"), _l("The person's full name"), required=True,
           also=(_l("Full name"),),
           aliases=("full name", "contact", "contact name", "person")),  # i18n: not interface
    Column("job_title", _l("Job title"), _l("Chair"), aliases=("title", "position")),
    AREA, EMAIL, PHONE,
    Column("organisation", _l("Organisation"),
           _l("A stakeholder's name in Engage, in the same Area"),
           aliases=("stakeholder", "organisation name",  # i18n: not interface
                    "organization")),
    Column("role", _l("Role there"), _l("Trustee"),
           aliases=("role", "role at organisation")),  # i18n: not interface
    Column("preferred_contact_method", _l("Preferred contact method"),
           listed(CONTACT_METHODS), reads="choice", max_length=30,
           aliases=("contact method", "preferred contact")),  # i18n: not interface
    Column("accessibility_needs", _l("Accessibility needs"), _l("Needs a hearing loop"),
           max_length=20000),
    LANGUAGE, NOTES,
), refused=((_l("Consent"), CONSENT_REFUSED),
            ("consent given", CONSENT_REFUSED),  # i18n: not interface
            (_l("Do not contact"), DO_NOT_CONTACT_REFUSED),
            ("dnc", DO_NOT_CONTACT_REFUSED)))  # fmt: skip

ENGAGEMENTS = Kind("engagements", _l("Engagements"), "engagement", (
    ID,
    Column("title", _l("Title"), _l("What it was, like Drop-in at the library"), required=True,
           aliases=("engagement", "name", "event")),
    Column("type", _l("Type"), listed(ENGAGEMENT_TYPES), reads="choice",
           required=True, max_length=60,
           aliases=("engagement type",)),  # i18n: not interface
    Column("status", _l("Status"),
           _l("%(choices)s (empty: %(held)s)", choices=listed(ENGAGEMENT_STATUSES),
              held=ENGAGEMENT_STATUSES["held"]),
           reads="choice", max_length=30),
    Column("held_on", _l("Date"), "31/10/2026", reads="date", required=True, max_length=30,
           aliases=("held on", "date held", "when")),  # i18n: not interface
    AREA,
    Column("stakeholders", _l("Stakeholders"),
           _l("Names of stakeholders in Engage, separated by ;"),
           reads="names", max_length=5000, aliases=("organisations", "stakeholder")),
    Column("contacts", _l("Contacts"),
           _l("Emails (or names) of contacts in Engage, separated by ;"),
           reads="names", max_length=5000, aliases=("people", "attendees", "contact")),
    Column("communities", _l("Communities"), COMMUNITIES_GUIDANCE,
           reads="communities", max_length=2000,
           aliases=("communities reached", "community")),  # i18n: not interface
    Column("location_address", _l("Address"), _l("Central Library, William Brown Street"),
           max_length=300, aliases=("location", "venue", "where")),
    Column("location_postcode", _l("Postcode"), "L3 8EW", reads="postcode", max_length=20,
           aliases=("post code",)),  # i18n: not interface
    Column("attendance", _l("Attendance"), _l("How many came, like 24"), reads="count",
           max_length=7,
           aliases=("attendees count", "number attending",  # i18n: not interface
                    "people attending")),  # i18n: not interface
    Column("summary", _l("Summary"), _l("What happened"), max_length=20000),
    Column("outcomes", _l("Outcomes"), _l("What came of it"), max_length=20000),
))  # fmt: skip


def _date(name: str, label: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, label, "31/10/2026", reads="date", max_length=30, aliases=aliases)


MEMBERS = Kind("members", _l("Panel members"), "membership", (
    ID,
    Column("panel", _l("Panel"), _l("The panel's name in Engage, like Mersey-Cheshire LSIP"),
           required=True,
           aliases=("panel name", "committee", "group")),  # i18n: not interface
    Column("contact", _l("Member"), _l("Their email in Engage's contacts (or their name, if "
                                       "no other contact has it)"),
           required=True, max_length=254,
           aliases=("contact", "member name", "name", "person", "email",  # i18n: not interface
                    "member email")),  # i18n: not interface
    Column("role", _l("Role"),
           _l("%(choices)s (empty: %(member)s)", choices=listed(MEMBER_ROLES),
              member=MEMBER_ROLES["member"]),
           reads="choice", max_length=60,
           aliases=("member role", "position")),  # i18n: not interface
    Column("status", _l("Status"),
           _l("%(choices)s (empty: %(active)s)", choices=listed(MEMBERSHIP_STATUSES),
              active=MEMBERSHIP_STATUSES["active"]),
           reads="choice", max_length=30,
           aliases=("membership status",)),  # i18n: not interface
    _date("applied_on", _l("Applied"),
          ("date applied", "applied on")),  # i18n: not interface
    _date("shortlisted_on", _l("Shortlisted"),
          ("date shortlisted", "shortlisted on")),  # i18n: not interface
    _date("term_start", _l("Term start"),
          ("start", "start date", "appointed", "joined")),  # i18n: not interface
    _date("term_end", _l("Term end"), ("end date", "term ends")),  # i18n: not interface
    Column("term_number", _l("Term"), _l("Which term this is: 1, 2... (empty: 1)"),
           reads="count", max_length=3,
           aliases=("term number",)),  # i18n: not interface
    Column("extra_term_reason", _l("Why beyond the maximum terms"),
           _l("Only for a term beyond the panel's maximum"), max_length=20000),
    _date("ended_on", _l("Ended"),
          ("date ended", "left", "ended on")),  # i18n: not interface
    Column("end_reason", _l("Why it ended"), listed(END_REASONS), reads="choice",
           max_length=60,
           aliases=("reason", "end reason", "reason for leaving")),  # i18n: not interface
    Column("end_note", _l("Ending note"), "", max_length=20000),
    Column("vetting_status", _l("Vetting"), listed(VETTING_STATUSES),
           reads="choice", max_length=30,
           aliases=("vetting status",)),  # i18n: not interface
    _date("vetting_on", _l("Vetting date"), ("vetted", "vetted on")),  # i18n: not interface
    _date("vetting_expires_on", _l("Vetting expires"),
          ("vetting expiry",)),  # i18n: not interface
    _date("confidentiality_signed_on", _l("Confidentiality agreement signed"),
          ("confidentiality", "confidentiality agreement")),  # i18n: not interface
    _date("induction_completed_on", _l("Induction completed"), ("induction",)),
    Column("communities", _l("Communities represented"), COMMUNITIES_GUIDANCE,
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


def header_words(kind: Kind) -> list[tuple[Column, set[str], set[str]]]:
    """Each column with the headers read as it, in English and in the other languages:
    worked out once for a file, not for each of its rows or headers."""
    return [(column, *column.headers()) for column in kind.columns]


def guess_mapping(kind: Kind, headers: list[str], words=None) -> dict[str, int]:
    """{field: column index} guessed from the headers (the template's own, or aliases),
    whichever language the file was made in (an English header is taken first: a Welsh
    label that happens to be another column's English name never takes its place).
    `words`: header_words(kind), when guessing for many rows of the same file."""
    words = header_words(kind) if words is None else words
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        said = plain(header)
        for in_language in (1, 2):  # English, then the others
            found = next((column for column, *heard in words if column.name not in mapping
                          and said in heard[in_language - 1]), None)  # fmt: skip
            if found is not None:
                mapping[found.name] = index
                break
    return mapping


def refused_columns(kind: Kind, headers: list[str]) -> list[tuple[str, str]]:
    """The file's columns Engage does not import, with why: [(header, message)]."""
    known = [(plain(said), why) for words, why in kind.refused
             for said in in_every_language(words)]  # fmt: skip
    refused = []
    for header in headers:
        said = plain(header)
        why = next((why for words, why in known
                    if said == words or f" {words} " in f" {said} "), None)  # fmt: skip
        if why:
            refused.append((header, str(why)))
    return refused


@dataclass
class Names:
    """Reference names a cell may give, each {plain name: id or key}."""

    areas: dict[str, int]
    communities: dict[str, int]
    shown: dict[str, str] = field(default_factory=dict)  # plain -> the name as written
    # Each choice's {plain label or key: key}, made when first read (once an import).
    choices: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def match(self, table: dict[str, int] | dict[str, str], text: str):
        return table.get(plain(text))

    def choice_table(self, kind: Kind, column: Column) -> dict[str, str]:
        """{plain key or label: key} for the column's choices: the labels in English, then
        in the other languages (a file made on a Welsh page), English taken first."""
        found = self.choices.get((kind.key, column.name))
        if found is None:
            options = CHOICES[(kind.key, column.name)]
            said = {key: in_every_language(label) for key, label in options.items()}
            found = {}
            for key in options:
                for text in (key, said[key][0]):
                    found.setdefault(plain(text), key)
            for key in options:
                for text in said[key][1:]:
                    found.setdefault(plain(text), key)
            self.choices[(kind.key, column.name)] = found
        return found


def suggestion(text: str, names: list[str]) -> str:
    """' Did you mean "X"?' for the closest name, or "" when none is close."""
    by_plain = {plain(name): name for name in names}
    words = set(plain(text).split())
    # Every word typed is in one name ("Faith" for "Faith organisation"), else the
    # closest spelling ("Gypsy Roma Traveller" for "Gypsy, Roma and Traveller").
    holding = [key for key in by_plain if words and words <= set(key.split())]
    close = holding if len(holding) == 1 else difflib.get_close_matches(
        plain(text), list(by_plain), n=1, cutoff=0.6)
    return " " + _('Did you mean "%(name)s"?', name=by_plain[close[0]]) if close else ""


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
        return None, _("%(label)s must be %(limit)s characters or fewer", label=column.label,
                       limit=format(column.max_length, ","))
    if column.reads == "id":
        return (int(text), "") if _digits(text) and len(text) < 12 else (
            None, _("%(label)s must be a number from an Engage export", label=column.label))
    if column.reads == "email":
        email = text.lower()
        return (email, "") if EMAIL_SHAPE.match(email) else (
            None, _("Enter an email address in the correct format, like name@example.com"))
    if column.reads == "postcode":
        postcode = normalise_postcode(text)
        return (postcode, "") if postcode else (
            None, _("Enter a real postcode, like L1 8JQ"))
    if column.reads == "score":
        return (int(text), "") if text in ("1", "2", "3", "4", "5") else (
            None, _("%(label)s must be a whole number from 1 to 5", label=column.label))
    if column.reads == "date":
        day = read_date(text)
        return (day, "") if day and 2000 <= day.year <= 2100 else (
            None, _("%(label)s must be a real date, like 31/10/2026", label=column.label))
    if column.reads == "count":
        return (int(text), "") if _digits(text) and len(text) <= 6 else (
            None, _("%(label)s must be a whole number, like %(example)s", label=column.label,
                    example="24"))
    if column.reads == "names":
        return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()], ""
    if column.reads == "choice":
        return _choice(kind, column, text, names)
    if column.reads == "area":
        area_id = names.match(names.areas, text)
        if area_id is None:
            known = [names.shown[key] for key in names.areas if key in names.shown]
            return None, (_('"%(text)s" is not an Area in Engage.', text=text)
                          + suggestion(text, known))
        return area_id, ""
    if column.reads == "communities":
        return _communities(text, names)
    return text, ""


def _digits(text: str) -> bool:
    """0 to 9 only: str.isdigit also takes "²" and other digits int() refuses."""
    return text.isascii() and text.isdigit()


def _choice(kind: Kind, column: Column, text: str, names: Names):
    key = names.choice_table(kind, column).get(plain(text))
    if key is not None:
        return key, ""
    options = CHOICES[(kind.key, column.name)]
    return None, (_('"%(text)s" is not a %(label)s Engage knows.', text=text,
                    label=str(column.label).lower())
                  + suggestion(text, [str(label) for label in options.values()]))  # fmt: skip


def _communities(text: str, names: Names):
    found: list[int] = []
    for part in LIST_SEPARATORS.split(text):
        if not part.strip():
            continue
        community_id = names.match(names.communities, part)
        if community_id is None:
            known = [names.shown[key] for key in names.communities if key in names.shown]
            return None, (_('"%(text)s" is not a community in Engage.', text=part.strip())
                          + suggestion(part, known))  # fmt: skip
        if community_id not in found:
            found.append(community_id)
    return sorted(found), ""
