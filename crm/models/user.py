"""Staff accounts, their role and the Areas they work in."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.models.common import UTCDateTime, utcnow
from crm.models.reference import Area

ROLES: dict[str, str] = {
    "admin": _l("Administrator"),
    "lead": _l("Engagement lead"),
    "senior": _l("Senior leader"),
    "panels": _l("Panel coordinator"),
}

# Rights beyond a role, given to a person by an administrator: what UK GDPR asks a service
# to keep to those who need it.
RIGHTS: dict[str, str] = {
    "data_protection": _l("Data protection: subject access requests, erasure and retention"),
    "equality_data": _l("Equality data: panel members' own equality monitoring answers"),
}

user_areas = Table(
    "user_areas",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(db.Model):
    """A member of staff who signs in to Engage.

    The session token is what Flask-Login keeps in the session cookie, not the
    user id: changing it (on sign-out, password change, role change or
    deactivation) ends every session the user has, copied cookies included.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(150))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the password is accepted; shown to administrators on /admin/users.
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The interface language they chose ("en" or "cy", crm/i18n.py); None: their browser's.
    language: Mapped[str | None] = mapped_column(String(2))

    areas: Mapped[list[Area]] = relationship(secondary=user_areas, order_by=Area.name)
    # Loaded with the signed-in user (crm/auth/session.py); other people's only when asked
    # for, so a page listing staff (owners, leads, the audit's authors) costs no query more.
    right_rows: Mapped[list[UserRight]] = relationship(
        cascade="all, delete-orphan", order_by="UserRight.right"
    )

    @property
    def rights(self) -> frozenset[str]:
        """The rights beyond their role this person was given (RIGHTS' keys)."""
        return frozenset(row.right for row in self.right_rows)

    def set_rights(self, rights) -> None:
        keep = {row.right: row for row in self.right_rows}
        self.right_rows = [keep.get(right) or UserRight(right=right) for right in sorted(rights)]

    @property
    def rights_label(self) -> str:
        return ", ".join(RIGHTS[r].split(":")[0] for r in sorted(self.rights)) or "None"

    # Flask-Login's user protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def area_names(self) -> str:
        return _l("All Areas") if self.is_national else ", ".join(a.name for a in self.areas)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRight(db.Model):
    """One right beyond their role given to a person (RIGHTS)."""

    __tablename__ = "user_rights"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)  # fmt: skip
    right: Mapped[str] = mapped_column(String(40), primary_key=True)
