# SPDX-License-Identifier: GPL-2.0-or-later
"""make demo, the part at slot 7's console: what a lab engineer would type.

    demo.py CHASSIS_DIR

Opens slot 7's console (pcinetd's pty), shows the board's U-Boot, loads a
16 MiB image by TFTP over the backplane and checks it with U-Boot's crc32
against the file, then resets the board from the host side and watches it
come back. Every line the board prints is shown as it arrives.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import socket
import sys
import termios
import time
import tty
import zlib
from pathlib import Path

SLOT = 7
PROMPT = b"=> "


class Console:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd, termios.TCSANOW)
        self.buf = bytearray()

    def until(self, pattern: bytes, start: int, timeout: float) -> re.Match[bytes]:
        rx = re.compile(pattern, re.S)
        deadline = time.monotonic() + timeout
        while not (m := rx.search(self.buf, start)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"demo: slot {SLOT} did not answer in {timeout:g} s")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                data = os.read(self.fd, 65536)
                self.buf += data
                sys.stdout.write(data.decode(errors="replace").replace("\r\n", "\n"))
                sys.stdout.flush()
        return m

    def run(self, line: str, timeout: float = 60) -> bytes:
        start = len(self.buf)
        os.write(self.fd, line.encode() + b"\r")
        m = self.until(re.escape(line.encode()) + rb"\r\n(.*?)\r\n" + re.escape(PROMPT),
                       start, timeout)
        return m.group(1)


def request(directory: Path, line: str) -> dict[str, object]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(directory / "pcinetd.sock"))
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            data += s.recv(65536)
    reply = json.loads(data)
    assert isinstance(reply, dict)
    return reply


def main() -> int:
    directory = Path(sys.argv[1])
    state = json.loads((directory / "supervisor.json").read_text())
    image = random.Random(7).randbytes(16 << 20)
    (Path(state["tftp_root"]) / "demo-16m.img").write_bytes(image)
    print(f"== slot {SLOT}'s console: {directory / f'slot{SLOT:02d}' / 'console'}")
    con = Console(directory / f"slot{SLOT:02d}" / "console")
    start = len(con.buf)
    os.write(con.fd, b"\r")
    con.until(re.escape(PROMPT), start, 30)
    con.run("version")
    con.run("printenv ipaddr serverip")
    print(f"\n== tftpboot a 16 MiB image over the backplane (host CRC32 {zlib.crc32(image):08x})")
    t0 = time.monotonic()
    out = con.run("tftpboot ${loadaddr} demo-16m.img", timeout=300)
    took = time.monotonic() - t0
    if b"Bytes transferred = 16777216" not in out:
        raise SystemExit("demo: the transfer failed")
    out = con.run("crc32 ${loadaddr} ${filesize}")
    m = re.search(rb"==> ([0-9a-f]{8})", out)
    if not m or int(m.group(1), 16) != zlib.crc32(image):
        raise SystemExit("demo: the board's CRC32 does not match the file")
    print(f"\n== the board's CRC32 matches; 16 MiB in {took:.2f} s at the console")
    row = request(directory, f"status {SLOT}")["slot"]
    assert isinstance(row, dict)
    print(f"   pcinetd, slot {SLOT}: state {row['state']}, carrier {row['carrier']}, "
          f"{row['tx_frames']} frames to the board, {row['rx_frames']} back, "
          f"{row['misbehaved']} protocol errors")
    print(f"\n== reset slot {SLOT} from the host (RPR/RCR through its IMMR)")
    start = len(con.buf)
    request(directory, f"reset {SLOT}")
    con.until(rb"U-Boot 20.*?" + re.escape(PROMPT), start, 60)
    print(f"\n== slot {SLOT} is back at its prompt")
    os.close(con.fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
