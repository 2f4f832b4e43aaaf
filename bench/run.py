# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: every benchmark in one run, side by side, on this machine.

Runs bench/tftp.py, bench/link.py, bench/console.py and bench/chassis.py
(each brings up what it measures and takes it down again), prints their
tables and merges their JSON into build/bench.json. A benchmark that fails
is reported and the others still run; the exit status says whether all
ran. docs/benchmarks.md explains each figure.

    .venv/bin/python bench/run.py [--quick] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = ("tftp", "link", "console", "chassis")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="fewer runs of each figure")
    p.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    args = p.parse_args(argv)
    out = REPO / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    benchmarks: dict[str, Any] = {}
    merged = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "host": platform.node(), "kernel": platform.release(), "benchmarks": benchmarks}
    failed = []
    for name in args.only:
        script = REPO / "bench" / f"{name}.py"
        if not script.exists():
            print(f"== {name}: not written yet ({script.relative_to(REPO)})", flush=True)
            failed.append(name)
            continue
        result = out / f"{name}.json"
        result.unlink(missing_ok=True)
        print(f"== {name}", flush=True)
        t0 = time.monotonic()
        res = subprocess.run([sys.executable, str(script), "--json", str(result)]
                             + (["--quick"] if args.quick else []), check=False)
        if res.returncode != 0 or not result.exists():
            print(f"== {name}: FAILED (exit {res.returncode})", flush=True)
            failed.append(name)
            continue
        print(f"== {name}: {time.monotonic() - t0:.0f} s", flush=True)
        benchmarks[name] = json.loads(result.read_text())
    (REPO / "build" / "bench.json").write_text(json.dumps(merged, indent=1) + "\n")
    print(f"make bench: {len(args.only) - len(failed)} of {len(args.only)} benchmarks ran"
          + (f"; not: {', '.join(failed)}" if failed else "") + "; build/bench.json")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
