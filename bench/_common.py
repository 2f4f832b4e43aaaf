# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers of bench/link.py and bench/console.py (prefix lc_: link/console).

A one-slot simulated chassis brought up with the real `pcinet-sim up` and
always taken down again, the machine's description, medians, the JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from farm.hostctl import host_request

REPO = Path(__file__).resolve().parent.parent
PCINET_SIM = Path(sys.executable).parent / "pcinet-sim"


def lc_machine() -> dict[str, Any]:
    """CPU model, cores, kernel: enough to tell two runs' machines apart."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
            "loadavg": list(os.getloadavg())}


def lc_median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def lc_args(name: str, doc: str, runs: int,
            more: Callable[[argparse.ArgumentParser], object] | None = None
            ) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=f"bench/{name}.py", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=None,
                   help=f"runs per figure (default {runs}, 2 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="short runs, for development on a busy machine")
    p.add_argument("--json", type=Path, default=REPO / "build" / "bench" / f"{name}.json",
                   help=f"where the JSON result goes (default build/bench/{name}.json)")
    p.add_argument("--dir", type=Path, default=None,
                   help="chassis directory (default: a fresh one under /tmp)")
    if more:
        more(p)
    args = p.parse_args()
    args.runs = max(1, args.runs or (2 if args.quick else runs))
    return args


def lc_write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\nJSON: {path}")


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def lc_chassis(directory: Path, *extra: str, boot_timeout: float = 120) -> Iterator[Path]:
    """`pcinet-sim up --slots 1` in directory, `pcinet-sim down` on every way out.

    SIGTERM and SIGHUP become SystemExit so the finally clause runs; only the
    chassis this process brought up is taken down (by its own directory).
    """
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        res = subprocess.run([str(PCINET_SIM), "up", "--dir", str(directory), "--slots", "1",
                              "--boot-timeout", str(boot_timeout), *extra],
                             capture_output=True, text=True, timeout=boot_timeout + 60,
                             check=False)
        if res.returncode != 0:
            raise RuntimeError(f"pcinet-sim up failed: {res.stdout}{res.stderr}")
        wait_socket(directory / "pcinetd.sock", 30)
        yield directory
    finally:
        subprocess.run([str(PCINET_SIM), "down", "--dir", str(directory)],
                       capture_output=True, text=True, timeout=120, check=False)


def wait_socket(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear")
        time.sleep(0.05)


def lc_pcinetd(directory: Path, line: str) -> dict[str, Any]:
    """One command on pcinetd's control socket; its JSON answer (farm's client)."""
    return host_request(directory / "pcinetd.sock", line)


def lc_slot(directory: Path, n: int = 1) -> dict[str, Any]:
    row: dict[str, Any] = lc_pcinetd(directory, f"status {n}")["slot"]
    return row


def lc_wait(what: str, cond: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)
