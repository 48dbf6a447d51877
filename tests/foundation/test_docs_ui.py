"""The docs UI at /docs works with no network: every asset comes from this host, under a
Content-Security-Policy that allows no inline script and no outside origin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Only this host resolves: anything the page tried to fetch from elsewhere would fail.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"


def references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)


def test_docs_page_references_no_external_origin(client):
    response = client.get("/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    refs = references(html)
    assert refs, "the page loads its assets"
    external = [r for r in refs if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", r, re.I)]
    assert not external
    assert "http://" not in html and "https://" not in html


def test_docs_page_has_no_inline_script_and_a_strict_policy(client):
    response = client.get("/docs")
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    policy = dict(part.strip().split(" ", 1) for part in
                  response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["style-src"] == "'self'"


def test_every_asset_the_page_needs_is_served_here(client):
    html = client.get("/docs").get_data(as_text=True)
    for ref in references(html):
        response = client.get(ref)
        assert response.status_code == 200, ref
        assert response.headers["Content-Security-Policy"]
    initializer = client.get("/docs/swagger-initializer.js").get_data(as_text=True)
    assert "/api/v1/openapi.json" in initializer
    assert "validatorUrl: null" in initializer  # the default posts the spec to an outsider
    assert "http" not in initializer.replace("/api/v1/openapi.json", "")


def test_only_known_assets_are_served(client):
    assert client.get("/docs/assets/LICENSE").status_code == 404
    assert client.get("/docs/assets/..%2f__init__.py").status_code == 404


@pytest.fixture
def served(app) -> Iterator[str]:
    port = int(os.environ.get("TEST_HTTP_PORT", "0"))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-dev-shm-usage", OFFLINE, "--virtual-time-budget=20000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (.ci/run installs "
                                             "it); the no-external-origin tests still run")
def test_docs_render_offline_in_a_headless_browser(served):
    dom = _chromium("--dump-dom", f"{served}/docs")
    assert dom.returncode == 0, dom.stderr[-2000:]
    # Swagger UI drew the operations from /api/v1/openapi.json: it ran and fetched locally.
    assert "opblock" in dom.stdout
    # The first tags render first (Swagger UI draws a long document in steps).
    assert "Create an account: anonymous (alias) or identified" in dom.stdout
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs-ui.png"
    shot.unlink(missing_ok=True)
    result = _chromium(f"--screenshot={shot}", "--window-size=1280,1600", f"{served}/docs")
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
