# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark 4, the chassis: wall time of `farm boot` on one slot and on all
19 in parallel, and of a 19-slot `farm reflash`; where the time goes, per
stage, from farm's own per-slot logs and reflash report.

The 19-slot boot is held against the ideal on this machine,
max(T1, 19 x C1 / cores): T1 is one slot's wall time, C1 the CPU time the
whole machine spent on it (every process: farm, the board, pcinetd, the
TFTP server), read from /proc/stat, so nothing that works for the boot is
left out. Idle boards of the crate are part of that cost, as on a crate.

It runs on a crate of its own (a chassis file like the repository's, its
runtime directory under /tmp), brought up and taken down here.

    .venv/bin/python bench/chassis.py [--runs N] [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from farm.logdir import LogDir

REPO = Path(__file__).resolve().parent.parent
FARM = REPO / ".venv" / "bin" / "farm"
SANDBOX = REPO / "build" / "u-boot-sandbox"
SLOTS = 19
TARGET = 1.25  # the 19-slot boot within 1.25 x the ideal


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release()}


def busy_seconds() -> float:
    """CPU time the whole machine spent outside idle and iowait, in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields) - fields[3] - fields[4]
    return busy / os.sysconf("SC_CLK_TCK")


def farm(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    res = subprocess.run([str(FARM), *args], capture_output=True, text=True,
                         timeout=timeout, check=False)
    if res.returncode != 0:
        raise SystemExit(f"bench/chassis: farm {' '.join(args)} failed ({res.returncode}):\n"
                         f"{res.stdout}{res.stderr}")
    return res


def timed(*args: str) -> tuple[float, float]:
    """Wall and machine CPU seconds of one farm command."""
    c0, t0 = busy_seconds(), time.monotonic()
    farm(*args)
    return time.monotonic() - t0, busy_seconds() - c0


def boot_image(out: Path) -> Path:
    """A 7 MiB FIT, like make demo's (sandbox's bootm takes up to 8 MiB)."""
    image = out / "kernel.itb"
    if not image.exists():
        payload = out / "payload"
        payload.write_bytes(os.urandom(7 << 20))
        subprocess.run([str(SANDBOX / "tools" / "mkimage"), "-f", "auto", "-A", "sandbox",
                        "-O", "linux", "-T", "kernel", "-C", "none", "-a", "0x3000000",
                        "-e", "0x3000000", "-n", "pcinet bench", "-d", str(payload),
                        "-b", str(SANDBOX / "arch/sandbox/dts/pcinet-board.dtb"), str(image)],
                       check=True, capture_output=True)
        payload.unlink()
    return image


def flash_images() -> tuple[Path, Path]:
    """The factory firmware and a relinked one with another version string."""
    factory = SANDBOX / "u-boot-flash.img"
    other = REPO / "build" / "u-boot-sandbox-bench" / "u-boot-flash.img"
    # relinked from the current build: an older one would boot old drivers
    if not other.exists() or other.stat().st_mtime < factory.stat().st_mtime:
        subprocess.run([str(REPO / "scripts" / "uboot.sh"), "variant", "bench"], check=True,
                       capture_output=True)
    return factory, other


def boot_stages(log_dir: Path) -> dict[str, list[float]]:
    """Each stage's times over the slots, from farm boot's per-slot logs."""
    stages: dict[str, list[float]] = {}
    logs = LogDir(log_dir)
    for log in (logs.slot_log(n, "boot") for n in range(1, SLOTS + 1)):
        if not log.exists():
            continue
        text = log.read_text(errors="replace")
        block = text.split("== stages", 1)[1].split("\n== ", 1)[0] if "== stages" in text else ""
        for m in re.finditer(r"^(\w+)\s+([\d.]+) s$", block, re.M):
            stages.setdefault(m.group(1), []).append(float(m.group(2)))
    return stages


def reflash_stages(report: Path) -> dict[str, list[float]]:
    stages: dict[str, list[float]] = {}
    for row in json.loads(report.read_text())["slots"]:
        for name, t in row["stages"].items():
            stages.setdefault(name, []).append(float(t))
    return stages


def summary(stages: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {name: {"median_s": round(statistics.median(ts), 3), "max_s": round(max(ts), 3)}
            for name, ts in stages.items()}


@contextmanager
def crate(tmp: Path) -> Iterator[Path]:
    """The repository's chassis file with its runtime directory in tmp; up, then down."""
    text = (REPO / "farm" / "chassis.yaml").read_text()
    if "  slots: 19 " not in text:
        raise SystemExit("bench/chassis: farm/chassis.yaml no longer has its 'slots: 19' line")
    f = tmp / "chassis.yaml"
    f.write_text(text.replace("  slots: 19 ", f"  dir: {tmp / 'crate'}\n  slots: 19 "))
    try:
        farm("sim", "up", "--chassis", str(f))
        yield f
    finally:
        subprocess.run([str(FARM), "sim", "down", "--chassis", str(f)], capture_output=True,
                       timeout=300, check=False)


def run(runs: int, out: Path) -> dict[str, Any]:
    image = boot_image(out)
    factory, other = flash_images()
    cores = os.cpu_count() or 1
    t1s: list[float] = []
    c1s: list[float] = []
    t19s: list[float] = []
    c19s: list[float] = []
    reflash_s: list[float] = []
    stages1: dict[str, list[float]] = {}
    stages19: dict[str, list[float]] = {}
    stages_reflash: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="pcinet-bench-") as d, crate(Path(d)) as f:
        ch = ["--chassis", str(f)]
        farm("boot", "7", "--kernel", str(image), "--log-dir", f"{d}/warm", *ch)  # warm caches
        for n in range(runs):
            t, c = timed("boot", "7", "--kernel", str(image), "--log-dir", f"{d}/one{n}", *ch)
            t1s.append(t)
            c1s.append(c)
            for k, v in boot_stages(Path(f"{d}/one{n}")).items():
                stages1.setdefault(k, []).extend(v)
            t, c = timed("boot", "--all", "--kernel", str(image), "--log-dir", f"{d}/all{n}", *ch)
            t19s.append(t)
            c19s.append(c)
            for k, v in boot_stages(Path(f"{d}/all{n}")).items():
                stages19.setdefault(k, []).extend(v)
            # there and back: every run writes a different image into all 19 flashes
            img = other if n % 2 == 0 else factory
            t, _ = timed("reflash", "--all", "--image", str(img), "--log-dir", f"{d}/flash{n}", *ch)
            reflash_s.append(t)
            for k, v in reflash_stages(LogDir(Path(f"{d}/flash{n}")).reflash_report).items():
                stages_reflash.setdefault(k, []).extend(v)
        if runs % 2:  # leave the factory image, as a crate should be found
            farm("reflash", "--all", "--image", str(factory), "--log-dir", f"{d}/restore", *ch)
    t1, c1 = statistics.median(t1s), statistics.median(c1s)
    t19 = statistics.median(t19s)
    ideal = max(t1, SLOTS * c1 / cores)
    return {
        "benchmark": "chassis",
        "machine": machine(),
        "runs": runs,
        "boot_1": {"wall_s": [round(x, 3) for x in t1s], "cpu_s": [round(x, 3) for x in c1s],
                   "median_wall_s": round(t1, 3), "median_cpu_s": round(c1, 3),
                   "stages": summary(stages1)},
        "boot_19": {"wall_s": [round(x, 3) for x in t19s], "cpu_s": [round(x, 3) for x in c19s],
                    "median_wall_s": round(t19, 3),
                    "median_cpu_s": round(statistics.median(c19s), 3),
                    "stages": summary(stages19)},
        "ideal_19_s": round(ideal, 3),
        "boot_19_over_ideal": round(t19 / ideal, 3),
        "target_over_ideal": TARGET,
        "reflash_19": {"wall_s": [round(x, 3) for x in reflash_s],
                       "median_wall_s": round(statistics.median(reflash_s), 3),
                       "stages": summary(stages_reflash)},
    }


def table(r: dict[str, Any]) -> str:
    lines = [f"chassis ({r['machine']['cores']} cores, {r['runs']} runs, medians)",
             f"  farm boot 7        {r['boot_1']['median_wall_s']:7.2f} s wall  "
             f"{r['boot_1']['median_cpu_s']:6.2f} s CPU",
             f"  farm boot --all    {r['boot_19']['median_wall_s']:7.2f} s wall  "
             f"{r['boot_19']['median_cpu_s']:6.2f} s CPU",
             f"  ideal, 19 slots    {r['ideal_19_s']:7.2f} s = max(T1, 19 x C1 / cores)",
             f"  boot --all / ideal {r['boot_19_over_ideal']:7.2f}   (target <= {TARGET})",
             f"  farm reflash --all {r['reflash_19']['median_wall_s']:7.2f} s wall",
             "  stages (median s per slot):  " + "  ".join(
                 f"{k} {v['median_s']:.2f}" for k, v in r["boot_19"]["stages"].items()),
             "  reflash stages (median s):   " + "  ".join(
                 f"{k} {v['median_s']:.2f}" for k, v in r["reflash_19"]["stages"].items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--runs", type=int, default=3, help="runs of each figure (median)")
    p.add_argument("--quick", action="store_true", help="one run")
    p.add_argument("--json", type=Path, default=REPO / "build" / "bench" / "chassis.json")
    args = p.parse_args(argv)
    for need in (FARM, SANDBOX / "u-boot", SANDBOX / "tools" / "mkimage"):
        if not need.exists():
            print(f"bench/chassis: {need} missing: make venv sim host uboot", file=sys.stderr)
            return 2
    out = REPO / "build" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    result = run(1 if args.quick else max(1, args.runs), out)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(table(result))
    print(f"bench/chassis: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
