"""Start-up time: ``create_app()`` plus the first request, in fresh processes.

Each run is a new Python process that imports the app, builds it against the bench
database and answers ``GET /api/v1/jobs?limit=20`` through the test client; the time
is from before the import to the response. Target (bench/README.md): under 1.5 s.
Bytecode is cached as a deployment would have it (``PYTHONDONTWRITEBYTECODE`` is
dropped and one unmeasured run writes the ``.pyc`` files); the note also gives the
CPU seconds, which a busy machine inflates less than the wall clock.

    .venv/bin/python -m bench startup [--scale small]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from typing import Any

from bench.figures import ROOT, figure

RUNS = 3
CHILD = r"""
import time
t0, c0 = time.perf_counter(), time.process_time()
from empower_api import create_app
app = create_app({"RATELIMIT_ENABLED": False})
status = app.test_client().get("/api/v1/jobs?limit=20").status_code
print(f"{time.perf_counter() - t0:.4f} {time.process_time() - c0:.4f} {status}")
"""


def startup_seconds(database_url: str, runs: int = RUNS) -> list[tuple[float, float]]:
    """``(wall, cpu)`` seconds from import to first response, one per fresh process.

    Raises RuntimeError when the first request does not answer 200.
    """
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times = []
    for run in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                             check=True, env=env, cwd=ROOT).stdout.split()
        if out[-1] != "200":
            raise RuntimeError(f"first request answered {out[-1]}")
        if run:  # the first run only writes bytecode
            times.append((float(out[-3]), float(out[-2])))
    return times


def figures(scale: str, database_url: str) -> list[dict[str, Any]]:
    times = startup_seconds(database_url)
    wall = [w for w, _ in times]
    cpu = statistics.median(c for _, c in times)
    return [figure("create_app() + first request", statistics.median(wall), "s", 1.5,
                   lower=True, note=f"median of {len(times)} fresh processes (max "
                                    f"{max(wall):.2f} s), {cpu:.2f} s of CPU; {scale} data")]


def main() -> int:
    from bench.__main__ import run

    return run(["startup", *sys.argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
