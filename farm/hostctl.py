# SPDX-License-Identifier: GPL-2.0-or-later
"""The host daemon's control socket: one command, one JSON answer.

Kept apart from the labgrid parts so that commands which only ask the host
(farm status) do not load labgrid.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pcinet_sim.layout import Layout


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


# The status fields that explain a lost link or console, in this order
HOST_VIEW_FIELDS = ("state", "board_status", "host_status", "registers_valid", "carrier",
                    "attaches", "detaches", "refusals", "misbehaved", "resets_seen",
                    "resets_requested", "errors", "net_error")


def host_view(control: Path, slot: int, since: float | None = None) -> str:
    """What the host daemon knows of a slot, for a failure report: its status
    fields and, where its log lies beside the control socket (the simulated
    chassis), its log lines about the slot, from since (a time.time()) on."""
    lines = []
    try:
        row = host_request(control, f"status {slot}", timeout=5)["slot"]
        lines.append(", ".join(f"{k}={row[k]}" for k in HOST_VIEW_FIELDS if k in row))
    except (OSError, ValueError, KeyError) as e:
        lines.append(f"no status from the host: {e}")
    log = Layout(control.parent).service_log("pcinetd")
    if log.exists():
        tag = f" slot {slot}: "
        start = "" if since is None else \
            datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:23]
        seen = [line for line in log.read_text(errors="replace").splitlines()
                if tag in line and line[:23] >= start]
        lines.append(f"{log}, lines about slot {slot}" + (" since the test began:" if since
                                                           else ":"))
        lines.extend(seen[-50:] or ["(none)"])
    return "\n".join(lines)
