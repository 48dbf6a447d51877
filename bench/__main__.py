"""``python -m bench all [--scale small|reference|large]``: seed, measure, one table.

Seeds the reference data of the scale into ``DATABASE_URL`` (a SQLite file under
instance/bench/ when unset; reused when already seeded), runs the ``figures()`` of
every module in ``MODULES`` and prints one table: figure, value, unit, target,
met / not met, note. ``python -m bench <module>`` runs one module the same way.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from bench.figures import database_url, figure
from bench.seed import SCALES, ensure_seeded

# Order matters a little: in-process figures first, the HTTP load (which leaves
# savings groups behind) and the fresh-process start-up last.
MODULES = ["jobs_search", "courses_search", "request_path", "savings_load", "http_load",
           "startup"]


def collect(names: list[str], scale: str, url: str,
            log: Callable[[str], Any] = print) -> tuple[list[dict[str, Any]], bool]:
    """Every module's figures, in order; a module that fails gives one failed row.

    Returns ``(rows, ok)``; ``ok`` is false when a module raised.
    """
    rows: list[dict[str, Any]] = []
    ok = True
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.{name}":
                raise
            continue  # not in this checkout
        measure = getattr(module, "figures", None)
        if measure is None:
            rows.append(figure(f"{name}: not measured", None, "", None,
                               note="module has no figures() yet"))
            continue
        started = time.perf_counter()
        log(f"bench: {name} ...")
        try:
            got = measure(scale, url)
        except Exception as error:  # one broken module must not lose the others' figures
            ok = False
            traceback.print_exc()
            rows.append(figure(f"{name}: FAILED", None, "", None, met=False,
                               note=f"{type(error).__name__}: {error}"[:160]))
            continue
        log(f"bench: {name} done in {time.perf_counter() - started:.0f} s")
        rows += [{**row, "module": name} for row in got]
    return rows, ok


def _value(row: dict[str, Any]) -> str:
    value = row["value"]
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return f"{int(value)}"


def _target(row: dict[str, Any]) -> str:
    target = row["target"]
    if target is None:
        return "-"
    if isinstance(target, str):  # a module that words its own target (">= 300 on PostgreSQL")
        return target
    text = f"{target:g}"
    return f"< {text}" if row.get("lower") else f">= {text}"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (readable in a terminal and pasteable)."""
    head = ["figure", "value", "unit", "target", "met", "note"]
    body = [[row["name"], _value(row), row["unit"], _target(row),
             {True: "met", False: "NOT MET", None: "-"}[row["met"]],
             " ".join(str(row["note"]).split())]
            for row in rows]
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in [head, ["-" * w for w in widths], *body]]
    return "\n".join(lines)


def run(argv: list[str] | None = None, modules: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("what", help="'all', or one module: " + ", ".join(MODULES))
    parser.add_argument("--scale", choices=list(SCALES), default="reference")
    parser.add_argument("--reseed", action="store_true",
                        help="drop a database seeded at another scale and seed again")
    parser.add_argument("--seconds", type=float, help="load time per HTTP run (default 10)")
    parser.add_argument("--workers", type=int,
                        help="gunicorn workers (default: production's, 2 x cores + 1)")
    parser.add_argument("--clients", type=int, help="Locust clients (default 8)")
    args = parser.parse_args(argv)
    known = modules or MODULES
    names = known if args.what == "all" else [args.what]
    if args.what != "all" and args.what not in known:
        parser.error(f"unknown benchmark {args.what!r}")
    for option, variable in ((args.seconds, "BENCH_SECONDS"), (args.workers, "BENCH_WORKERS"),
                             (args.clients, "BENCH_CLIENTS")):
        if option is not None:
            os.environ[variable] = str(option)
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    from bench.figures import bench_app

    url = database_url(args.scale)
    engine = url.split(":", 1)[0].split("+")[0]
    started = time.perf_counter()
    seeded = ensure_seeded(bench_app(url), args.scale, reseed=args.reseed)
    counts = ", ".join(f"{table} {n}" for table, n in seeded["counts"].items())
    print(f"bench: {args.scale} data on {engine} "
          f"({'reused' if seeded['reused'] else 'seeded'}; seeding took "
          f"{seeded['seconds']:.0f} s): {counts}", flush=True)
    rows, ok = collect(names, args.scale, url)
    rows.insert(0, figure("seed time", seeded["seconds"], "s", None,
                          note=("reused; " if seeded["reused"] else "") + f"{args.scale} on "
                               f"{engine}"))
    load = os.getloadavg()
    print(f"\n{args.scale} data on {engine}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {load[0]:.1f}, total "
          f"{time.perf_counter() - started:.0f} s\n")
    print(table(rows), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(run())
