"""The staff console at ``/console``: server-rendered pages for vetting employers,
moderating postings, deciding grants and handling payouts, in a browser.

It is a thin layer over the API's services (same authorization, two-person approval,
budget checks and audit events); it keeps its own cookie session with CSRF-protected
forms, a strict Content-Security-Policy and no inline script or style. Templates and
static files live beside this module; nothing is built and nothing comes from a CDN.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, gettext, ngettext


def _locale() -> str | None:
    return request.accept_languages.best_match(["en"]) or "en"


def init_console(app: Flask) -> None:
    """Register the console's blueprint and its session cookie settings."""
    from empower_api.console import signin
    from empower_api.console.routes import blp

    signin.configure(app)
    if "babel" not in app.extensions:
        Babel(app, locale_selector=_locale, configure_jinja=False)
    # Templates translate with the app's catalogs: {{ _("…") }} and {% trans %}.
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.register_blueprint(blp)
