#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark 1: TFTP into a board, pcinet against U-Boot sandbox's eth-raw.

The same U-Boot sandbox build (build/u-boot-sandbox) loads a 16 MiB random
image with tftpboot over two transports, in the same run, cell by cell:

- pcinet: slot 1 of a simulated chassis (`pcinet-sim up`, its own directory
  under /tmp), from the chassis' atftpd through pcinetd's TAP;
- eth-raw: the sandbox with its default device tree (u-boot.dtb, whose
  `sandbox,eth-raw-bus` binds a raw socket to every interface it sees), run
  inside a network namespace made here that holds nothing but lo and one end
  of a veth pair; the other end is in a second namespace with an atftpd.

Each cell (tftpwindowsize x tftpblocksize) runs N times per transport,
alternating the transports; every run is checked with U-Boot's crc32 against
the file (a wrong CRC stops the benchmark with an error). The speed is
U-Boot's own figure, the "x MiB/s" line tftpboot prints: its millisecond
timer from the read request to the last block, which leaves out device start
(the pcinet registers-valid handshake), the console round trip of the
command and the crc32.

Run as root: .venv/bin/python bench/tftp.py [--runs N] [--quick] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import termios
import time
import tty
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from pcinet_sim.layout import Layout

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import EOL, PROMPT, BenchError, Console, lc_machine, lc_slot, lc_tool

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build" / "u-boot-sandbox"
UBOOT = BUILD / "u-boot"
DEFAULT_DTB = BUILD / "u-boot.dtb"
BOARD = REPO / "sim" / "board" / "uboot-board.sh"
PCINET_SIM = Path(sys.executable).parent / "pcinet-sim"
DEFAULT_JSON = REPO / "build" / "bench" / "tftp.json"

SIZE = 16 * 2**20
IMAGE = "bench-16m.bin"
LOADADDR = 0x1000000
WINDOWS = (1, 8, 16, 32)
BLOCKS = (1468, 4096, 8192)
PCINET_MAX_FRAME = 1518  # what pcinet carries (docs/protocol.md)
UDP_IP_HEADERS = 28
TFTP_HEADER = 4
TFTP_TIMEOUT_S = 240.0

# eth-raw side: names and addresses, all inside the namespaces made here
SUBNET = "10.199.77"
SERVER_IP = f"{SUBNET}.1"
BOARD_IP = f"{SUBNET}.2"
BOARD_MAC = "02:00:54:46:54:01"
UNITS = {"Bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
RATE_RE = re.compile(r"\t (\d+(?:\.\d+)?) (Bytes|KiB|MiB|GiB)/s")
class RunFailed(RuntimeError):
    """One tftpboot did not complete: the cell is reported as failed."""


def run(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and res.returncode != 0:
        raise BenchError(f"{' '.join(cmd)}: exit {res.returncode}: {res.stderr.strip()}")
    return res


# -- the two transports ---------------------------------------------------------

@dataclass
class Transport:
    name: str
    console: Console | None = None
    board_ip: str = ""
    server_ip: str = ""
    tftp_root: Path | None = None

    def con(self) -> Console:
        assert self.console is not None, f"{self.name} is not up"
        return self.console


class Cleanup:
    """What has to go at the end, newest first; every step runs even if one fails."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Any]] = []

    def push(self, what: str, fn: Any) -> None:
        self.steps.append((what, fn))

    def run(self) -> None:
        while self.steps:
            what, fn = self.steps.pop()
            try:
                fn()
            except Exception as e:  # keep tearing down
                print(f"teardown: {what}: {e}", file=sys.stderr)


def stop_process(proc: subprocess.Popen[bytes], grace: float = 3.0) -> None:
    """SIGTERM one process we started (by its pid), SIGKILL after grace."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def pcinet_up(work: Path, cleanup: Cleanup) -> Transport:
    """A 1-slot chassis of U-Boot boards with pcinetd and atftpd; slot 1's console."""
    chassis = work / "chassis"

    def down() -> None:
        res = run([str(PCINET_SIM), "down", "--dir", str(chassis)], check=False)
        if res.returncode != 0:
            raise BenchError(f"pcinet-sim down: {res.stdout}{res.stderr}")

    cleanup.push("pcinet-sim down", down)
    res = run([str(PCINET_SIM), "up", "--dir", str(chassis), "--slots", "1",
               "--board", str(BOARD), "--boot-timeout", "120"], check=False)
    if res.returncode != 0:
        raise BenchError(f"pcinet-sim up failed: {res.stdout}{res.stderr}")
    state = json.loads(Layout(chassis).supervisor_state.read_text())
    slot = state["boards"]["1"]
    t = Transport("pcinet", board_ip=str(slot["board_addr"]), server_ip=str(slot["host_addr"]),
                  tftp_root=Path(str(state["tftp_root"])))
    t.console = Console.open(Layout(chassis).console(1), "pcinet slot 1")
    cleanup.push("pcinet console", t.console.close)
    t.console.prompt(timeout=120)
    env = t.console.command("printenv ipaddr serverip")
    if f"ipaddr={t.board_ip}" not in env or f"serverip={t.server_ip}" not in env:
        raise BenchError(f"pcinet board: unexpected addresses: {env!r}")
    t.console.command("setenv netretry no")
    return t


def ns_run(ns: str, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run(["ip", "netns", "exec", ns, *cmd], check=check)


def ethraw_up(work: Path, cleanup: Cleanup) -> Transport:
    """Two namespaces joined by a veth; atftpd in one, U-Boot sandbox (default
    device tree, eth-raw) in the other, which holds nothing but lo and its veth."""
    tag = f"{os.getpid() & 0xFFFFF:05x}"
    ns_board, ns_server = f"tftpbench-{tag}-b", f"tftpbench-{tag}-s"
    if_board, if_server = f"tb{tag}", f"ts{tag}"
    ethtool, atftpd = lc_tool("ethtool"), lc_tool("atftpd")
    for ns in (ns_board, ns_server):
        run(["ip", "netns", "add", ns])
        cleanup.push(f"netns {ns}", lambda ns=ns: run(["ip", "netns", "del", ns]))
        for knob in ("all", "default"):  # no IPv6 chatter on the wire we measure
            ns_run(ns, "sysctl", "-qw", f"net.ipv6.conf.{knob}.disable_ipv6=1")
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
    # made inside the board's namespace: the pair never exists in the machine's
    run(["ip", "-n", ns_board, "link", "add", if_board, "type", "veth",
         "peer", "name", if_server, "netns", ns_server])
    run(["ip", "-n", ns_server, "addr", "add", f"{SERVER_IP}/24", "dev", if_server])
    for ns, ifname in ((ns_board, if_board), (ns_server, if_server)):
        # partial checksums would reach the raw socket: U-Boot drops them
        ns_run(ns, ethtool, "-K", ifname, "tx", "off")
        run(["ip", "-n", ns, "link", "set", ifname, "up"])
    links = run(["ip", "-n", ns_board, "-o", "link", "show"]).stdout
    names = sorted(re.findall(r"^\d+: ([^:@]+)", links, re.M))
    if names != sorted(["lo", if_board]):
        raise BenchError(f"namespace {ns_board} holds {names}, not only lo and {if_board}")

    root = work / "tftp-ethraw"
    root.mkdir()
    log = work / "atftpd-ethraw.log"
    log.touch()
    server = subprocess.Popen(
        ["ip", "netns", "exec", ns_server, atftpd, "--daemon", "--no-fork", "--user", "root",
         "--group", "root", "--port", "69", "--bind-address", SERVER_IP, "--logfile", str(log),
         str(root)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    cleanup.push("atftpd (eth-raw)", lambda: stop_process(server))

    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    board = subprocess.Popen(
        ["ip", "netns", "exec", ns_board, str(UBOOT), "-d", str(DEFAULT_DTB)],
        stdin=slave, stdout=slave, stderr=slave, cwd=work, start_new_session=True)
    os.close(slave)
    cleanup.push("U-Boot (eth-raw)", lambda: stop_process(board))
    t = Transport("eth-raw", board_ip=BOARD_IP, server_ip=SERVER_IP, tftp_root=root)
    t.console = Console(master, "eth-raw sandbox")
    cleanup.push("eth-raw console", t.console.close)
    t.console.prompt(timeout=60)
    time.sleep(0.5)
    if server.poll() is not None:
        raise BenchError(f"atftpd exited: {log.read_text()[-400:]}")

    # the sandbox must see its namespace's veth and loopback, nothing else
    uclass = t.console.command("dm uclass", timeout=30)
    m = re.search(r"uclass \d+: ethernet\n(.*?)(?:\n\n|uclass \d+:)", uclass, re.S)
    if not m:
        raise BenchError(f"no ethernet uclass in `dm uclass`: {uclass[-800:]!r}")
    devices = dict((name, int(seq)) for name, seq in
                   re.findall(r"^\s*\d+\s+\*?\s*(\S+) @ \S+, seq (\d+)", m.group(1), re.M))
    hosts = sorted(d for d in devices if d.startswith("host_"))
    if hosts != sorted(["host_lo", f"host_{if_board}"]):
        raise BenchError(f"eth-raw devices {hosts}: expected only host_lo and host_{if_board}")
    seq = devices[f"host_{if_board}"]
    mac_var = "ethaddr" if seq == 0 else f"eth{seq}addr"
    print(f"eth-raw: U-Boot's host devices {hosts} (namespace {ns_board}: {names}); "
          f"other ethernet devices are sandbox's in-process test devices: "
          f"{sorted(d for d in devices if not d.startswith('host_'))}")
    t.console.command(f"setenv {mac_var} {BOARD_MAC}; setenv ethact host_{if_board}; "
                      f"setenv ethrotate no; setenv netretry no; setenv ipaddr {BOARD_IP}; "
                      f"setenv netmask 255.255.255.0; setenv serverip {SERVER_IP}")
    return t


# -- the measurement ----------------------------------------------------------------

@dataclass
class Cell:
    transport: str
    windowsize: int
    blocksize: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""

    @property
    def median(self) -> float | None:
        if self.error or not self.runs:
            return None
        return float(statistics.median(float(r["MBps"]) for r in self.runs))

    def as_json(self) -> dict[str, Any]:
        return {"transport": self.transport, "windowsize": self.windowsize,
                "blocksize": self.blocksize, "runs": self.runs,
                "median_MBps": None if self.median is None else round(self.median, 2),
                **({"error": self.error} if self.error else {})}


def uboot_defrag() -> tuple[bool, int]:
    """CONFIG_IP_DEFRAG and CONFIG_NET_MAXDEFRAG of the sandbox build."""
    config = (BUILD / ".config").read_text()
    on = re.search(r"^CONFIG_IP_DEFRAG=y$", config, re.M) is not None
    m = re.search(r"^CONFIG_NET_MAXDEFRAG=(\d+)$", config, re.M)
    return on, int(m.group(1)) if m else 0


def cannot_run(blocksize: int) -> str:
    """Why a block size cannot run on this build, or ''."""
    if blocksize + TFTP_HEADER + UDP_IP_HEADERS + 14 <= PCINET_MAX_FRAME:
        return ""
    defrag, maxdefrag = uboot_defrag()
    if not defrag:
        return (f"blocksize {blocksize} needs IP fragments (frames carry at most "
                f"{PCINET_MAX_FRAME} bytes) and the sandbox build has no CONFIG_IP_DEFRAG")
    if blocksize + TFTP_HEADER + UDP_IP_HEADERS > maxdefrag:
        return (f"blocksize {blocksize}: datagram larger than CONFIG_NET_MAXDEFRAG="
                f"{maxdefrag}")
    return ""


def tftp_once(t: Transport, window: int, block: int, crc: int) -> dict[str, Any]:
    con = t.con()
    con.command(f"setenv tftpwindowsize {window}; setenv tftpblocksize {block}; "
                f"mw.l {LOADADDR:x} 0 {SIZE // 4:x}", timeout=60)
    t0 = time.monotonic()
    try:
        out = con.command(f"tftpboot {LOADADDR:x} {IMAGE}", timeout=TFTP_TIMEOUT_S)
    except TimeoutError as e:
        con.interrupt()
        raise RunFailed(f"no prompt within {TFTP_TIMEOUT_S:.0f} s: {e}") from None
    wall = time.monotonic() - t0
    tail = out.strip()[-300:]
    if f"Bytes transferred = {SIZE} " not in out:
        raise RunFailed(f"tftpboot did not complete: {tail!r}")
    rate = RATE_RE.search(out)
    if not rate:
        raise RunFailed(f"no rate line in U-Boot's output: {tail!r}")
    bps = float(rate.group(1)) * UNITS[rate.group(2)]
    # not command(): crc32's answer "==> " holds a prompt look-alike
    start = len(con.received)
    con.write(f"crc32 {LOADADDR:x} {SIZE:x}\r".encode())
    m = con.expect(re.compile(rb"==> ([0-9a-f]{8})" + EOL + re.escape(PROMPT)), start, 60)
    got = int(m.group(1), 16)
    if got != crc:
        raise BenchError(f"{t.name} window {window} block {block}: WRONG CRC {got:08x}, "
                         f"the file's is {crc:08x}")
    return {"MBps": round(bps / 1e6, 3), "uboot_rate": rate.group(0).strip(),
            "console_wall_s": round(wall, 3), "crc32": f"{got:08x}",
            # U-Boot prints "T " for every retransmission timeout (tftptimeout, 5 s)
            "timeouts": out.count("T ")}


def table(cells: list[Cell], ratios: list[dict[str, Any]]) -> str:
    by = {(c.transport, c.windowsize, c.blocksize): c for c in cells}
    ratio = {(r["windowsize"], r["blocksize"]): r["ratio"] for r in ratios}
    lines = [f"{'window':>6} {'block':>6} {'pcinet MB/s':>12} {'eth-raw MB/s':>13} "
             f"{'ratio':>6}  notes"]
    for w, b in sorted({(c.windowsize, c.blocksize) for c in cells}, key=lambda k: (k[1], k[0])):
        p, e = by.get(("pcinet", w, b)), by.get(("eth-raw", w, b))

        def fmt(c: Cell | None) -> str:
            return "-" if c is None or c.median is None else f"{c.median:.1f}"

        r = ratio.get((w, b))
        notes = "; ".join(f"{c.transport}: {c.error}" for c in (p, e) if c and c.error)
        lines.append(f"{w:>6} {b:>6} {fmt(p):>12} {fmt(e):>13} "
                     f"{'-' if r is None else f'{r:.2f}':>6}  {notes[:160]}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5, help="runs per cell and transport (5)")
    ap.add_argument("--quick", action="store_true", help="2 runs per cell (unless --runs)")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the JSON goes")
    ap.add_argument("--windows", type=lambda s: [int(x) for x in s.split(",")],
                    default=list(WINDOWS), help="tftpwindowsize values (1,8,16,32)")
    ap.add_argument("--blocks", type=lambda s: [int(x) for x in s.split(",")],
                    default=list(BLOCKS), help="tftpblocksize values (1468,4096,8192)")
    args = ap.parse_args(argv)
    if args.quick and "--runs" not in (argv if argv is not None else sys.argv[1:]):
        args.runs = 2
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    return args


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP unwind as KeyboardInterrupt, so the teardown runs
    (SIGINT too: a shell starts background jobs with it ignored)."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def bench(args: argparse.Namespace, cleanup: Cleanup) -> int:
    for need in (UBOOT, DEFAULT_DTB, BOARD, PCINET_SIM):
        if not need.exists():
            raise BenchError(f"{need} is missing (make uboot venv)")
    if os.geteuid() != 0:
        raise BenchError("needs root (network namespaces, TAP devices)")
    work = Path(tempfile.mkdtemp(prefix="pcinet-bench-tftp-", dir="/tmp"))
    cleanup.push(f"remove {work}", lambda: shutil.rmtree(work))
    data = random.Random(0x7F7B).randbytes(SIZE)
    crc = zlib.crc32(data)
    before = lc_machine()
    transports = [pcinet_up(work, cleanup), ethraw_up(work, cleanup)]
    for t in transports:
        assert t.tftp_root is not None
        (t.tftp_root / IMAGE).write_bytes(data)
        (t.tftp_root / IMAGE).chmod(0o644)

    cells: list[Cell] = []
    for block in args.blocks:
        for window in args.windows:
            pair = [Cell(t.name, window, block) for t in transports]
            cells += pair
            why = cannot_run(block)
            for c in pair:
                c.error = why
            for i in range(args.runs):
                order = list(zip(transports, pair, strict=True))
                if i % 2:
                    order.reverse()
                for t, c in order:
                    if c.error:
                        continue
                    try:
                        r = tftp_once(t, window, block, crc)
                    except RunFailed as e:
                        c.error = f"run {i + 1}: {e}"
                        print(f"  {t.name:8} w{window:<3} b{block:<5} FAILED: {e}",
                              file=sys.stderr)
                        continue
                    c.runs.append(r)
                    print(f"  {t.name:8} w{window:<3} b{block:<5} run {i + 1}: "
                          f"{r['MBps']:7.1f} MB/s ({r['uboot_rate']}, console "
                          f"{r['console_wall_s']:.2f} s, {r['timeouts']} timeouts)", flush=True)

    ratios = []
    for pc, ec in zip(cells[0::2], cells[1::2], strict=True):
        pm, em = pc.median, ec.median
        if pm is not None and em is not None:
            ratios.append({"windowsize": pc.windowsize, "blocksize": pc.blocksize,
                           "pcinet_MBps": round(pm, 2), "ethraw_MBps": round(em, 2),
                           "ratio": round(pm / em, 3)})
    after = lc_machine()
    pcinetd_row: dict[str, Any] = {}
    try:
        pcinetd_row = lc_slot(work / "chassis")
    except (OSError, ValueError) as e:
        print(f"pcinetd status: {e}", file=sys.stderr)
    # where a frame could have been lost on the pcinet side: the TAP's kernel counters
    state = json.loads(Layout(work / "chassis").supervisor_state.read_text())
    tap = run(["ip", "-n", str(state["netns"]), "-s", "-s", "link", "show",
               str(state["boards"]["1"]["ifname"])], check=False).stdout
    result = {"benchmark": "tftp",
              "machine": {**before, "loadavg_end": after["loadavg"]},
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "image_bytes": SIZE, "runs_per_cell": args.runs,
              "rate_source": "U-Boot tftpboot's own 'x MiB/s' line (get_timer, ms), "
                             "converted to 10^6 bytes/s",
              "uboot": str(UBOOT),
              "pcinetd_slot_status_end": pcinetd_row,
              "pcinet_tap_stats_end": tap,
              "cells": [c.as_json() for c in cells], "ratios": ratios}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    print()
    print(table(cells, ratios))
    print(f"\n{args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cleanup = Cleanup()
    try:
        with signals_raise():
            return bench(args, cleanup)
    except BenchError as e:
        print(f"tftp benchmark FAILED: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        # the teardown itself is not interrupted
        old = {s: signal.signal(s, signal.SIG_IGN)
               for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        cleanup.run()
        for s, h in old.items():
            signal.signal(s, h)


if __name__ == "__main__":
    sys.exit(main())
