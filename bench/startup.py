"""Start-up time: ``create_app()`` plus the first request, in fresh processes.

Target (DESIGN.md §6): under 1.5 s. Run: ``.venv/bin/python bench/startup.py [runs]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys

CHILD = r"""
import time
t0 = time.perf_counter()
from empower_api import create_app
app = create_app()
status = app.test_client().get("/api/v1/jobs?limit=20").status_code
print(f"{time.perf_counter() - t0:.4f} {status}")
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                             check=True).stdout.split()
        times.append(float(out[0]))
    print(f"create_app + first request over {runs} fresh processes: "
          f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
          f"(target < 1500 ms)")


if __name__ == "__main__":
    main()
