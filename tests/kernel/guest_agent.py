# SPDX-License-Identifier: GPL-2.0-or-later
"""The UML guest's end of tests/py/test_kernel.py: runs inside the guest
(the machine's python3 over hostfs, standard library only) as
scripts/uml-run.sh's guest command, and serves requests from the test on
/dev/tty1 (UML con1, the host pipes of `uml-run.sh --ctl`).

One JSON object a line each way. Requests:

  {"op": "sh", "cmd": "...", "timeout": s}
      run cmd with bash; answer {"rc": N, "out": "stdout+stderr"}
  {"op": "con_open", "tty": "/dev/ttyPCINet0"}
      open the console tty (raw) and read it in a thread from now on; the
      thread reopens it after a hangup (board reset: the driver hangs the
      tty up, the board's next output goes to whoever opens it next)
  {"op": "con", "send": "...", "expect": "regex", "timeout": s}
      write send (may be empty), then wait until expect matches what the
      console said since the last consumed point; answer {"ok": true,
      "data": everything up to the end of the match} (consumed) or
      {"ok": false, "data": all unconsumed}
  {"op": "con_run", "send": "...", "cmd": "...", "timeout": s}
      write send, then run cmd with bash, its stdin and stdout the console
      tty, as a terminal program runs a file transfer tool (sb, sx); the
      reader thread takes nothing meanwhile. Answer {"rc": N, "err":
      "stderr"}; the console's output after the command is read as usual
  {"op": "con_close"}
  {"op": "exit"}      answer, then leave (the guest powers off)

Console bytes travel as latin-1 strings. Answers carry "t": the seconds
the request took in the guest.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import termios
import threading
import time
import tty
from typing import Any


class Console:
    """A console tty read by a thread into a buffer; reopened after hangups."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.buf = bytearray()
        self.cond = threading.Condition()
        self.fd = -1
        self.hangups = 0
        self.stop = False
        # held by the reader around each read, by run() for a whole command;
        # paused keeps the reader from taking the lock back at once
        self.io = threading.Lock()
        self.paused = threading.Event()
        self._open()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _open(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        attrs = termios.tcgetattr(fd)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSANOW, attrs)
        self.fd = fd

    def _reader(self) -> None:
        while not self.stop:
            if self.paused.is_set():
                time.sleep(0.01)
                continue
            # not a blocking read: close() must be able to stop us (a thread
            # blocked in read() keeps the tty, and the driver module, busy)
            try:
                with self.io:
                    ready, _, _ = select.select([self.fd], [], [], 0.1)
                    data = os.read(self.fd, 4096) if ready else None
            except OSError:
                data = b""
            if data is None:
                continue
            if data:
                with self.cond:
                    self.buf += data
                    self.cond.notify_all()
                continue
            if self.stop:
                return
            # end of file or EIO: hung up (board reset); reopen at once, so
            # the board's first lines after the reset find a reader
            self.hangups += 1
            old = self.fd
            while not self.stop:
                try:
                    self._open()
                    break
                except OSError:
                    time.sleep(0.01)
            os.close(old)

    def write(self, data: bytes) -> None:
        while data:
            try:
                n = os.write(self.fd, data)
            except OSError:  # hung up under us: the reader reopens it
                time.sleep(0.02)
                continue
            data = data[n:]

    def run(self, send: bytes, cmd: str, timeout: float) -> dict[str, Any]:
        """send, then cmd on the tty (its stdin and stdout) while nobody reads."""
        self.paused.set()
        try:
            with self.io:
                self.write(send)
                res = subprocess.run(["bash", "-c", cmd], stdin=self.fd, stdout=self.fd,
                                     stderr=subprocess.PIPE, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            err = (e.stderr or b"").decode("latin-1")
            return {"rc": -1, "err": err + "\n[guest_agent: timed out]"}
        finally:
            self.paused.clear()
        return {"rc": res.returncode, "err": res.stderr.decode("latin-1")}

    def expect(self, pattern: str, timeout: float) -> tuple[bool, bytes]:
        rx = re.compile(pattern.encode("latin-1"), re.DOTALL)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                m = rx.search(self.buf)
                if m:
                    data = bytes(self.buf[:m.end()])
                    del self.buf[:m.end()]
                    return True, data
                left = deadline - time.monotonic()
                if left <= 0:
                    return False, bytes(self.buf)
                self.cond.wait(left)

    def close(self) -> None:
        self.stop = True
        self.thread.join(5)
        os.close(self.fd)


def serve(ctl: Any, out: Any) -> None:
    con: Console | None = None
    for line in ctl:
        req = json.loads(line)
        start = time.monotonic()
        op = req["op"]
        ans: dict[str, Any]
        if op == "sh":
            try:
                res = subprocess.run(["bash", "-c", req["cmd"]], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     timeout=req.get("timeout", 60), check=False)
                ans = {"rc": res.returncode, "out": res.stdout.decode("latin-1")}
            except subprocess.TimeoutExpired as e:
                out = (e.stdout or b"").decode("latin-1")
                ans = {"rc": -1, "out": out + "\n[guest_agent: timed out]"}
        elif op == "con_open":
            if con is None:
                con = Console(req.get("tty", "/dev/ttyPCINet0"))
            ans = {"ok": True}
        elif op == "con":
            assert con is not None, "con_open first"
            if req.get("send"):
                con.write(req["send"].encode("latin-1"))
            ok, data = con.expect(req["expect"], req.get("timeout", 10))
            ans = {"ok": ok, "data": data.decode("latin-1"), "hangups": con.hangups}
        elif op == "con_run":
            assert con is not None, "con_open first"
            ans = con.run(req.get("send", "").encode("latin-1"), req["cmd"],
                          req.get("timeout", 60))
        elif op == "con_close":
            if con is not None:
                con.close()
                con = None
            ans = {"ok": True}
        elif op == "exit":
            ans = {"ok": True}
        else:
            ans = {"error": f"unknown op {op}"}
        ans["t"] = round(time.monotonic() - start, 3)
        out.write(json.dumps(ans) + "\n")
        out.flush()
        if op == "exit":
            return


def main() -> None:
    fd = os.open("/dev/tty1", os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    # a tty is not seekable: one file object each way
    with open(fd, encoding="latin-1", newline="\n") as ctl, \
            open(os.dup(fd), "w", encoding="latin-1", newline="\n") as out:
        out.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
        out.flush()
        serve(ctl, out)


if __name__ == "__main__":
    main()
