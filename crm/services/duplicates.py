"""Likely duplicates in the stakeholder and contact registers, and pairs dismissed as
not the same.

The scan reads each record once (plain tuples, not ORM objects) and files it under its
blocking keys: its email, its phone number, its website's domain, its postcode, and
its name once normalised. Only records sharing a key are ever compared, so 100,000
stakeholders cost one pass and a few small groups, not five billion pairs
(bench/run_duplicates.py measures it). A key shared by more than MAX_GROUP records (a
switchboard number, a council's domain) says nothing about any pair and is left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz
from sqlalchemy import select

from crm.extensions import db
from crm.models import Contact, DuplicateDismissal, Stakeholder, User
from crm.models.common import utcnow
from crm.services import access, audit

MAX_GROUP = 25
# How alike two normalised names must be (0-100, rapidfuzz's token set ratio: one name
# within the other counts as alike) to be "similar" when the records share a postcode.
SIMILAR = 85

# Words that say nothing about which organisation it is, and shortenings of common ones.
NOISE_WORDS = frozenset({"the", "and", "ltd", "limited", "cic", "plc", "llp", "inc", "of"})
ABBREVIATIONS = {  # i18n: not interface (how names are compared)
    "assoc": "association", "assn": "association", "st": "saint", "ctr": "centre",
    "cntr": "centre", "center": "centre", "grp": "group", "org": "organisation",
    "organization": "organisation", "soc": "society", "comm": "community",
    "cttee": "committee", "svcs": "services", "svc": "service", "servs": "services",
    "intl": "international", "natl": "national", "dept": "department",
    "univ": "university", "uni": "university", "coll": "college", "sch": "school",
    "fdn": "foundation", "fndn": "foundation", "assocn": "association", "neighbourhood":
    "neighbourhood", "neighborhood": "neighbourhood", "nhood": "neighbourhood",
    "ch": "church", "vol": "voluntary", "cvs": "council for voluntary service",
}  # fmt: skip
# A person's title says nothing about who they are.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "cllr", "sir"})
# Sites many unrelated groups have a page on: sharing one is no sign of anything.
SHARED_HOSTS = frozenset({
    "facebook.com", "instagram.com", "twitter.com", "x.com", "linkedin.com",
    "sites.google.com", "google.com", "eventbrite.co.uk", "youtube.com", "tiktok.com",
    "linktr.ee", "gov.uk",
})  # fmt: skip

_APOSTROPHES = re.compile(r"['\u2019`]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_SITE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//|^")  # a scheme, or none
_HOST = re.compile(r"[^/:?#\s]*")


def normalise_name(name: str, drop: frozenset[str] = NOISE_WORDS) -> str:
    """A name as compared: case, accents and punctuation gone, "&" read as "and", common
    abbreviations spelt out, and words that do not tell names apart ("The", "Ltd", "CIC",
    "and") left out. "The St. Helens Women's Assoc. Ltd" -> "saint helens womens association"."""
    text = name or ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _APOSTROPHES.sub("", text.lower().replace("&", " and "))
    words = []
    for word in _NOT_WORD.split(text):
        word = ABBREVIATIONS.get(word, word)
        if word and word not in drop:
            words.append(word)
    return " ".join(words)


def normalise_person(name: str) -> str:
    """A person's name as compared: as normalise_name, their title left out too."""
    return normalise_name(name, drop=TITLES)


def normalise_phone(phone: str) -> str:
    """The digits of a UK number as dialled at home ("+44 (0)151 496 0000" -> "01514960000");
    too short to be a whole number: blank."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("440"):
        digits = digits[2:]
    elif digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 10 else ""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    return email if "@" in email else ""


def website_domain(website: str) -> str:
    """The site's host without "www." ("https://www.Example.org/about" -> "example.org");
    blank for a site many groups share (a Facebook page)."""
    text = (website or "").strip().lower()
    if not text:
        return ""
    rest = text[_SITE.match(text).end():]  # type: ignore[union-attr]
    host = _HOST.match(rest).group().removeprefix("www.")  # type: ignore[union-attr]
    labels = host.split(".")
    if len(labels) < 2 or not all(labels) or host in SHARED_HOSTS:
        return ""
    return host


def normalise_postcode(postcode: str) -> str:
    return "".join((postcode or "").upper().split())


@dataclass
class Pair:
    """Two records that may be one, why, and how sure (0-100)."""

    first_id: int
    second_id: int
    reasons: list[str] = field(default_factory=list)
    score: int = 0


@dataclass(frozen=True)
class Blocker:
    """A reason two records may be one: the key records are grouped by (a position in
    the scan's rows), its weight in the score, and (for "similar" reasons) a test each
    pair in a group must pass, given the two rows."""

    reason: str
    key: int
    weight: int
    alike: Callable[[tuple, tuple], bool] | None = None


# A scan's row: (id, normalised name, postcode, email, phone, website domain); blank
# keys are never grouped.
ID, NAME, POSTCODE, EMAIL, PHONE, DOMAIN = range(6)


def scan(rows: Iterable[tuple], blockers: tuple[Blocker, ...], dismissed: set) -> list[Pair]:
    """Every pair sharing a key (minus dismissed ones), best first: one pass to group,
    then pairs within each group."""
    groups: list[dict[str, list[tuple]]] = [defaultdict(list) for _ in blockers]
    for row in rows:
        for index, blocker in enumerate(blockers):
            key = row[blocker.key]
            if key:
                groups[index][key].append(row)
    pairs: dict[tuple[int, int], Pair] = {}
    for blocker, by_key in zip(blockers, groups, strict=True):
        for members in by_key.values():
            if 2 <= len(members) <= MAX_GROUP:
                _pair_up(blocker, members, dismissed, pairs)
    found = list(pairs.values())
    for pair in found:
        pair.reasons.sort()
    found.sort(key=lambda p: (-p.score, p.first_id, p.second_id))
    return found


def _pair_up(blocker: Blocker, members: list[tuple], dismissed: set,
             pairs: dict[tuple[int, int], Pair]) -> None:  # fmt: skip
    for a, b in combinations(members, 2):
        ids = (a[ID], b[ID]) if a[ID] < b[ID] else (b[ID], a[ID])
        if ids in dismissed or (blocker.alike and not blocker.alike(a, b)):
            continue
        pair = pairs.setdefault(ids, Pair(*ids))
        if blocker.reason not in pair.reasons:
            pair.reasons.append(blocker.reason)
            pair.score = min(100, pair.score + blocker.weight)


def _similar(a: tuple, b: tuple) -> bool:
    return bool(a[NAME]) and fuzz.token_set_ratio(a[NAME], b[NAME]) >= SIMILAR


STAKEHOLDER_BLOCKERS = (
    Blocker(_l("Same email address"), EMAIL, 60),
    Blocker(_l("Same phone number"), PHONE, 50),
    Blocker(_l("Same name"), NAME, 50),
    Blocker(_l("Same postcode and a similar name"), POSTCODE, 45, _similar),
    Blocker(_l("Same website domain"), DOMAIN, 40),
)
CONTACT_BLOCKERS = (
    Blocker(_l("Same email address"), EMAIL, 70),
    Blocker(_l("Same phone number"), PHONE, 50),
    Blocker(_l("Same name"), NAME, 40),
)


def stakeholder_rows(conditions: list) -> Iterable[tuple]:
    """Live stakeholders (within the conditions) with their keys worked out, one pass."""
    s = Stakeholder
    stmt = select(s.id, s.name, s.postcode, s.email, s.phone, s.website).where(
        s.archived_at.is_(None), *conditions
    )
    # Core rows straight from the connection: the ORM's result handling costs more than
    # the query over 100,000 rows.
    for id_, name, postcode, email, phone, website in db.session.connection().execute(stmt):
        yield (id_, normalise_name(name), normalise_postcode(postcode), normalise_email(email),
               normalise_phone(phone), website_domain(website))  # fmt: skip


def contact_rows(conditions: list) -> Iterable[tuple]:
    c = Contact
    stmt = select(c.id, c.name, c.email, c.phone).where(c.archived_at.is_(None), *conditions)
    for id_, name, email, phone in db.session.connection().execute(stmt):
        yield (id_, normalise_person(name), "", normalise_email(email), normalise_phone(phone), "")


KINDS: dict[str, tuple[Any, Callable[[list], Iterable[tuple]], tuple[Blocker, ...]]] = {
    "stakeholder": (Stakeholder, stakeholder_rows, STAKEHOLDER_BLOCKERS),
    "contact": (Contact, contact_rows, CONTACT_BLOCKERS),
}


def dismissed_pairs(kind: str) -> set[tuple[int, int]]:
    d = DuplicateDismissal
    stmt = select(d.first_id, d.second_id).where(d.record_type == kind)
    return {(a, b) for a, b in db.session.execute(stmt)}


def likely_duplicates(user: User, kind: str, area_id: int | None = None) -> list[Pair]:
    """Pairs of live records of the kind, both within the user's Areas, that may be one."""
    model, rows, blockers = KINDS[kind]
    conditions = access.area_conditions(model.area_id, user)
    if area_id is not None:
        conditions.append(model.area_id == area_id)
    return scan(rows(conditions), blockers, dismissed_pairs(kind))


def records_by_id(user: User, kind: str, pairs: list[Pair]) -> dict[int, Any]:
    """The records a page of pairs names (all within the user's Areas), by id."""
    model = KINDS[kind][0]
    ids = {i for p in pairs for i in (p.first_id, p.second_id)}
    stmt = select(model).where(model.id.in_(ids), *access.area_conditions(model.area_id, user))
    return {r.id: r for r in db.session.scalars(stmt)}


def dismiss(user: User, kind: str, first_id: int, second_id: int) -> None:
    """Record that two records are not the same, so the pair is never offered again; it
    needs the right to merge both (two records the user may not see are not found)."""
    model = KINDS[kind][0]
    first, second = sorted((first_id, second_id))
    pair = [access.get_scoped(model, record_id, user) for record_id in (first, second)]
    for record in pair:
        access.require(user, "merge", record)
    exists = select(DuplicateDismissal.id).where(
        DuplicateDismissal.record_type == kind,
        DuplicateDismissal.first_id == first,
        DuplicateDismissal.second_id == second,
    )
    if db.session.scalar(exists) is not None:
        return
    db.session.add(DuplicateDismissal(record_type=kind, first_id=first, second_id=second,
                                      dismissed_by_id=user.id, dismissed_at=utcnow()))  # fmt: skip
    db.session.flush()
    for record, other in (pair, reversed(pair)):
        audit.record_event(user, kind, record.id, "not a duplicate", None,  # i18n: not interface
                           {"Not the same as": audit.links(kind, [other])})  # fmt: skip
