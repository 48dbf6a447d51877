"""Response headers that protect browsers: CSP, framing, referrer, HSTS, and CORS.

The API answers a phone app, not web pages, so browsers get the strictest policy that
still lets our own HTML pages (docs, staff console) run: scripts, styles and images
from this origin only, never inline, never framed (OWASP Secure Headers Project).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS

# HTML pages: own-origin resources only; no inline script, no plug-ins, no framing.
HTML_POLICY = "; ".join([
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])
# Everything else (JSON): nothing may load or run in its name, nobody may frame it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=63072000; includeSubDomains"


def init_security_headers(app: Flask) -> None:
    """CORS for ``CORS_ORIGINS`` only (none by default), and the headers above."""
    origins = app.config.get("CORS_ORIGINS") or []
    if origins:
        CORS(app, resources={r"/api/*": {"origins": origins}},
             allow_headers=["Authorization", "Content-Type", "Idempotency-Key",
                            "X-Access-Reason", "X-Request-ID", "If-None-Match"],
             expose_headers=["ETag", "Retry-After", "X-Request-ID"], max_age=600)
    production = app.config.get("EMPOWER_ENV") == "production"

    @app.after_request
    def _browser_headers(response: Response) -> Response:
        policy = HTML_POLICY if response.mimetype == "text/html" else DATA_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
