"""Application factory."""
from __future__ import annotations

import importlib
import logging

from flask import Flask, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask import session as cookie_session
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .config import ROOT, load_config
from .core.errors import DomainError
from .db import db
from .extensions import babel, csrf, login_manager
from .i18n import compile_catalogs

# Each module's views.py defines `bp`; the order is the order of the navigation.
MODULES = ["main", "accounts", "companies", "admission", "spaces", "leases", "funds", "subsidies", "assessment",
           "exits", "meetings", "budget", "documents", "certificates", "dossier", "reports", "audit"]
LOCALES = ("zh_CN", "en")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(load_config(config)["INSTANCE_DIR"]))
    app.config.update(load_config(config))
    db.init_app(app)
    _init_login(app)
    csrf.init_app(app)
    compile_catalogs(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: "Asia/Shanghai")
    for name in MODULES:
        app.register_blueprint(importlib.import_module(f".{name}.views", __name__).bp)
    _register_template_helpers(app)
    _register_errors(app)
    _register_security_headers(app)
    from .cli import register_cli
    register_cli(app)
    from . import jobs
    jobs.init_app(app)
    logging.basicConfig(level=logging.INFO)
    for noisy in ("weasyprint", "fontTools", "alembic.runtime.plugins"):  # chatty at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return app


def _select_locale() -> str:
    if not has_request_context():  # services called from the CLI, jobs and tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = cookie_session.get("lang")
    if lang in LOCALES:
        return lang
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]  # zh_CN unless configured otherwise


def _init_login(app: Flask) -> None:
    from .accounts.models import AnonymousUser, User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.anonymous_user = AnonymousUser
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(ident: str):
        # the id carries the session version: a logout or password change bumps it and
        # every copied or remembered cookie stops working
        try:
            user_id, version = (int(x) for x in ident.split(":"))
        except ValueError:
            return None
        user = db.session.get(User, user_id)
        if user is None or not user.active or user.session_version != version:
            return None
        return user


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from .core import formatting
    from .core.roles import Role

    @app.context_processor
    def inject():
        return {"Role": Role, "community_name": app.config["COMMUNITY_NAME"], "current_locale": str(get_locale())}

    app.jinja_env.filters["money"] = formatting.format_money
    app.jinja_env.filters["area"] = formatting.format_area
    app.jinja_env.filters["cdate"] = lambda v: formatting.format_date(v, str(get_locale()))
    app.jinja_env.filters["cdatetime"] = lambda v: formatting.format_datetime(v, str(get_locale()))


def _register_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        # a refused change goes back to the page it came from with the reason; refused access
        # (403/404) is shown as such, so it never looks like success
        if request.method == "POST" and exc.status_code in (400, 409):
            flash(exc.message, "danger")
            return redirect(request.referrer or url_for("main.home")), 303
        return render_template("error.html", code=exc.status_code, message=exc.message), exc.status_code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        messages = {
            400: _("The request could not be understood. Please check what you entered."),
            403: _("You do not have access to this page."),
            404: _("The page or record was not found."),
            405: _("This action is not allowed here."),
            413: _("The file is too large."),
            429: _("Too many requests. Please wait a moment."),
        }
        message = messages.get(exc.code, exc.description)
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            message = _("The form expired or was sent from elsewhere. Please reload the page and try again.")
        return render_template("error.html", code=exc.code, message=message), exc.code

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("unhandled error")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be what failed
            app.logger.warning("rollback after an error failed too", exc_info=True)
        return render_template("error.html", code=500,
                               message=_("Something went wrong on our side. Nothing was saved.")), 500


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        if getattr(current_user, "is_authenticated", False):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp
