"""Issue #8 point 15: after ``DELETE /me`` neither the SQLite database file nor its
``-wal`` holds the erased plaintext (secure_delete + a TRUNCATE checkpoint)."""

from __future__ import annotations

from pathlib import Path

from empower_api import create_app
from tests.accounts.test_auth_api import API, STRONG
from tests.conftest import make_config, reset_schema

SECRETS = {
    "alias": "plaintextalias77",
    "device": "PlaintextDeviceLabelAtShelter",
    "city": "Plaintextcityville",
    "skill": "plaintextskillweaving",
    "search": "PlaintextSavedSearchName",
    "query": "plaintextquerybaker",
}


def test_erased_plaintext_is_in_neither_the_database_nor_its_wal(tmp_path: Path):
    db_file = tmp_path / "erase.db"
    app = create_app(make_config(DATABASE_URL=f"sqlite:///{db_file}"))
    reset_schema(app)
    client = app.test_client()
    registered = client.post(f"{API}/auth/register", json={
        "mode": "anonymous", "alias": SECRETS["alias"], "password": STRONG,
        "device_label": SECRETS["device"]})
    assert registered.status_code == 201
    headers = {"Authorization": f"Bearer {registered.get_json()['access_token']}"}
    assert client.patch(f"{API}/me", headers=headers, json={
        "city": SECRETS["city"], "skills": [SECRETS["skill"]]}).status_code == 200
    assert client.post(f"{API}/me/saved-searches", headers=headers, json={
        "name": SECRETS["search"], "query": {"q": SECRETS["query"]}}).status_code == 201
    wal = Path(f"{db_file}-wal")
    stored = db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert all(value.encode() in stored for value in SECRETS.values())  # they were there

    assert client.delete(f"{API}/me", headers=headers, json={"password": STRONG}).status_code == 204

    assert not wal.exists() or wal.stat().st_size == 0
    stored = db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    left = [name for name, value in SECRETS.items() if value.encode() in stored]
    assert left == []
