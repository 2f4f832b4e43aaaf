# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers of the benchmarks (prefix lc_: first written for link/console).

A one-slot simulated chassis brought up with the real `pcinet-sim up` and
always taken down again, the machine's description, medians, the JSON file,
and a U-Boot console on a pty.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import termios
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from farm.hostctl import host_request
from pcinet_sim.layout import Layout

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
        wait_socket(Layout(directory).pcinetd_sock, 30)
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
    return host_request(Layout(directory).pcinetd_sock, line)


def lc_slot(directory: Path, n: int = 1) -> dict[str, Any]:
    row: dict[str, Any] = lc_pcinetd(directory, f"status {n}")["slot"]
    return row


def lc_wait(what: str, cond: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


PROMPT = b"=> "
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# a line end on a console: the sandbox on a pty ends lines with "\r", a colour
# sequence and "\r\n"; pcinet_serial with "\r\n"
EOL = rb"(?:\r|\x1b\[[0-9;]*m)*\n"


class BenchError(RuntimeError):
    """The benchmark cannot go on (setup failed, a wrong CRC)."""


# The programs the benchmarks run beside what `make test` installs, and the
# Debian package of each: `scripts/bootstrap.sh bench` (run by `make bench`)
# installs them, and tests/py/test_bootstrap.py holds the two lists together.
DEBIAN_TOOLS = {"ethtool": "ethtool", "atftpd": "atftpd", "ip": "iproute2"}


def lc_tool(name: str) -> str:
    """The path of a program the benchmarks run, or a BenchError saying how to get it."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        raise BenchError(f"{name} is missing: `make bench` installs it "
                         f"(scripts/bootstrap.sh bench, package {DEBIAN_TOOLS[name]})")
    return path


# -- a U-Boot console on a pty ------------------------------------------------

class Console:
    """A U-Boot prompt on a tty file descriptor, as a terminal program holds
    it (the benchmarks' twin of tests/py/ptyconsole.py, with their errors)."""

    def __init__(self, fd: int, name: str) -> None:
        self.fd = fd
        self.name = name
        self.received = bytearray()
        self.written = 0

    @classmethod
    def open(cls, path: Path, name: str) -> Console:
        """A pty's slave by its path (a slot's console link), in raw mode."""
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd, termios.TCSANOW)
        return cls(fd, name)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.fd, view)
            self.written += n
            view = view[n:]

    def read_some(self, timeout: float) -> int:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 65536)
        except OSError as e:  # EIO: the other side is gone
            raise BenchError(f"{self.name}: console closed ({e})") from None
        if not data:
            raise BenchError(f"{self.name}: console closed")
        self.received += data
        return len(data)

    def expect(self, rx: re.Pattern[bytes], start: int, timeout: float) -> re.Match[bytes]:
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.received, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                tail = bytes(self.received[start:][-400:])
                raise TimeoutError(f"{self.name}: waiting for {rx.pattern!r}, got {tail!r}")
            self.read_some(min(left, 0.2))

    def quiet(self, idle: float = 0.3, timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while self.read_some(idle):
            if time.monotonic() > end:
                raise BenchError(f"{self.name}: console never went quiet")

    def command(self, line: str, timeout: float = 30.0) -> str:
        """Type line + CR; the board's answer up to its next prompt."""
        start = len(self.received)
        self.write(line.encode() + b"\r")
        rx = re.compile(re.escape(line.encode()) + EOL + rb"(.*?)" + re.escape(PROMPT), re.S)
        out = self.expect(rx, start, timeout).group(1).decode(errors="replace")
        return ANSI_RE.sub("", out).replace("\r", "")

    def prompt(self, timeout: float = 60.0) -> None:
        """Stop the autoboot countdown and wait for an empty prompt."""
        deadline = time.monotonic() + timeout
        while True:
            start = len(self.received)
            self.write(b"\r")
            try:
                self.expect(re.compile(re.escape(PROMPT)), start, 1.0)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise BenchError(f"{self.name}: no U-Boot prompt in {timeout:.0f} s: "
                                     f"{bytes(self.received[-400:])!r}") from None
        self.quiet()

    def interrupt(self) -> None:
        """Ctrl-C a hanging command and get the prompt back."""
        self.write(b"\x03")
        with contextlib.suppress(TimeoutError, BenchError):
            time.sleep(0.5)
            self.prompt(timeout=30)
