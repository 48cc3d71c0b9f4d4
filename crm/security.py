"""Security headers, with a fresh Content Security Policy nonce for every response."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request


def _make_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def content_security_policy(nonce: str, **changes: str) -> str:
    """The app's policy, with any directive changed (underscores for hyphens).

    The map document, for one, lets its own inline styles and the tile host in.
    """
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    } | {name.replace("_", "-"): value for name, value in changes.items()}
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def _add_headers(response: Response) -> Response:
    nonce = getattr(g, "csp_nonce", "")
    response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
    if request.endpoint != "static":
        # Pages, downloads and JSON hold personal data: never keep them in a cache.
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["ENV_NAME"] == "production":
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_security(app: Flask) -> None:
    app.before_request(_make_nonce)
    app.after_request(_add_headers)
    app.jinja_env.globals["csp_nonce"] = lambda: getattr(g, "csp_nonce", "")
