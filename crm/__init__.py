"""Engage: the application factory."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import crm.sqlite  # noqa: F401  (SQLite's settings and write queue, on every engine)
from crm.config import PROJECT_ROOT, load_config
from crm.extensions import csrf, db, login_manager, migrate
from crm.forms_common import MAX_ID


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Migrations are a deploy step (`flask db upgrade`), never run here."""
    from crm.templating import Engage

    app = Engage(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(test_config))
    app.url_map.converters["int"] = RecordIdConverter
    from crm.request_log import init_request_log

    init_request_log(app)  # first, so each request's time covers every other hook
    if app.config["PROXY_HOPS"]:
        # The client's own address and scheme, as the reverse proxies in front report them.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _register_templates(app)
    _register_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    from crm.rate_limits import init_rate_limits

    init_rate_limits(app)  # after the blueprints: it limits their views
    from crm.views_common import apply_upload_limit

    app.url_value_preprocessor(apply_upload_limit)
    from crm.cli import register_cli
    from crm.jobs.queue import init_queue
    from crm.security import init_security

    init_security(app)
    init_queue(app)
    register_cli(app)
    return app


class RecordIdConverter(IntegerConverter):
    """<int:...> in a path: an id a record could have. A larger number (2**63 would
    overflow SQLite; past 2**31 PostgreSQL's integer) is simply not found."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    # The components as published, for templates/govuk_frontend_jinja's
                    # wrappers, which give their English default texts in the page's language.
                    "govuk_frontend_original": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    from govuk_frontend_wtf.main import WTFormsHelpers

    from crm.templating import register_filters

    WTFormsHelpers(app)
    register_filters(app)


def _register_extensions(app: Flask) -> None:
    import crm.models  # noqa: F401  (registers every model with the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "crm" / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = lazy_gettext("Sign in to see that page")
    login_manager.localize_callback = str  # in the page's language, when it is flashed
    login_manager.login_message_category = "info"
    from crm.auth.session import init_session_rules, load_user_by_session_token

    login_manager.user_loader(load_user_by_session_token)
    init_session_rules(app)
    from crm.auth.sso import init_sso

    init_sso(app)  # single sign-on, when configured (CRM_OIDC_*)
    from crm.i18n import init_i18n

    init_i18n(app)  # English and Welsh


def _register_blueprints(app: Flask) -> None:
    """One blueprint per package; a package's other modules are nested in it, so an
    endpoint names its package first (panels.memberships.detail)."""
    from crm.admin.areas import bp as admin_areas_bp
    from crm.admin.audit import bp as audit_bp
    from crm.admin.communities import bp as communities_bp
    from crm.admin.invitations import bp as invitations_bp
    from crm.admin.population import bp as population_bp
    from crm.admin.purposes import bp as purposes_bp
    from crm.admin.retention import bp as retention_bp
    from crm.admin.routes import bp as admin_bp
    from crm.admin.users import bp as users_bp
    from crm.auth.routes import bp as auth_bp
    from crm.auth.sso import bp as sso_bp
    from crm.auth.two_factor import bp as two_factor_bp
    from crm.contacts.consent import bp as consent_bp
    from crm.contacts.erasure import bp as erasure_bp
    from crm.contacts.merge import bp as contact_merge_bp
    from crm.contacts.routes import bp as contacts_bp
    from crm.contacts.subject_access import bp as subject_access_bp
    from crm.engagements.coverage import bp as coverage_bp
    from crm.engagements.follow_up import bp as actions_bp
    from crm.engagements.lookup import bp as lookup_bp
    from crm.engagements.routes import bp as engagements_bp
    from crm.equality.routes import bp as equality_bp
    from crm.feedback.case_reviews import bp as case_reviews_bp
    from crm.feedback.legal_hold import bp as feedback_hold_bp
    from crm.feedback.priorities import bp as priorities_bp
    from crm.feedback.reports import bp as you_said_bp
    from crm.feedback.routes import bp as feedback_bp
    from crm.imports.routes import bp as imports_bp
    from crm.info.routes import bp as info_bp
    from crm.jobs.routes import bp as jobs_bp
    from crm.main.routes import bp as main_bp
    from crm.mapping.routes import bp as mapping_bp
    from crm.maps.admin import bp as map_admin_bp
    from crm.maps.routes import bp as maps_bp
    from crm.panels.meetings import bp as meetings_bp
    from crm.panels.memberships import bp as memberships_bp
    from crm.panels.refresh import bp as refresh_bp
    from crm.panels.routes import bp as panels_bp
    from crm.plans.actions import bp as plan_actions_bp
    from crm.plans.imports import bp as plan_imports_bp
    from crm.plans.objectives import bp as objectives_bp
    from crm.plans.routes import bp as plans_bp
    from crm.reports.quarterly import bp as reports_bp
    from crm.stakeholders.merge import bp as stakeholder_merge_bp
    from crm.stakeholders.routes import bp as stakeholders_bp

    nested = {
        auth_bp: (two_factor_bp, sso_bp),
        admin_bp: (users_bp, invitations_bp, communities_bp, admin_areas_bp, audit_bp,
                   purposes_bp, population_bp, retention_bp),
        contacts_bp: (consent_bp, subject_access_bp, erasure_bp, contact_merge_bp),
        stakeholders_bp: (stakeholder_merge_bp,),
        engagements_bp: (actions_bp, coverage_bp, lookup_bp),
        feedback_bp: (case_reviews_bp, priorities_bp, you_said_bp, feedback_hold_bp),
        panels_bp: (memberships_bp, meetings_bp, refresh_bp),
        maps_bp: (map_admin_bp,),
        plans_bp: (objectives_bp, plan_actions_bp, plan_imports_bp),
    }
    for parent, children in nested.items():
        for child in children:
            # Blueprints are module-level: nest each once, however many apps are made.
            if all(registered is not child for registered, _ in parent._blueprints):
                parent.register_blueprint(child)
    for blueprint in (main_bp, auth_bp, stakeholders_bp, contacts_bp, engagements_bp,
                      panels_bp, feedback_bp, maps_bp, plans_bp, mapping_bp,
                      reports_bp, jobs_bp, admin_bp, equality_bp, imports_bp,
                      info_bp):  # fmt: skip
        app.register_blueprint(blueprint)


def _register_error_handlers(app: Flask) -> None:
    from crm.services.access import AccessDenied, RecordNotFound

    def not_found(_error):
        return render_template("errors/404.html"), 404

    def forbidden(_error):
        return render_template("errors/403.html"), 403

    def csrf_failed(_error):
        return render_template("errors/csrf.html"), 400

    def too_large(_error):
        return render_template("errors/413.html"), 413

    def edit_clash(_error):
        # Two saves of one record at the same moment, outside a form that can show the
        # edit conflict (a button): nothing was saved; the person tries again.
        db.session.rollback()
        return render_template("errors/409.html"), 409

    def database_busy(error: OperationalError):
        # SQLite: another worker held the write lock past the busy timeout (writers queue
        # one at a time). Nothing was saved; the person is told to try again, not shown an
        # error. Anything else the database refuses is still a server error.
        db.session.rollback()
        if "database is locked" not in str(error.orig):  # i18n: not interface (SQLite's own)
            raise error
        return render_template("errors/503.html"), 503, {"Retry-After": "5"}

    def server_error(_error):
        db.session.rollback()
        return render_template("errors/500.html"), 500

    app.register_error_handler(404, not_found)
    app.register_error_handler(RecordNotFound, not_found)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(AccessDenied, forbidden)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(413, too_large)
    app.register_error_handler(StaleDataError, edit_clash)
    app.register_error_handler(OperationalError, database_busy)
    app.register_error_handler(500, server_error)
