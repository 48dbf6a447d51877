"""Public credential verification is rate limited per IP."""

from __future__ import annotations

from empower_api import create_app
from tests.conftest import assert_problem, make_config


def test_verify_is_rate_limited_per_ip(database_url):
    app = create_app(make_config(DATABASE_URL=database_url, RATELIMIT_ENABLED=True,
                                 RATELIMIT_VERIFY="3/minute"))
    client = app.test_client()
    statuses = [client.post("/api/v1/credentials/verify", json={"jws": "x.y.z"},
                            environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.post("/api/v1/credentials/verify", json={"jws": "x.y.z"},
                        environ_base={"REMOTE_ADDR": "10.9.0.2"})
    assert other.status_code == 200
    assert_problem(client.post("/api/v1/credentials/verify", json={"jws": "x.y.z"},
                               environ_base={"REMOTE_ADDR": "10.9.0.1"}), 429)
