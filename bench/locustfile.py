"""Locust users for ``bench.http_load`` (run headless by it; not imported by the app).

``BENCH_MODE`` picks what every simulated client does, back to back (no think time):

- ``me``: ``GET /api/v1/me`` with ``BENCH_TOKEN`` (an authenticated trivial GET);
- ``search``: public ``GET /api/v1/jobs?...``, each path drawn from ``BENCH_PATHS`` (a
  JSON list of ``[path, weight]``, the Zipf weights of the query mix);
- ``savings``: ``POST /api/v1/savings/groups/{id}/transactions`` as an officer, one
  plan of ``BENCH_PLANS`` (JSON list) per client, each posting a new ``client_id``.

The same file drives the app and the bare Flask floor; the bare app answers every
path with a fixed body, so the client side does identical work for both.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, constant, task

MODE = os.environ.get("BENCH_MODE", "me")
TOKEN = os.environ.get("BENCH_TOKEN", "")


def _load(variable: str) -> list:
    """The JSON list in the file named by ``variable`` (empty when unset)."""
    if not os.environ.get(variable):
        return []
    with open(os.environ[variable]) as handle:
        return json.load(handle)


PATHS: list[tuple[str, float]] = _load("BENCH_PATHS")
PLANS: list[dict] = _load("BENCH_PLANS")
_numbers = itertools.count()


class BenchUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_numbers)
        self.rng = random.Random(number)
        self.plan = PLANS[number % len(PLANS)] if PLANS else None
        self.paths = [p for p, _ in PATHS]
        self.cum = list(itertools.accumulate(w for _, w in PATHS))

    @task
    def one(self) -> None:
        if MODE == "me":
            self.client.get("/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}"},
                            name="me")
        elif MODE == "search":
            path = self.rng.choices(self.paths, cum_weights=self.cum)[0]
            self.client.get(path, name="search")
        else:
            plan = self.plan
            body = {"client_id": str(uuid.uuid4()), "meeting_id": plan["meeting_id"],
                    "member_id": self.rng.choice(plan["member_ids"]),
                    "type": "share_purchase", "shares": 1}
            self.client.post(f"/api/v1/savings/groups/{plan['group_id']}/transactions",
                             json=body, name="savings",
                             headers={"Authorization": f"Bearer {plan['token']}"})
