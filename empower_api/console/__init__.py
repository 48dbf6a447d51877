"""The staff console at ``/console``: server-rendered pages for vetting employers,
moderating postings, deciding grants and handling payouts, in a browser.

It is a thin layer over the API's services (same authorization, two-person approval,
budget checks and audit events); it keeps its own cookie session with CSRF-protected
forms, a strict Content-Security-Policy and no inline script or style. Templates and
static files live beside this module; nothing is built and nothing comes from a CDN.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext, ngettext


def init_console(app: Flask) -> None:
    """Register the console's blueprint and its session cookie settings."""
    from empower_api.console import signin
    from empower_api.console.routes import blp, http_error_page
    from empower_api.errors import serve_error_pages

    signin.configure(app)
    # The language is empower_api.i18n's (init_i18n runs first): the signed-in staff
    # member's ``locale``, else Accept-Language. flask-babel's gettext reads the same
    # catalogs as the API (empower_api/translations), in Python (``_``) and in the
    # templates: {{ _("…") }} and {% trans %}.
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    app.register_blueprint(blp)
    # An unknown /console address or method gets the console's HTML page, not JSON.
    serve_error_pages(app, blp.url_prefix or "/console", http_error_page)
