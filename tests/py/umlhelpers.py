# SPDX-License-Identifier: GPL-2.0-or-later
"""A user-mode Linux guest driven from a test (docs/uml.md).

UmlGuest starts scripts/uml-run.sh with a run directory of the test's and
tests/kernel/guest_agent.py as the guest command; the agent serves JSON
requests on the guest's /dev/tty1, which uml-run.sh connects to two pipes
of ours (--ctl). One guest lives as long as the test wants it: shell
commands, and a console tty held open by the agent.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import REPO

UML_RUN = REPO / "scripts" / "uml-run.sh"
AGENT = REPO / "tests" / "kernel" / "guest_agent.py"
KERNEL = REPO / "build" / "linux-uml" / "linux"


def uml_unavailable() -> str | None:
    """Why this machine cannot run the UML harness at all, or None.

    Only what no build can fix: the architecture, root (network namespaces,
    the chassis), /dev/shm (UML's memory file), ptrace (UML runs its
    processes under ptrace), the host's python3 (the guest agent).
    """
    if os.uname().machine != "x86_64":
        return f"UML is built for x86_64 here; this machine is {os.uname().machine}"
    if os.geteuid() != 0:
        return "not root: the chassis needs network namespaces (ip netns) and /dev/shm"
    if not os.access("/dev/shm", os.W_OK):
        return "/dev/shm is not writable: UML keeps its RAM in a file there"
    try:
        scope = int(Path("/proc/sys/kernel/yama/ptrace_scope").read_text())
    except (OSError, ValueError):
        scope = 0
    if scope >= 3:
        return "ptrace is disabled (kernel.yama.ptrace_scope = 3): UML cannot run processes"
    if not Path("/usr/bin/python3").exists():
        return "no /usr/bin/python3 for the guest-side agent"
    if not shutil.which("setarch"):
        return "setarch (util-linux) is missing"
    return None


class GuestError(AssertionError):
    pass


class UmlGuest:
    """One UML run: uml-run.sh with the guest agent, driven over pipes."""

    def __init__(self, run_dir: Path, log: Path, *uml_args: str, boot_timeout: float = 300) -> None:
        self.run_dir = run_dir
        self.log_path = log
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        self.buf = b""
        self.done = False
        cmd = [str(UML_RUN), *uml_args, "--run-dir", str(run_dir),
               "--ctl", f"{to_r},{from_w}", "--timeout", "900",
               "--", "/usr/bin/python3", str(AGENT)]
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, pass_fds=(to_r, from_w),
                                         start_new_session=True)
        os.close(to_r)
        os.close(from_w)
        try:
            hello = self._read_line(boot_timeout)
        except GuestError:
            self.close()
            raise
        if not json.loads(hello).get("ready"):
            self.close()
            raise GuestError(f"guest agent said {hello!r}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _read_line(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError(f"no answer from the guest in {timeout} s; uml-run:\n"
                                 f"{self.log()[-3000:]}")
            ready, _, _ = select.select([self.from_r], [], [], min(left, 1.0))
            if ready:
                data = os.read(self.from_r, 65536)
                if not data:
                    raise GuestError(f"the guest's channel closed; uml-run:\n{self.log()[-3000:]}")
                self.buf += data
            elif self.proc.poll() is not None:
                raise GuestError(f"uml-run exited {self.proc.returncode}:\n{self.log()[-3000:]}")
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("latin-1").strip("\r")

    def request(self, req: dict[str, Any], timeout: float) -> dict[str, Any]:
        os.write(self.to_w, (json.dumps(req) + "\n").encode("latin-1"))
        # a line that is not JSON is the guest kernel talking on tty1: skip it
        while True:
            line = self._read_line(timeout)
            if line.startswith("{"):
                ans = json.loads(line)
                assert isinstance(ans, dict)
                return ans

    def sh(self, cmd: str, timeout: float = 60, check: bool = True) -> str:
        """Run cmd in the guest with bash; its output (stdout and stderr)."""
        ans = self.request({"op": "sh", "cmd": cmd, "timeout": timeout}, timeout + 30)
        if check and ans["rc"] != 0:
            raise GuestError(f"guest: {cmd!r} exited {ans['rc']}:\n{ans['out']}")
        return str(ans["out"])

    def con_open(self, tty: str) -> None:
        self.request({"op": "con_open", "tty": tty}, 30)

    def con(self, send: str, expect: str, timeout: float = 10) -> dict[str, Any]:
        """Write send to the console, wait for expect (a regex): the agent's answer."""
        return self.request({"op": "con", "send": send, "expect": expect,
                             "timeout": timeout}, timeout + 30)

    def close(self, timeout: float = 120) -> int:
        """Let the guest power off and uml-run take everything down: its exit code."""
        if not self.done and self.proc.poll() is None:
            with contextlib.suppress(GuestError, OSError):
                self.request({"op": "exit"}, 30)
        self.done = True
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # uml-run.sh takes down what it started when it gets SIGTERM
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        for fd in (self.to_w, self.from_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.to_w = self.from_r = -1
        return rc
