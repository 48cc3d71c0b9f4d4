"""Signed-in sessions: which user a session belongs to, and which pages need one."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from sqlalchemy import select

from crm.extensions import db, login_manager
from crm.models import User

# The only endpoints a signed-out person may reach.
PUBLIC_ENDPOINTS = frozenset({"auth.sign_in", "admin.invitations.accept", "main.healthz", "static"})


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login keeps the user's session token, so a rotated token ends the session."""
    user = db.session.scalars(select(User).where(User.session_token == token)).first()
    if user is None or not user.active:
        return None
    return user


def require_sign_in() -> object | None:
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def init_session_rules(app: Flask) -> None:
    app.before_request(require_sign_in)
