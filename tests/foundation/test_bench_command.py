"""`python -m bench all`: the seeding and the one table work (structure only, never timed).

Runs the command's machinery on the ``tiny`` scale in a temporary SQLite file, with
stand-in benchmark modules so it takes seconds: the real modules measure for minutes.
"""

from __future__ import annotations

import os
import sys
import types
import uuid

import pytest
from sqlalchemy import create_engine, text

from bench import __main__ as bench_main
from bench.figures import figure
from bench.seed import SeedMismatch, ensure_seeded
from tests.conftest import TEST_CONFIG


@pytest.fixture(autouse=True)
def _logging_as_it_was(monkeypatch):
    """The bench quietens logging for its own process (LOG_LEVEL, the root level) and
    may create the first app while stderr is captured: put all three back for the
    tests that follow, which read request log lines."""
    import logging

    monkeypatch.setenv("LOG_LEVEL", os.environ.get("LOG_LEVEL", "INFO"))  # restored after
    root = logging.getLogger()
    level = root.level
    handler = next((h for h in root.handlers if h.get_name() == "empower_json"), None)
    stream = getattr(handler, "stream", None)
    yield
    root.setLevel(level)
    current = next((h for h in root.handlers if h.get_name() == "empower_json"), None)
    if current is not None:
        # not setStream: it flushes the old stream, which capture may have closed
        current.stream = stream if handler is current and stream is not None else sys.__stderr__


@pytest.fixture
def bench_db(tmp_path, monkeypatch):
    """A fresh SQLite file as DATABASE_URL, the test secrets in the environment."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for key, value in TEST_CONFIG.items():
        if isinstance(value, str):
            monkeypatch.setenv(key, value)
    return url


def _module(monkeypatch, name: str, **attrs) -> None:
    module = types.ModuleType(f"bench.{name}")
    for key, value in attrs.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, f"bench.{name}", module)


def test_bench_all_seeds_once_and_prints_one_table(bench_db, monkeypatch, capsys):
    seen = []

    def fast_figures(scale: str, database_url: str) -> list[dict]:
        seen.append((scale, database_url))
        return [figure("a ratio", 0.7, "ratio", 0.6, note="same run"),
                figure("a size", 20_000, "bytes", 16384, lower=True),
                figure("a floor", 1234.5, "req/s", None)]

    def broken_figures(scale: str, database_url: str) -> list[dict]:
        raise RuntimeError("server did not start")

    _module(monkeypatch, "probe_fast", figures=fast_figures)
    _module(monkeypatch, "probe_broken", figures=broken_figures)
    _module(monkeypatch, "probe_bare")  # no figures() yet
    modules = ["probe_fast", "probe_broken", "probe_bare", "not_in_this_checkout"]

    status = bench_main.run(["all", "--scale", "tiny"], modules=modules)
    out = capsys.readouterr().out
    assert status == 1  # a module raised: the run says so, the others' figures remain
    assert seen == [("tiny", bench_db)]
    assert "tiny data on sqlite (seeded;" in out
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert [c.strip() for c in table[0].strip("|").split("|")] == [
        "figure", "value", "unit", "target", "met", "note"]
    rows = {cells[0]: cells for cells in
            ([c.strip() for c in line.strip("|").split("|")] for line in table[2:])}
    assert rows["a ratio"][1:5] == ["0.70", "ratio", ">= 0.6", "met"]
    assert rows["a size"][1:5] == ["20000", "bytes", "< 16384", "NOT MET"]
    assert rows["a floor"][3:5] == ["-", "-"]
    assert rows["probe_broken: FAILED"][4] == "NOT MET"
    assert "server did not start" in rows["probe_broken: FAILED"][5]
    assert rows["probe_bare: not measured"][5] == "module has no figures() yet"
    assert rows["seed time"][2] == "s"
    assert len(table) == 2 + 1 + 3 + 2  # head, rule, seed time, three figures, two notes

    engine = create_engine(bench_db)
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("jobs", "courses", "users", "savings_groups")]
    assert counts == [200, 40, 100, 3]

    # A second run reuses the data instead of seeding again.
    assert bench_main.run(["probe_fast", "--scale", "tiny"], modules=["probe_fast"]) == 0
    assert "tiny data on sqlite (reused;" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == 200


def test_seeded_savings_groups_balance_and_other_scales_are_refused(bench_db):
    from bench.figures import bench_app
    from empower_api.db import db
    from empower_api.savings import service
    from empower_api.savings.models import SavingsGroup

    app = bench_app(bench_db)
    assert ensure_seeded(app, "tiny", log=lambda _m: None)["reused"] is False
    with app.app_context():
        groups = db.session.query(SavingsGroup).all()
        checks = [service.check_ledger(db.session, group_id=g.id) for g in groups]
    assert len(checks) == 3 and all(c.balanced and c.transactions == 24 for c in checks)

    with pytest.raises(SeedMismatch, match="'tiny' bench data"):
        ensure_seeded(app, "small", log=lambda _m: None)


def test_bench_refuses_a_database_that_is_not_a_bench_database(bench_db):
    from bench.figures import bench_app
    from empower_api.accounts.models import User
    from empower_api.db import db
    from empower_api.models import metadata

    app = bench_app(bench_db)
    with app.app_context():
        metadata.create_all(db.engine)
        db.session.add(User(id=uuid.uuid4(), role="survivor", anonymous=True, languages=[],
                            skills=[]))
        db.session.commit()
    with pytest.raises(SeedMismatch, match="no bench marker"):
        ensure_seeded(app, "tiny", log=lambda _m: None)


def test_a_part_whose_schema_or_code_changed_alone_is_seeded_again(bench_db, monkeypatch):
    from bench import seed
    from bench.figures import bench_app

    app = bench_app(bench_db)
    quiet = {"log": lambda _m: None}
    assert ensure_seeded(app, "tiny", **quiet)["seeded"] == ["jobs", "courses", "users",
                                                             "savings"]
    real = seed.fingerprint
    monkeypatch.setattr(seed, "fingerprint", lambda part: real(part)[:15] + (
        "x" if part.name == "savings" else real(part)[15:]))
    again = ensure_seeded(app, "tiny", **quiet)
    assert again["seeded"] == ["savings"]
    assert again["counts"]["savings_groups"] == 3
    assert again["counts"]["savings_ledger_entries"] == 3 * 4 * 6 * 2
    assert again["counts"]["jobs"] == 200 and again["counts"]["users"] == 100
    assert ensure_seeded(app, "tiny", **quiet)["reused"] is True


def test_locust_stats_are_read_from_the_aggregated_row(tmp_path):
    from bench.http_load import read_stats

    head = ("Type,Name,Request Count,Failure Count,Median Response Time,"
            "Average Response Time,Requests/s,99%\n")
    stats = tmp_path / "run_stats.csv"
    stats.write_text(head + "GET,me,120,1,12,13.5,24.0,40\n,Aggregated,120,1,12,13.5,24.0,40\n")
    assert read_stats(stats) == {"rps": 24.0, "requests": 120, "failures": 1,
                                 "median_ms": 12.0, "p99_ms": 40.0}
    stats.write_text(head + ",Aggregated,0,0,0,0,0,N/A\n")  # nothing completed
    assert read_stats(stats)["p99_ms"] == 0.0
