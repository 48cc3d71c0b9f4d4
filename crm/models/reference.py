"""Reference data an administrator keeps: Areas and communities."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.models.common import UTCDateTime

# The protected characteristics of the Equality Act 2010, plus "other" for a
# community defined on another basis (for example, people seeking asylum).
PROTECTED_CHARACTERISTICS: dict[str, str] = {
    "age": _l("Age"),
    "disability": _l("Disability"),
    "gender_reassignment": _l("Gender reassignment"),
    "marriage_civil_partnership": _l("Marriage and civil partnership"),
    "pregnancy_maternity": _l("Pregnancy and maternity"),
    "race": _l("Race"),
    "religion_belief": _l("Religion or belief"),
    "sex": _l("Sex"),
    "sexual_orientation": _l("Sexual orientation"),
    "other": _l("Another basis"),
}


class Area(db.Model):
    """A geographic unit the service is organised by, such as Mersey-Cheshire."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Area {self.name}>"


class Community(db.Model):
    """A community of interest, tied to a protected characteristic or another basis."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    characteristic: Mapped[str] = mapped_column(String(40))
    seldom_heard: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    # A retired community stays on the records and in the figures that name it, but is
    # no longer offered for new records. Never deleted.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def characteristic_label(self) -> str:
        return PROTECTED_CHARACTERISTICS.get(self.characteristic, self.characteristic)
