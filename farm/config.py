# SPDX-License-Identifier: GPL-2.0-or-later
"""farm/chassis.yaml: the one description of a crate, checked.

load() returns a Chassis or raises ConfigErrors holding one message per
problem, each with the file, the line and the key path - never a traceback.
Relative paths in the file are relative to the file's directory.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcinet_sim.paths import default_runtime_dir

from . import yamlpos
from .yamlpos import Key, path_text

BACKENDS = ("sim", "kernel", "userspace")
MAX_SLOTS = 32  # the simulated chassis' limit; a CompactPCI crate has up to 21
COMMANDS = ("boot", "flash_write", "flash_verify")
# include/image.h IH_ARCH_*: what a board type's firmware images must say
FIRMWARE_ARCHES = {"powerpc": 7, "sandbox": 19}


@dataclass(frozen=True)
class Firmware:
    """What farm reflash needs to know of a board type's boot flash."""

    arch: str  # FIRMWARE_ARCHES key: the arch field images must carry
    flash_size: int  # bytes: a larger image is refused
    scratch_addr: int  # RAM address the read-back goes to (not load_addr's range)


@dataclass(frozen=True)
class Problem:
    file: Path
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.path}: {self.message}"


class ConfigErrors(Exception):
    """Everything wrong with a chassis file, one Problem each."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass(frozen=True)
class BoardType:
    name: str
    prompt: str
    load_addr: int
    commands: dict[str, str]
    firmware: Firmware | None = None  # None: farm reflash refuses this board type


@dataclass(frozen=True)
class SlotConfig:
    number: int
    board: str
    enabled: bool
    address: str  # the board's IPv4 address
    host_address: str  # the host's end of the slot's link


@dataclass(frozen=True)
class Timeouts:
    prompt: float = 60.0  # reset to U-Boot prompt
    registers_valid: float = 10.0  # registers invalid after a reset and after a handoff
    transfer: float = 300.0  # one tftp
    command: float = 60.0  # any other U-Boot command
    flash: float = 600.0  # one flash write or read-back


@dataclass(frozen=True)
class Tftp:
    root: Path | None  # None: the simulated chassis' own
    blocksize: int = 1468
    windowsize: int = 32


@dataclass(frozen=True)
class Chassis:
    file: Path
    name: str
    backend: str
    sim_dir: Path  # the simulated chassis' runtime directory
    subnet: str
    tftp: Tftp
    timeouts: Timeouts
    board_types: dict[str, BoardType]
    images: dict[str, Path]
    slots: dict[int, SlotConfig] = field(default_factory=dict)

    def enabled_slots(self) -> list[int]:
        return [n for n, s in sorted(self.slots.items()) if s.enabled]


class _Checker:
    """Walks the document, collecting problems with their lines."""

    def __init__(self, file: Path, lines: dict[Key, int]):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def bad(self, path: Key, message: str) -> None:
        line = None
        for n in range(len(path), -1, -1):  # the nearest known position
            line = self.lines.get(path[:n])
            if line is not None:
                break
        self.problems.append(Problem(self.file, line, path_text(path), message))

    def mapping(self, value: Any, path: Key, known: tuple[str, ...],
                required: tuple[str, ...] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(path, "must be a mapping (key: value lines)")
            return {}
        for key in value:
            if key not in known:
                self.bad((*path, key), f"unknown key (known: {', '.join(known)})")
        for key in required:
            if key not in value:
                self.bad(path, f"'{key}' is missing")
        return value

    def typed(self, value: Any, path: Key, kind: type, what: str) -> Any:
        # bool is an int in Python; a YAML 'yes' where a number belongs is wrong
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            self.bad(path, f"must be {what}, not {value!r}")
            return None
        return value

    def number(self, value: Any, path: Key, low: float, high: float) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(path, f"must be a number, not {value!r}")
            return None
        if not low <= value <= high:
            self.bad(path, f"{value} is outside {low:g}..{high:g}")
            return None
        return float(value)

    def integer(self, value: Any, path: Key, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(path, f"must be a whole number, not {value!r}")
            return None
        if not low <= value <= high:
            self.bad(path, f"{value} is outside {low}..{high}")
            return None
        return value

    def text(self, value: Any, path: Key) -> str | None:
        if not isinstance(value, str) or not value:
            self.bad(path, f"must be a non-empty string, not {value!r}")
            return None
        return value


def _section(ck: _Checker, doc: dict[str, Any], key: str, known: tuple[str, ...],
             required: tuple[str, ...] = ()) -> dict[str, Any]:
    if key not in doc:
        return {}
    return ck.mapping(doc[key], (key,), known, required)


def _timeouts(ck: _Checker, doc: dict[str, Any]) -> Timeouts:
    names = ("prompt", "registers_valid", "transfer", "command", "flash")
    sec = _section(ck, doc, "timeouts", names)
    values: dict[str, float] = {}
    for name in names:
        if name in sec:
            v = ck.number(sec[name], ("timeouts", name), 0.1, 86400)
            if v is not None:
                values[name] = v
    return Timeouts(**values)


def _tftp(ck: _Checker, doc: dict[str, Any], base: Path, backend: str) -> Tftp:
    sec = _section(ck, doc, "tftp", ("root", "blocksize", "windowsize"))
    root = None
    if "root" in sec:
        text = ck.text(sec["root"], ("tftp", "root"))
        if text is not None:
            root = (base / text).resolve()
            if not root.is_dir():
                ck.bad(("tftp", "root"), f"{root} is not a directory")
    elif backend != "sim":
        ck.bad(("tftp",), "'root' is missing: a real crate's TFTP server serves a directory")
    blocksize = ck.integer(sec.get("blocksize", 1468), ("tftp", "blocksize"), 512, 65464)
    windowsize = ck.integer(sec.get("windowsize", 32), ("tftp", "windowsize"), 1, 65535)
    return Tftp(root, blocksize or 1468, windowsize or 32)


def _board_types(ck: _Checker, doc: dict[str, Any]) -> dict[str, BoardType]:
    sec = doc.get("board_types")
    if sec is None:
        ck.bad(("board_types",), "missing: at least one board type")
        return {}
    if not isinstance(sec, dict) or not sec:
        ck.bad(("board_types",), "must map board type names to their settings")
        return {}
    types: dict[str, BoardType] = {}
    for name, body in sec.items():
        path: Key = ("board_types", name)
        m = ck.mapping(body, path, ("prompt", "load_addr", "commands", "firmware"),
                       ("prompt", "load_addr", "commands"))
        prompt = ck.text(m["prompt"], (*path, "prompt")) if "prompt" in m else None
        load = ck.integer(m["load_addr"], (*path, "load_addr"), 0, 2**64 - 1) \
            if "load_addr" in m else None
        cmds: dict[str, str] = {}
        if "commands" in m:
            cm = ck.mapping(m["commands"], (*path, "commands"), COMMANDS, COMMANDS)
            for c in COMMANDS:
                if c in cm:
                    t = ck.text(cm[c], (*path, "commands", c))
                    if t is not None:
                        cmds[c] = t
        firmware = _firmware(ck, m["firmware"], (*path, "firmware")) \
            if "firmware" in m else None
        if prompt is not None and load is not None and len(cmds) == len(COMMANDS) and \
                (firmware is not None or "firmware" not in m):
            types[name] = BoardType(name, prompt, load, cmds, firmware)
    return types


def _firmware(ck: _Checker, body: Any, path: Key) -> Firmware | None:
    names = ("arch", "flash_size", "scratch_addr")
    m = ck.mapping(body, path, names, names)
    arch = ck.text(m["arch"], (*path, "arch")) if "arch" in m else None
    if arch is not None and arch not in FIRMWARE_ARCHES:
        ck.bad((*path, "arch"), f"unknown arch {arch!r} (one of: "
               f"{', '.join(FIRMWARE_ARCHES)})")
        arch = None
    size = ck.integer(m["flash_size"], (*path, "flash_size"), 1, 2**32) \
        if "flash_size" in m else None
    scratch = ck.integer(m["scratch_addr"], (*path, "scratch_addr"), 0, 2**64 - 1) \
        if "scratch_addr" in m else None
    if arch is None or size is None or scratch is None:
        return None
    return Firmware(arch, size, scratch)


def _images(ck: _Checker, doc: dict[str, Any], base: Path) -> dict[str, Path]:
    sec = doc.get("images", {})
    if not isinstance(sec, dict):
        ck.bad(("images",), "must map image names to files")
        return {}
    images: dict[str, Path] = {}
    for name, value in sec.items():
        text = ck.text(value, ("images", name))
        if text is None:
            continue
        path = (base / text).resolve()
        if not path.is_file():
            ck.bad(("images", name), f"image file {path} does not exist")
            continue
        images[name] = path
    return images


def _subnet(ck: _Checker, doc: dict[str, Any]) -> ipaddress.IPv4Network | None:
    sec = _section(ck, doc, "network", ("subnet",))
    text = sec.get("subnet", "10.83.0.0/16")
    try:
        net = ipaddress.IPv4Network(text, strict=True)
    except (ValueError, TypeError) as e:
        ck.bad(("network", "subnet"), f"not an IPv4 network: {e}")
        return None
    if net.prefixlen != 16:
        ck.bad(("network", "subnet"), "must be a /16: slot N's link is A.B.N.0/24")
        return None
    return net


def _slots(ck: _Checker, doc: dict[str, Any], count: int, types: dict[str, BoardType],
           net: ipaddress.IPv4Network | None,
           type_known: Callable[[str], bool]) -> dict[int, SlotConfig]:
    sec = doc.get("slots")
    if not isinstance(sec, list) or not sec:
        ck.bad(("slots",), "must be a list of slots (- slot: N, board: TYPE)")
        return {}
    slots: dict[int, SlotConfig] = {}
    seen_at: dict[int, int] = {}
    addresses: dict[str, int] = {}
    for i, body in enumerate(sec):
        path: Key = ("slots", i)
        m = ck.mapping(body, path, ("slot", "board", "enabled", "address"), ("slot", "board"))
        if "slot" not in m:
            continue
        n = ck.integer(m["slot"], (*path, "slot"), 1, count)
        if n is None:
            continue
        if n in seen_at:
            ck.bad((*path, "slot"), f"slot {n} is already described at slots[{seen_at[n]}]")
            continue
        seen_at[n] = i
        board = ck.text(m.get("board"), (*path, "board")) if "board" in m else None
        if board is not None and not type_known(board):
            ck.bad((*path, "board"), f"unknown board type '{board}' "
                   f"(board_types has: {', '.join(sorted(types)) or 'none'})")
            board = None
        enabled = True
        if "enabled" in m:
            enabled = bool(ck.typed(m["enabled"], (*path, "enabled"), bool, "true or false"))
        host = str(net.network_address + (n << 8) + 1) if net else ""
        address = str(net.network_address + (n << 8) + 2) if net else ""
        if "address" in m:
            text = ck.text(m["address"], (*path, "address"))
            try:
                address = str(ipaddress.IPv4Address(text or ""))
            except ValueError:
                ck.bad((*path, "address"), f"not an IPv4 address: {text!r}")
                continue
        if address in addresses:
            ck.bad((*path, "address"), f"{address} is slot {addresses[address]}'s address too")
            continue
        if net and ipaddress.IPv4Address(address) not in \
                ipaddress.IPv4Network(f"{host}/24", strict=False):
            ck.bad((*path, "address"), f"{address} is not on slot {n}'s link {host}/24")
            continue
        addresses[address] = n
        if board is not None:
            slots[n] = SlotConfig(n, board, enabled, address, host)
    return slots


def load(file: Path) -> Chassis:
    """The chassis described in file; ConfigErrors with every problem found."""
    file = Path(file)
    try:
        doc, lines = yamlpos.load(file)
    except yamlpos.YamlError as e:
        raise ConfigErrors([Problem(file, e.line, "(file)", str(e))]) from None
    ck = _Checker(file, lines)
    base = file.resolve().parent
    top = ck.mapping(doc, (), ("chassis", "network", "tftp", "timeouts", "board_types",
                               "images", "slots"), ("chassis", "board_types", "slots"))
    ch = ck.mapping(top.get("chassis", {}), ("chassis",), ("name", "backend", "slots", "dir"),
                    ("name", "backend"))
    name = ck.text(ch["name"], ("chassis", "name")) if "name" in ch else None
    backend = ch.get("backend")
    if backend is not None and backend not in BACKENDS:
        ck.bad(("chassis", "backend"),
               f"unknown backend {backend!r} (one of: {', '.join(BACKENDS)})")
        backend = None
    count = ck.integer(ch.get("slots", 19), ("chassis", "slots"), 1, MAX_SLOTS) or 19
    sim_dir = None
    if "dir" in ch:
        text = ck.text(ch["dir"], ("chassis", "dir"))
        sim_dir = Path(text) if text else None
    net = _subnet(ck, top)
    tftp = _tftp(ck, top, base, backend or "sim")
    timeouts = _timeouts(ck, top)
    types = _board_types(ck, top)
    raw_types = top.get("board_types") if isinstance(top.get("board_types"), dict) else {}
    images = _images(ck, top, base)
    slots = _slots(ck, top, count, types, net, lambda t: t in (raw_types or {}))
    if ck.problems:
        raise ConfigErrors(ck.problems)
    assert name is not None and backend is not None and net is not None
    if sim_dir is None:
        sim_dir = default_runtime_dir() / name
    return Chassis(file.resolve(), name, backend, sim_dir, str(net), tftp, timeouts, types,
                   images, slots)
