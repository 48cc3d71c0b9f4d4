"""Form submissions already saved: a create form posted twice saves one record.

Each create form carries a one-time token; the record and its token are saved in one
transaction, so a double click, a resubmitted page or two requests racing each other
find the token taken and are told the record is already saved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow


class FormSubmission(db.Model):
    __tablename__ = "form_submissions"
    __table_args__ = (Index("ix_form_submissions_user_content", "user_id", "content", "at"),)

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A fingerprint of what was submitted: the same form filled in the same way in a
    # second tab is also "already saved", for a short while (see views_common.save_once).
    content: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
