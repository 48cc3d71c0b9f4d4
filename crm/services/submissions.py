"""Create forms saved once: the record a submission made, found again if it comes back.

A create form carries a one-time token. Saving the record notes the token in the same
transaction; the same form posted again (a double click, a resubmitted page) finds it.
The same content posted by the same person within a few minutes (the form open in a
second tab) is found too. Two requests racing each other meet at the token's unique
key: the database lets one note it and refuses the other.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.models import FormSubmission, User
from crm.models.common import utcnow

SAME_CONTENT_WINDOW = timedelta(minutes=10)
# Fields that differ between two submissions of the same thing.
VOLATILE = frozenset({"csrf_token", "submission", "version", "find"})


def fingerprint(kind: str, fields) -> str:
    """A digest of what was submitted (kind and every field but the volatile ones)."""
    pairs = sorted(
        (name, value)
        for name in fields
        if name not in VOLATILE and not name.endswith("_search")
        for value in fields.getlist(name)
    )
    return hashlib.sha256(repr((kind, pairs)).encode()).hexdigest()


def earlier(user: User, token: str, content: str, kind: str) -> FormSubmission | None:
    """The submission this one repeats, if any."""
    if token:
        found = db.session.get(FormSubmission, token)
        if found is not None and found.user_id == user.id:
            return found
    stmt = select(FormSubmission).where(
        FormSubmission.user_id == user.id,
        FormSubmission.content == content,
        FormSubmission.record_type == kind,
        FormSubmission.at >= utcnow() - SAME_CONTENT_WINDOW,
    )
    return db.session.scalars(stmt.order_by(FormSubmission.at.desc())).first()


def note(user: User, token: str, content: str, kind: str, record_id: int) -> None:
    """Record, in the transaction that saves the record, that this submission saved it."""
    db.session.add(
        FormSubmission(
            token=token or hashlib.sha256(f"{content}{utcnow()}".encode()).hexdigest()[:64],
            user_id=user.id, content=content, record_type=kind, record_id=record_id,
        )  # fmt: skip
    )
    db.session.flush()
