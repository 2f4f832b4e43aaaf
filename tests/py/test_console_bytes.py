# SPDX-License-Identifier: GPL-2.0-or-later
"""Every byte value through a U-Boot board's console, as a lab engineer's tools use it.

One U-Boot board behind pcinetd; the test talks to the slot's pty only, with
Debian's lrzsz (`sb`, `sx`) as the sender of binary downloads, as a terminal
program would run it. What "carries every byte" means at a U-Boot prompt:

* host -> board, typed: each byte value that U-Boot's line editor takes as a
  character comes back in its echo and in the output of `echo`, byte for
  byte. The editing keys (EDIT_KEYS: ^A..^F, backspace, tab, ^K, ^N..^P,
  ^U, ^X, ESC, DEL and 0xff, which U-Boot's cread_line() also takes for
  DEL; NUL, CR and LF) are not characters there, in U-Boot on any console.
* host -> board, binary: loady (ymodem, `sb`) and loadx (xmodem-1K, `sx`) of
  256 KiB holding every byte value land with U-Boot's crc32 equal to zlib's.
* board -> host: `printenv` of a variable imported (`env import -b`) with
  every value 0x01..0xff arrives raw; U-Boot prints every LF as CR LF, on
  any console, and no U-Boot command prints a NUL (strings end there).

Before u-boot/fixes/0002 and 0003 a byte >= 0x80 in a command line killed
the board (hush's map[] indexed with a sign-extended char) and loadx/loady
killed it at their first block (a load address used as a pointer): the
supervisor counted a crash each time. Every test here checks that the
board process is still the one it started with.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e import Crate, board_crc, needs_uboot, pytestmark, small_crate  # noqa: F401

from pcinet_sim.supervisor import read_state

from ptyconsole import Pty
from simhelpers import PROMPT

LOADADDR = 0x1000000  # the boards' ${loadaddr} (u-boot/board/sandbox/pcinet.env)
KIB = 1024

# What U-Boot's line editor (common/cli_readline.c, cread_line()) does with
# these bytes instead of putting them into the line
EDIT_KEYS = {
    0x00: "ignored", 0x01: "^A: start of line", 0x02: "^B: back", 0x03: "^C: discard line",
    0x04: "^D: delete", 0x05: "^E: end of line", 0x06: "^F: forward", 0x08: "backspace",
    0x09: "tab: complete", 0x0A: "enter", 0x0B: "^K: erase to end", 0x0D: "enter",
    0x0E: "^N: next in history", 0x0F: "^O: insert/overwrite", 0x10: "^P: previous in history",
    0x15: "^U: erase line", 0x18: "^X: erase line", 0x1B: "escape sequence",
    0x7F: "DEL", 0xFF: "DEL (cread_line's DEL is (char)255)",
}

# How a byte is typed into `echo`: as it is (the issue's `echo A<0x80>B`),
# but hush's specials in single quotes, which keep them literal; U-Boot's
# hush still takes a backslash there as an escape, and a quote ends them
HUSH_SPECIALS = b"\\$'\";&|# "
QUOTED = {ord("'"): b"A\\'B", ord("\\"): b"'A\\\\B'"}


def typed(b: int) -> bytes:
    """`echo` with an argument that is A, the byte b, B."""
    text = b"A" + bytes([b]) + b"B"
    if b not in HUSH_SPECIALS:
        return b"echo " + text
    return b"echo " + QUOTED.get(b, b"'" + text + b"'")


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crate]:
    if not shutil.which("sb") or not shutil.which("sx"):
        pytest.fail("lrzsz (sb, sx) is not installed: make uboot installs it "
                    "(scripts/uboot.sh DEBS)")
    with small_crate(tmp_path_factory, "bytes") as c:
        yield c


def board(c: Crate) -> tuple[int, int]:
    """The slot's board process and the crashes the supervisor counted."""
    boards = (read_state(c.dir) or {})["boards"]
    assert isinstance(boards, dict)
    return int(boards["1"]["pid"]), int(boards["1"]["crashes"])


def expect_line(con: Pty, line: bytes, start: int, what: str, c: Crate,
                before: tuple[int, int]) -> bytes:
    """After typing line + CR: its echo, then the output up to the prompt."""
    rx = re.compile(re.escape(line) + rb"\r\n(.*?)" + re.escape(PROMPT), re.S)
    try:
        return con.expect(rx, start, timeout=15).group(1)
    except AssertionError as e:
        raise AssertionError(f"{what}: {e}; board (pid, crashes) was {before}, "
                             f"is {board(c)}") from None


def send(con: Pty, command: bytes, tool: list[str], path: Path, c: Crate,
         before: tuple[int, int]) -> float:
    """Type command (loadx/loady), then run tool on the pty as a terminal
    program runs it: the tool reads U-Boot's echo and banner, waits for its
    'C', sends. The tool's seconds."""
    con.write(command + b"\r")
    t0 = time.monotonic()
    res = subprocess.run([*tool, str(path)], stdin=con.fd, stdout=con.fd,
                         stderr=subprocess.PIPE, timeout=300, check=False)
    took = time.monotonic() - t0
    assert res.returncode == 0, f"{tool[0]} exited {res.returncode}: {res.stderr[-600:]!r}; " \
        f"board (pid, crashes) was {before}, is {board(c)}"
    return took


def loaded(con: Pty, size: int, c: Crate, before: tuple[int, int]) -> None:
    """After a download: the board at its prompt, ${filesize} = size. (What
    U-Boot printed right after the last block may have gone to the tool.)"""
    con.quiet()
    line = b"printenv filesize"
    start = len(con.received)
    con.write(line + b"\r")
    got = expect_line(con, line, start, "after the download", c, before)
    assert got.lower() == f"filesize={size:x}\r\n".encode(), got


def payload(seed: int, size: int) -> bytes:
    """size bytes: every byte value first, then random ones."""
    return bytes(range(256)) + random.Random(seed).randbytes(size - 256)


@needs_uboot
def test_every_byte_typed_into_echo(crate: Crate) -> None:
    """Each byte value the line editor takes as a character, typed between two
    letters into `echo`: echoed as typed, printed by echo; the board lives."""
    con = crate.console(1)
    before = board(crate)
    t0 = time.monotonic()
    for b in range(256):
        if b in EDIT_KEYS:
            continue
        text = b"A" + bytes([b]) + b"B"
        line = typed(b)
        start = len(con.received)
        con.write(line + b"\r")
        got = expect_line(con, line, start, f"byte 0x{b:02x}", crate, before)
        assert got == text + b"\r\n", f"byte 0x{b:02x}: echo printed {got[:300]!r}; " \
            f"board (pid, crashes) was {before}, is {board(crate)}"
    assert board(crate) == before, "the board restarted"
    print(f"\n{256 - len(EDIT_KEYS)} byte values typed and echoed in "
          f"{time.monotonic() - t0:.1f} s")


@needs_uboot
@pytest.mark.parametrize(("command", "tool"), [
    (b"loady", ["sb", "-q", "-k"]),  # ymodem, 1 KiB blocks; the size comes in block 0
    (b"loadx", ["sx", "-q", "-k"]),  # xmodem-1K
], ids=["loady-sb", "loadx-sx"])
def test_binary_download_256_kib(crate: Crate, tmp_path: Path, command: bytes,
                                 tool: list[str]) -> None:
    """256 KiB holding every byte value, sent by lrzsz through the pty: U-Boot's
    crc32 of ${filesize} bytes at ${loadaddr} is the file's."""
    con = crate.console(1)
    before = board(crate)
    data = payload(len(command) + len(tool[0]), 256 * KIB)
    path = tmp_path / "image.bin"
    path.write_bytes(data)
    took = send(con, command, tool, path, crate, before)
    loaded(con, len(data), crate, before)
    assert board_crc(con, LOADADDR, len(data)) == zlib.crc32(data)
    assert board(crate) == before, "the board restarted"
    print(f"\n{command.decode()} with {tool[0]}: 256 KiB in {took:.1f} s "
          f"({256 / took:.0f} KiB/s)")


@needs_uboot
def test_every_byte_printed_by_the_board(crate: Crate, tmp_path: Path) -> None:
    """A variable holding 0x01..0xff (loady, env import -b): printenv prints
    every byte raw, LF as CR LF."""
    con = crate.console(1)
    before = board(crate)
    value = bytes(range(1, 256))
    path = tmp_path / "env.bin"
    # env import -b: NUL-separated, two end it; a backslash escapes
    path.write_bytes(b"v=" + value.replace(b"\\", b"\\\\") + b"\0\0")
    send(con, b"loady", ["sb", "-q"], path, crate, before)
    loaded(con, path.stat().st_size, crate, before)
    line = b"env import -b ${loadaddr} ${filesize} v; printenv v"
    start = len(con.received)
    con.write(line + b"\r")
    got = expect_line(con, line, start, "printenv", crate, before)
    assert got == b"v=" + value.replace(b"\n", b"\r\n") + b"\r\n", got
    assert board(crate) == before, "the board restarted"
