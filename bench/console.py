# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark 3, the console: the pty of pcinetd to a U-Boot board and back.

    .venv/bin/python bench/console.py [--runs N] [--quick] [--json FILE]

Brings up a one-slot chassis whose board is U-Boot sandbox with the PCINet
serial driver (sim/board/uboot-board.sh), served by pcinetd: the console a
user gets, measured where the user sits, on the slot's pty in raw mode.

- latency: one character typed, the time until U-Boot's echo of it is read
  back (pty -> pcinetd -> IMR0 -> U-Boot getc/putc -> OMR0 -> pcinetd ->
  pty); p50 and p99 per run;
- host -> board: lines `echo <200 characters>` typed as one flood, while the
  echo and the command's output come back; KiB/s of typed bytes until the
  last byte of output has arrived, which must match byte for byte;
- board -> host: `md.b` of a region filled with `mw.b`; KiB/s of the output,
  which must match the expected dump byte for byte.

Both are compared with a 115200-baud line (8N1: 11 520 bytes/s). pcinetd's
console counters (bytes in, out, to the pty, dropped, duplicates) are
compared with what was typed and read: no loss means all agree.
"""

from __future__ import annotations

import os
import random
import re
import string
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pcinet_sim.layout import Layout

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PROMPT,
    REPO,
    Console,
    lc_args,
    lc_chassis,
    lc_machine,
    lc_median,
    lc_slot,
    lc_write_json,
)

PROMPT_RE = re.compile(re.escape(PROMPT))
BAUD_115200 = 11520.0  # bytes/s, 8N1
UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"
UBOOT_BOARD = REPO / "sim" / "board" / "uboot-board.sh"
MEM = 0x1000000  # sandbox RAM the dump reads
COUNTERS = ("console_bytes_in", "console_bytes_out", "console_bytes_to_pty",
            "console_dropped", "console_duplicates", "console_discarded", "console_stalls")


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def latency(con: Console, trips: int) -> list[float]:
    """Seconds per single-character round trip; the line is flushed every 50."""
    samples: list[float] = []
    typed = 0
    while len(samples) < trips:
        start = len(con.received)
        t0 = time.perf_counter()
        con.write(b"a")
        while len(con.received) == start:
            con.read_some(5.0)
            if time.perf_counter() - t0 > 5:
                raise RuntimeError("no echo within 5 s")
        samples.append(time.perf_counter() - t0)
        if con.received[start:] != b"a":
            raise RuntimeError(f"echo was {bytes(con.received[start:])!r}")
        typed += 1
        if typed == 50 or len(samples) == trips:
            # "aaa...": an unknown command, answered with a prompt (untimed)
            mark = len(con.received)
            con.write(b"\r")
            con.expect(PROMPT_RE, mark, 30.0)
            con.quiet(0.05)
            typed = 0
    return samples


def flood_in(con: Console, nbytes: int, seed: int) -> dict[str, Any]:
    """Type nbytes of `echo` lines in one go; all output back, exact."""
    rnd = random.Random(seed)
    alphabet = (string.ascii_letters + string.digits).encode()
    typed = bytearray()
    expected = bytearray()
    while len(typed) < nbytes:
        line = bytes(rnd.choices(alphabet, k=200))
        typed += b"echo " + line + b"\r"
        expected += b"echo " + line + b"\r\n" + line + b"\r\n" + PROMPT
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            con.write(bytes(typed))
        except BaseException as e:
            errors.append(e)

    start = len(con.received)
    t0 = time.monotonic()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    last, progress = start, t0
    while len(con.received) - start < len(expected):
        if time.monotonic() - progress > 30:
            raise RuntimeError(f"flood stuck at {len(con.received) - start} of "
                               f"{len(expected)} bytes")
        con.read_some(0.2)
        if len(con.received) != last:
            last, progress = len(con.received), time.monotonic()
    took = time.monotonic() - t0
    thread.join(30)
    if errors:
        raise RuntimeError(f"writer: {errors}")
    got = bytes(con.received[start:start + len(expected)])
    return {"typed_bytes": len(typed), "output_bytes": len(expected), "seconds": took,
            "kib_per_s": len(typed) / took / 1024, "exact": got == bytes(expected)}


def dump_out(con: Console, nbytes: int) -> dict[str, Any]:
    """`md.b` of nbytes filled with 0x5a; the dump's rate and exactness."""
    con.command(f"mw.b {MEM:x} 5a {nbytes:x}")
    cmd = f"md.b {MEM:x} {nbytes:x}"
    start = len(con.received)
    t0 = time.monotonic()
    con.write(cmd.encode() + b"\r")
    end = con.expect(re.compile(re.escape(b"\r\n" + PROMPT)), start + len(cmd) + 2, 300).end()
    took = time.monotonic() - t0
    out = bytes(con.received[start + len(cmd) + 2:end - len(PROMPT)])
    lines = out.split(b"\r\n")[:-1]
    exact = len(lines) == nbytes // 16 and bool(lines)
    if exact:
        m = re.match(rb"([0-9a-f]{8})(.*)", lines[0])
        exact = m is not None and int(m.group(1), 16) == MEM
        if m is not None:
            rest = m.group(2)
            exact = exact and all(line == b"%08x" % (MEM + 16 * i) + rest
                                  for i, line in enumerate(lines))
    return {"dumped_bytes": nbytes, "output_bytes": len(out), "seconds": took,
            "kib_per_s": len(out) / took / 1024, "exact": exact}


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, int]:
    return {k: int(after[k]) - int(before[k]) for k in COUNTERS}


def main() -> int:
    args = lc_args("console", __doc__ or "", 5)
    runs: int = args.runs
    trips = 200 if args.quick else 1000
    flood_bytes = 32 * 1024 if args.quick else 256 * 1024
    dump_bytes = 0x4000 if args.quick else 0x10000
    if not UBOOT.exists():
        print(f"{UBOOT} is not built (make uboot)", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("needs root: pcinet-sim up makes a network namespace", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        directory = args.dir or Path(tmp) / "chassis"
        with lc_chassis(directory, "--board", str(UBOOT_BOARD), boot_timeout=120):
            con = Console.open(Layout(directory).console(1), "slot 1")
            try:
                con.write(b"\r")
                con.expect(PROMPT_RE, 0, 60.0)
                con.quiet()
                data = measure(directory, con, runs, trips, flood_bytes, dump_bytes)
            finally:
                con.close()
    data["quick"] = args.quick
    report(data)
    lc_write_json(args.json, data)
    ok = all(r["exact"] for r in data["figures"]["host_to_board"]["runs"]
             + data["figures"]["board_to_host"]["runs"]) and data["counters_agree"]
    return 0 if ok else 1


def measure(directory: Path, con: Console, runs: int, trips: int, flood_bytes: int,
            dump_bytes: int) -> dict[str, Any]:
    lat_runs: list[dict[str, Any]] = []
    in_runs: list[dict[str, Any]] = []
    out_runs: list[dict[str, Any]] = []
    deltas: list[dict[str, int]] = []
    agree = True
    for r in range(runs):
        print(f"run {r + 1}/{runs}: latency x{trips}, {flood_bytes // 1024} KiB typed, "
              f"dump of {dump_bytes} bytes ...", flush=True)
        before = lc_slot(directory)
        read0, written0 = len(con.received), con.written
        samples = latency(con, trips)
        lat_runs.append({"trips": len(samples), "p50_ms": percentile(samples, 50) * 1e3,
                         "p99_ms": percentile(samples, 99) * 1e3,
                         "max_ms": max(samples) * 1e3})
        in_runs.append(flood_in(con, flood_bytes, r))
        con.quiet(0.2)
        out_runs.append(dump_out(con, dump_bytes))
        con.quiet(0.2)
        d = delta(before, lc_slot(directory))
        d["read_from_pty"] = len(con.received) - read0
        d["written_to_pty"] = con.written - written0
        deltas.append(d)
        # in is what pcinetd sent the board, to_pty what it wrote to the pty,
        # out what it received from the board: with nothing dropped, in equals
        # what we typed and the other two what we read
        same = (d["console_bytes_in"] == d["written_to_pty"]
                and d["console_bytes_to_pty"] == d["read_from_pty"] == d["console_bytes_out"])
        lossy = d["console_dropped"] or d["console_duplicates"] or d["console_discarded"]
        agree = agree and same and not lossy
    return {
        "benchmark": "console",
        "machine": lc_machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "setup": {"board": "U-Boot sandbox (sim/board/uboot-board.sh)", "host": "pcinetd",
                  "where": "the slot's pty, raw mode", "baud_115200_bytes_per_s": BAUD_115200},
        "figures": {
            "latency": {"p50_ms_median": lc_median([x["p50_ms"] for x in lat_runs]),
                        "p99_ms_median": lc_median([x["p99_ms"] for x in lat_runs]),
                        "runs": lat_runs},
            "host_to_board": {"kib_per_s_median": lc_median([x["kib_per_s"] for x in in_runs]),
                              "runs": in_runs},
            "board_to_host": {"kib_per_s_median": lc_median([x["kib_per_s"] for x in out_runs]),
                              "runs": out_runs},
        },
        "pcinetd_per_run": deltas,
        "counters_agree": agree,
    }


def report(data: dict[str, Any]) -> None:
    f = data["figures"]
    lat = f["latency"]
    print(f"\necho round trip (1 char): p50 {lat['p50_ms_median']:.3f} ms, "
          f"p99 {lat['p99_ms_median']:.3f} ms (medians of {len(lat['runs'])} runs)")
    print(f"{'direction':<16} {'KiB/s':>9} {'x 115200 baud':>14} {'exact':>6}")
    for name, key in (("host -> board", "host_to_board"), ("board -> host", "board_to_host")):
        kib = f[key]["kib_per_s_median"]
        exact = all(r["exact"] for r in f[key]["runs"])
        print(f"{name:<16} {kib:>9.1f} {kib * 1024 / BAUD_115200:>14.1f} {exact!s:>6}")
    print(f"pcinetd counters agree with the bytes read, nothing dropped or duplicated: "
          f"{data['counters_agree']}")


if __name__ == "__main__":
    sys.exit(main())
