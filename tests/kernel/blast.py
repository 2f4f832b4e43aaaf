# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest side of test_kernel.py's burst: an unpaced flood of raw Ethernet
frames through a PCINet interface while its carrier is on.

    python3 blast.py IFNAME DST_MAC COUNT RESULT_FILE [WAIT_S]

Waits (up to WAIT_S, default 30) for carrier, then sends COUNT frames of
60..1514 bytes (ethertype 0x88B5, local experimental) as fast as the
socket takes them; a full queue (ENOBUFS) is retried at once. Stops early
when the carrier goes off. Writes a JSON summary to RESULT_FILE.

The socket bypasses the qdisc (PACKET_QDISC_BYPASS): a frame counts as
sent only once the driver's ndo_start_xmit took it, so every frame in
"sent" is in the interface's tx_packets or tx_dropped. Through a qdisc, a
frame still queued when the carrier drops is freed by the stack, counted
nowhere, and the test could not tell that from a frame the driver lost.
"""

from __future__ import annotations

import errno
import json
import socket
import sys
import time
from pathlib import Path

SOL_PACKET = 263  # linux/socket.h
PACKET_QDISC_BYPASS = 20  # linux/if_packet.h


def carrier(ifname: str) -> bool:
    try:
        return Path(f"/sys/class/net/{ifname}/carrier").read_text().strip() == "1"
    except OSError:  # EINVAL while the interface is down
        return False


def main() -> None:
    ifname, dst, count, result = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    wait = float(sys.argv[5]) if len(sys.argv) > 5 else 30.0
    out: dict[str, object] = {"carrier_seen": False, "sent": 0, "retries": 0}
    deadline = time.monotonic() + wait
    while not carrier(ifname):
        if time.monotonic() > deadline:
            Path(result).write_text(json.dumps(out))
            return
        time.sleep(0.002)
    out["carrier_seen"] = True
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    s.bind((ifname, 0))
    head = bytes.fromhex(dst.replace(":", "")) + s.getsockname()[4][:6] + b"\x88\xb5"
    start = time.monotonic()
    sent = retries = 0
    while sent < count:
        frame = head + sent.to_bytes(4, "big") + bytes([sent & 0xFF]) * (42 + sent * 7 % 1454)
        try:
            s.send(frame)
            sent += 1
        except OSError as e:
            if e.errno not in (errno.ENOBUFS, errno.EAGAIN):
                out["error"] = str(e)
                break
            retries += 1
            if not carrier(ifname):
                break
        if sent % 64 == 0 and not carrier(ifname):
            break
    out.update(sent=sent, retries=retries, seconds=round(time.monotonic() - start, 3),
               carrier_after=carrier(ifname))
    Path(result).write_text(json.dumps(out))


if __name__ == "__main__":
    main()
