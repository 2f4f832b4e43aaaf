# SPDX-License-Identifier: GPL-2.0-or-later
"""Run inside a chassis' network namespace: frames out of a slot's TAP and back.

    python3 netns_frames.py IFNAME COUNT [TIMEOUT]

Sends COUNT raw Ethernet frames (EtherType 0x88B5, local experimental) of
varied length out of IFNAME and waits for each to come back unchanged, as
the test firmware's echo board returns every frame. Prints one JSON object:
{"sent": N, "echoed": M, "bad": K} and exits 0 (the caller judges).
"""

from __future__ import annotations

import json
import random
import socket
import sys
import time

ETH_P = 0x88B5
PACKET_OUTGOING = 4


def main() -> int:
    ifname, count = sys.argv[1], int(sys.argv[2])
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P))
    s.bind((ifname, ETH_P))
    mac = s.getsockname()[4]
    rnd = random.Random(count)
    frames = {}
    for seq in range(count):
        body = seq.to_bytes(4, "big") + rnd.randbytes(rnd.randint(46, 1400))
        frame = b"\xff" * 6 + mac + ETH_P.to_bytes(2, "big") + body
        frames[seq] = frame
        s.send(frame)
    echoed = bad = 0
    s.settimeout(0.2)
    deadline = time.monotonic() + timeout
    while echoed < count and time.monotonic() < deadline:
        try:
            data, addr = s.recvfrom(65536)
        except TimeoutError:
            continue
        if addr[2] == PACKET_OUTGOING:
            continue
        seq = int.from_bytes(data[14:18], "big")
        if frames.get(seq) == data:
            echoed += 1
            del frames[seq]
        else:
            bad += 1
    print(json.dumps({"sent": count, "echoed": echoed, "bad": bad}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
