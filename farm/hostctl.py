# SPDX-License-Identifier: GPL-2.0-or-later
"""The host daemon's control socket: one command, one JSON answer.

Kept apart from the labgrid parts so that commands which only ask the host
(farm status) do not load labgrid.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any


def host_request(control: Path, line: str, timeout: float = 10.0) -> dict[str, Any]:
    """One command to the host daemon's control socket; its JSON answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(control))
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise OSError(f"{control}: the host closed the connection on {line!r}")
            data += chunk
    reply = json.loads(data)
    if not isinstance(reply, dict) or reply.get("ok") is not True:
        raise OSError(f"{control}: {line!r} failed: {reply}")
    return reply
