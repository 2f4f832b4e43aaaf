# SPDX-License-Identifier: GPL-2.0-or-later
"""Every byte value through the Linux host driver's tty, to and from a U-Boot board.

test_console_bytes.py through the kernel instead of pcinetd: the host driver
(linux/pcinet_host_tty.c) in a user-mode Linux guest, as in test_kernel.py
(whose guest fixture this module uses: a guest of its own, so that this runs
beside that module's tests and alone). /dev/ttyPCINet0 is held open raw by
the guest agent (cfmakeraw-like: no echo, no CR/LF mapping, no XON/XOFF, 8
bits); lrzsz runs on that same open tty as a terminal program runs it
(guest_agent "con_run").

* typed: each byte value U-Boot's line editor takes as a character, typed
  ahead in one write as `echo A<byte>B` lines: every echo and answer back;
* binary: loady (sb) of 64 KiB holding every byte value, U-Boot's crc32
  equal to zlib's;
* printed: printenv of a variable holding 0x01..0xff, every byte raw.

Before u-boot/fixes/0002 and 0003 the board died at the first byte >= 0x80
and at the first block of a download.
"""

from __future__ import annotations

import re
import shutil
import time
import zlib
from pathlib import Path

import pytest
import test_kernel
from test_console_bytes import EDIT_KEYS, payload, typed
from test_kernel import LOADADDR, Kernel, _bind, pytestmark  # noqa: F401 - same skips

from pcinet_sim.supervisor import read_state

# test_kernel.py's module fixture `kernel`: a guest of this module's own
guest = test_kernel.kernel

PROMPT = "=> "
KIB = 1024


def board(k: Kernel) -> tuple[int, int]:
    """The slot's board process and the crashes the supervisor counted."""
    boards = (read_state(k.run / "crate") or {})["boards"]
    assert isinstance(boards, dict)
    return int(boards["1"]["pid"]), int(boards["1"]["crashes"])


def need_lrzsz() -> None:
    if not shutil.which("sb") or not shutil.which("sx"):
        pytest.fail("lrzsz (sb, sx) is not installed: make uboot installs it "
                    "(scripts/uboot.sh DEBS); the guest runs the machine's")


def send(k: Kernel, command: str, tool: str, path: Path) -> None:
    """Type command (loadx/loady) into the tty, then run tool on it; then
    ${filesize} must be path's size (U-Boot's report of the download may
    have gone to the tool)."""
    before = board(k)
    ans = k.guest.request({"op": "con_run", "send": command + "\r",
                           "cmd": f"{tool} /mnt/{path.name}", "timeout": 240}, 300)
    assert ans["rc"] == 0, f"{tool} exited {ans['rc']}: {ans['err'][-600:]!r}; " \
        f"board (pid, crashes) was {before}, is {board(k)}"
    out = k.command("printenv filesize", 30, expect=r"filesize=(\w+)\r\n" + re.escape(PROMPT))
    m = re.search(r"filesize=(\w+)\r\n", out)
    assert m and int(m.group(1), 16) == path.stat().st_size, out[-400:]


def test_every_byte_typed_through_the_tty(guest: Kernel) -> None:
    """All the `echo A<byte>B` lines typed ahead in one write: every echo and
    answer comes back, in order; the board lives."""
    k = guest
    _bind(k)
    before = board(k)
    sent = [b for b in range(256) if b not in EDIT_KEYS]
    lines = [typed(b) for b in sent]
    want = [line + b"\r\n" + b"A" + bytes([b]) + b"B\r\n" + PROMPT.encode()
            for b, line in zip(sent, lines, strict=True)]
    ans = k.guest.con(b"".join(line + b"\r" for line in lines).decode("latin-1"),
                      re.escape(want[-1].decode("latin-1")), 60)
    got = str(ans["data"]).encode("latin-1")
    if not ans["ok"] or not got.endswith(b"".join(want)):
        at = got.rfind(want[0])
        for b, w in zip(sent, want, strict=True):
            if at < 0 or not got.startswith(w, at):
                pytest.fail(f"byte 0x{b:02x}: wanted {w!r}, got {got[at:at + 300]!r}; "
                            f"board (pid, crashes) was {before}, is {board(k)}")
            at += len(w)
    assert board(k) == before, "the board restarted"


def test_binary_download_through_the_tty(guest: Kernel) -> None:
    """64 KiB holding every byte value, sent by lrzsz's sb (ymodem, 1 KiB
    blocks) on ttyPCINet0 to loady: U-Boot's crc32 is the file's. (64 KiB:
    every message costs BAR round trips to pcinet-vpci, about 5 KiB/s here;
    test_console_bytes.py moves 256 KiB both by ymodem and xmodem.)"""
    k = guest
    _bind(k)
    need_lrzsz()
    before = board(k)
    data = payload(64, 64 * KIB)
    path = k.run / "image.bin"
    path.write_bytes(data)
    t0 = time.monotonic()
    send(k, "loady", "sb -q -k", path)
    k.timings["loady_64k"] = time.monotonic() - t0
    out = k.command(f"crc32 {LOADADDR:x} {len(data):x}", 60,
                    expect=r"==> ([0-9a-f]{8})\r\n" + re.escape(PROMPT))
    m = re.search(r"==> ([0-9a-f]{8})", out)
    assert m and int(m.group(1), 16) == zlib.crc32(data), out[-400:]
    assert board(k) == before, "the board restarted"


def test_every_byte_printed_through_the_tty(guest: Kernel) -> None:
    """printenv of a variable holding 0x01..0xff (loady, env import -b): every
    byte arrives raw on the tty, LF as U-Boot's CR LF."""
    k = guest
    _bind(k)
    need_lrzsz()
    before = board(k)
    value = bytes(range(1, 256))
    path = k.run / "env.bin"
    path.write_bytes(b"v=" + value.replace(b"\\", b"\\\\") + b"\0\0")
    send(k, "loady", "sb -q", path)
    want = b"v=" + value.replace(b"\n", b"\r\n") + b"\r\n" + PROMPT.encode()
    out = k.command("env import -b ${loadaddr} ${filesize} v; printenv v", 30,
                    expect=r"\r\nv=.*?\r\n" + re.escape(PROMPT))
    got = out.encode("latin-1")
    assert got.endswith(b"\r\n" + want), got[-400:]
    assert board(k) == before, "the board restarted"


def test_teardown_clean(guest: Kernel) -> None:
    """test_kernel's teardown: unloaded, powered off, no protocol violation, no
    oops, nothing left running."""
    test_kernel.test_teardown_clean(guest)
