"""Staff accounts as administrators keep them: invitations, role and Areas, deactivating
and reactivating, resetting two-factor sign-in. The pages (crm/admin/users.py) and the
commands (crm/cli.py) both use these functions.

Every change is audited (who, when, what changed); a password, an invitation's token and
its hash never reach the trail. A change of role or Areas, a deactivation, a reactivation
or a reset ends every session the person has (auth.end_all_sessions). Engage always keeps
one active administrator: the last cannot be demoted or deactivated.

Invitations (a new account whose owner sets their password through a one-time link) are
in crm/services/invitations.py.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import i18n
from crm.extensions import db
from crm.models import Area, User
from crm.models.user import RIGHTS, ROLES
from crm.services import access, audit, auth
from crm.services.records import InvalidValue, yes_no

KIND = "user"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class KeepOneAdministrator(InvalidValue):
    """The change would leave Engage with no active administrator."""

    def __init__(self) -> None:
        super().__init__(
            "role",
            _("Engage must keep at least one active administrator: make someone else an "
              "administrator first"),
        )


def describe(user: User) -> dict[str, str]:
    """The account as its audit trail keeps it: in the words it is written in (English),
    whatever the language of the page that changed it."""
    with i18n.in_stored_language():
        return {
            "Name": user.name,
            "Email": user.email,
            "Role": str(user.role_label),
            "Areas": str(user.area_names),
            "Rights": str(user.rights_label),
            "Active": str(yes_no(user.active)),
        }


def check_rights(rights) -> list[str]:
    """Rights beyond the role, each one of models.user.RIGHTS."""
    rights = sorted(set(rights or ()))
    if any(right not in RIGHTS for right in rights):
        raise InvalidValue("rights", _("Select rights from the list"))
    return rights


def require_administrator(actor: User | None) -> None:
    """Administrators only; no actor is a command run on the server (the system)."""
    if actor is not None:
        access.require(actor, "administer", "users")


def list_users(actor: User | None) -> list[User]:
    require_administrator(actor)
    stmt = select(User).options(selectinload(User.areas)).order_by(User.name, User.id)
    return [user for user in db.session.scalars(stmt) if looks_after(actor, user)]


def looks_after(actor: User | None, user: User) -> bool:
    """Whose account an administrator looks after: a national one (or a command) every
    account; one who works in some Areas the people who work only in those Areas."""
    if actor is None or actor.is_national:
        return True
    return not user.is_national and all(access.can_see_area(actor, a.id) for a in user.areas)


def get_user(actor: User | None, user_id: int) -> User:
    require_administrator(actor)
    user = db.session.get(User, user_id)
    if user is None or not looks_after(actor, user):
        raise access.RecordNotFound()
    return user


def by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == auth.normalise_email(email))).first()


# Checking what an administrator typed: each problem names its form field.


def areas_by_ids(area_ids: list[int]) -> list[Area]:
    wanted = set(area_ids)
    found = list(db.session.scalars(select(Area).where(Area.id.in_(wanted)).order_by(Area.name)))
    if len(found) != len(wanted):
        raise InvalidValue("area_ids", _("Select Areas from the list"))
    return found


def check_access(actor: User | None, role: str, areas: list[Area], national: bool) -> None:
    """A role and Areas an account may be given, by this administrator: one who works in
    some Areas gives only those (never every Area); a national one, or a command, any."""
    if role not in ROLES:
        raise InvalidValue("role", _("Select a role"))
    if not national and not areas:
        raise InvalidValue("area_ids", _("Select the Areas they work in, or all Areas"))
    if actor is None or actor.is_national:
        return
    if national:
        raise InvalidValue("area_ids", _("Only an administrator who works in every Area can "
                                         "give access to all Areas"))  # fmt: skip
    outside = [a.name for a in areas if not access.can_see_area(actor, a.id)]
    if outside:
        raise InvalidValue("area_ids", _("You can only give access to Areas you work in, not "
                                         "%(areas)s", areas=", ".join(outside)))  # fmt: skip


def check_new_account(name: str, email: str) -> None:
    if not name:
        raise InvalidValue("name", _("Enter their name"))
    if not EMAIL.fullmatch(email):
        raise InvalidValue("email", _("Enter an email address in the correct format, like "
                                      "name@example.com"))  # fmt: skip
    if by_email(email) is not None:
        raise InvalidValue("email", _("There is already an account with this email address"))


def _keep_an_administrator(user: User, role: str, active: bool) -> None:
    """Refuse a change that leaves no active administrator.

    Every active administrator's row is locked first, in id order (PostgreSQL; SQLite
    takes its write lock at the start), so two administrators demoting each other at once
    are taken one after the other: the second finds the first no longer counts. Locking
    them all in one order, the one changed included, means neither waits on the other.
    """
    if not (user.active and access.is_administrator_role(user.role)):
        return
    if active and access.is_administrator_role(role):
        return
    administrators = (
        select(User.id)
        .where(User.active.is_(True), User.role.in_(access.ADMINISTRATOR_ROLES))
        .order_by(User.id)
        .with_for_update()
    )
    if not [i for i in db.session.scalars(administrators) if i != user.id]:
        raise KeepOneAdministrator()


# Changes to an account


def change_access(
    actor: User | None, user: User, role: str, area_ids: list[int], national: bool,
    rights=None,
) -> bool:
    """Give the person a role and Areas (or all Areas) and, if given, their rights beyond
    the role; any change ends their sessions. Returns whether anything changed."""
    require_administrator(actor)
    areas = [] if national else areas_by_ids(area_ids)
    check_access(actor, role, areas, national)
    rights = user.rights if rights is None else check_rights(rights)
    _keep_an_administrator(user, role, user.active)
    before = describe(user)
    user.role, user.is_national, user.areas = role, national, areas
    user.set_rights(rights)
    db.session.flush()
    after = describe(user)
    if after == before:
        return False
    auth.end_all_sessions(user)
    audit.record_event(actor, KIND, user.id, "updated", before, after)
    return True


def set_active(actor: User | None, user: User, active: bool) -> bool:
    """Deactivate (the person can no longer sign in) or reactivate an account; either ends
    their sessions. Returns whether anything changed."""
    require_administrator(actor)
    if user.active == active:
        return False
    if not active:
        _keep_an_administrator(user, user.role, active=False)
    auth.set_active(user, active)
    auth.end_all_sessions(user)
    with i18n.in_stored_language():  # the trail's words, whatever the page's language
        was, now = str(yes_no(not active)), str(yes_no(active))
    audit.record_event(actor, KIND, user.id, "reactivated" if active else "deactivated",
                       {"Active": was}, {"Active": now})  # fmt: skip
    return True


def reset_two_factor(actor: User | None, user: User) -> None:
    """Clear the person's two-factor set-up (a lost phone): their authenticator app and
    recovery codes go, and their sessions end."""
    require_administrator(actor)
    auth.reset_two_factor(user)
    auth.end_all_sessions(user)
    audit.record_event(actor, KIND, user.id, "two-factor reset", None,  # i18n: not interface
                       {"Two-factor sign-in": "Reset"})  # fmt: skip


# For the commands, which run on the server as the system (no actor)


def create_account(
    email: str, name: str, password: str, role: str, area_names: list[str], national: bool,
    rights=(),
) -> User:
    """An account with a password given on the server (flask crm create-user)."""
    user = auth.create_user(email, name, password, role, area_names, national)
    user.set_rights(check_rights(rights))
    db.session.flush()
    audit.record_event(None, KIND, user.id, "created", None, describe(user))
    return user


def set_password(user: User, password: str) -> None:
    """Set a password on the server (flask crm set-password); the person's sessions end."""
    problem = auth.validate_new_password(password)
    if problem:
        raise ValueError(problem)
    user.password_hash = auth.hash_password(password)
    auth.end_all_sessions(user)
    audit.record_event(  # i18n: not interface
        None, KIND, user.id, "password set", None, {"Password": audit.NOT_SHOWN})
