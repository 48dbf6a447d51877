"""The floor: a bare Flask app answering fixed JSON bodies (bench/request_path.py).

``BARE_BODIES`` names a JSON file mapping each path (with its query string) to the
body the API answered there; this app returns that body from memory for the same
path, with Flask's own JSON response and nothing else (no database, no extensions).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, request

app = Flask(__name__)
BODIES: dict[str, Any] = json.loads(Path(os.environ["BARE_BODIES"]).read_text())


@app.get("/<path:_path>")
def answer(_path: str) -> Any:
    """The stored body of this path (404 for one not stored)."""
    body = BODIES.get(request.full_path.removesuffix("?"))
    return body if body is not None else ({"status": 404}, 404)
