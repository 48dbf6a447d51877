"""The API docs UI at ``/docs``, served entirely from this host.

Swagger UI's assets come from the ``flask-swagger-ui`` package (only its bundled
files are used) and the page and its initializer from this folder, so the docs work
on a network with no internet. The page's Content-Security-Policy allows scripts,
styles and requests from this origin only: no inline script, no outside origin.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flask import Blueprint, Response, send_from_directory

HERE = Path(__file__).resolve().parent
ASSETS = Path(str(files("flask_swagger_ui") / "dist"))
SERVED_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png",
                 "favicon-16x16.png"}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

blp = Blueprint("docs_ui", __name__)


def _strict(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blp.get("/docs")
def index() -> Response:
    return _strict(send_from_directory(HERE, "index.html", mimetype="text/html"))


@blp.get("/docs/swagger-initializer.js")
def initializer() -> Response:
    return _strict(send_from_directory(HERE, "swagger-initializer.js",
                                       mimetype="text/javascript"))


@blp.get("/docs/assets/<name>")
def asset(name: str) -> Response:
    if name not in SERVED_ASSETS:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return _strict(send_from_directory(ASSETS, name))
