"""Rendering console pages: the layout's context, service errors shown as messages, and
the headers every console page carries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import marshmallow as ma
from flask import Response, flash, g, make_response, render_template
from flask_babel import format_currency, format_datetime, get_locale
from flask_babel import gettext as _

from empower_api.db import db
from empower_api.errors import DomainError, Invalid
from empower_api.i18n import msg, translate
from empower_api.money import MINOR_UNIT_DIGITS, to_major

# Own origin only; no inline script or style (not even 'unsafe-inline'); never framed.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
])


def protect(response: Response) -> Response:
    """The console's headers (the app's own defaults add no-store caching and nosniff)."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def layout_context() -> dict[str, Any]:
    """What base.html needs: language and direction, the signed-in staff member, CSRF."""
    locale = get_locale()
    return {
        "lang": str(locale).replace("_", "-") if locale else "en",
        "dir": "rtl" if locale is not None and locale.character_order == "right-to-left"
        else "ltr",
        "staff": g.get("console_user"),
        "csrf_token": _csrf_token,
    }


def _csrf_token() -> str:
    # Flask-WTF (and WTForms) load with the first console page, not at start-up.
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()  # type: ignore[no-any-return]


def money(amount: int | None, currency: str) -> str:
    """An amount in minor units, shown in the page's language (12550, USD → $125.50)."""
    if amount is None:
        return "—"
    return format_currency(to_major(amount, currency), currency)


def when(moment: datetime | None) -> str:
    return format_datetime(moment, "medium") if moment is not None else "—"


def render(template: str, status: int = 200, **context: Any) -> Response:
    """A console page (``template`` under templates/console/) with ``status``."""
    return make_response(render_template(f"console/{template}", **context), status)


def error_page(status: int, message: str) -> Response:
    """The console's error page; it also answers URLs that matched no console route,
    where the blueprint's context processor does not run, so the layout comes along."""
    return render("error.html", status, message=message, **layout_context())


def load(schema: type[ma.Schema], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` checked by the same schema the API's route uses; ``Invalid`` naming
    the fields otherwise."""
    try:
        return schema().load(data)
    except ma.ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {
            "_schema": error.messages}
        raise Invalid(errors={field: [str(m) for m in (msgs if isinstance(msgs, list)
                                                        else [msgs])]
                              for field, msgs in messages.items()}) from None


def refused(error: DomainError, labels: Mapping[str, str] | None = None) -> int:
    """A service said no: keep what it asked to keep (``commit``), undo the rest, and
    show its reason as a message, in the page's language. Returns the status the page
    is sent with."""
    if error.commit:
        db.session.commit()
    else:
        db.session.rollback()
    if isinstance(error, Invalid) and error.errors:
        for field, messages in error.errors.items():
            label = (labels or {}).get(field, field)
            for message in messages:
                flash(_("%(field)s: %(message)s", field=label, message=translate(message)),
                      "error")
    else:
        flash(said(error), "error")
    return error.status


def said(error: DomainError) -> str:
    """A service's reason (English, or an i18n ``Message`` with values) in the page's
    language, as the API's problem documents say it (``empower_api.i18n.translate``)."""
    return translate(error.detail) if error.detail else _("This could not be done.")


def parse_amount(text: str, currency: str, field: str) -> int | None:
    """A typed amount in major units ("125.50") as minor units of ``currency``; empty
    → None. Raises ``Invalid`` on ``field`` for anything else, or too many decimals."""
    text = (text or "").strip()
    if not text:
        return None
    digits = MINOR_UNIT_DIGITS.get(currency, 2)
    match = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]+))?", text)
    if match is None or len(match[2] or "") > digits:
        raise Invalid(field, msg("Type an amount like {example}.",
                                 example="125" if digits == 0 else "125." + "5" * digits))
    return int(match[1]) * 10 ** digits + int((match[2] or "").ljust(digits, "0") or "0")
