# SPDX-License-Identifier: GPL-2.0-or-later
"""The chassis' own network namespace.

Simulated boards run inside it, so nothing a board sends can reach the
machine's real network. Its name is derived from the chassis directory, so a
later ``pcinet-sim down`` finds it even if the supervisor is gone.

The chassis' addresses exist only inside it: with the subnet A.B.0.0/16,
slot N's link is the TAP ``pcinetN`` of the host daemon, host side A.B.N.1,
board A.B.N.2, netmask 255.255.255.0.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import shutil
import subprocess
from pathlib import Path

NETNS_DIR = Path("/run/netns")
DEFAULT_SUBNET = "10.83.0.0/16"
SLOT_NETMASK = "255.255.255.0"


def name_for(directory: Path) -> str:
    digest = hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:8]
    return f"pcinet-{digest}"


def available() -> bool:
    """Namespaces need root and iproute2."""
    return os.geteuid() == 0 and shutil.which("ip") is not None


def exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def _ip(*args: str) -> None:
    res = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {res.stderr.strip() or res.returncode}")


def create(name: str) -> None:
    if exists(name):
        raise FileExistsError(f"network namespace {name} already exists "
                              "(a chassis that was not taken down? run 'pcinet-sim down')")
    _ip("netns", "add", name)
    _ip("-n", name, "link", "set", "lo", "up")


def delete(name: str) -> None:
    if exists(name):
        _ip("netns", "delete", name)


def parse_subnet(text: str) -> ipaddress.IPv4Network:
    """The chassis subnet: an IPv4 /16 whose third octet is the slot number.

    Raises ValueError with a message for the user.
    """
    try:
        net = ipaddress.IPv4Network(text, strict=False)
    except ValueError as e:
        raise ValueError(f"--subnet {text!r} is not an IPv4 network ({e}); "
                         f"give A.B.0.0/16, e.g. {DEFAULT_SUBNET}") from None
    if "/" not in text or net.prefixlen != 16:
        raise ValueError(f"--subnet {text!r}: the chassis needs a /16 (A.B.0.0/16, slot N "
                         f"is A.B.N.0/24), e.g. {DEFAULT_SUBNET}")
    if net.network_address != ipaddress.IPv4Address(text.split("/")[0]):
        raise ValueError(f"--subnet {text!r} has host bits set; did you mean {net}?")
    first = net.network_address.packed[0]
    if net.is_loopback or net.is_multicast or net.is_reserved or first == 0:
        raise ValueError(f"--subnet {text!r} is not usable for interfaces "
                         "(loopback, multicast, reserved or 0.x); "
                         f"a private range is best, e.g. {DEFAULT_SUBNET}")
    return net


def slot_ifname(slot: int) -> str:
    """The host daemon's TAP for slot, inside the chassis namespace."""
    return f"pcinet{slot}"


def slot_addresses(net: ipaddress.IPv4Network, slot: int) -> tuple[str, str]:
    """(host address, board address) of slot in the chassis subnet."""
    base = int(net.network_address) + (slot << 8)
    return (str(ipaddress.IPv4Address(base + 1)), str(ipaddress.IPv4Address(base + 2)))
