# SPDX-License-Identifier: GPL-2.0-or-later
"""ctypes binding of libpcinetsim (sim/include/pcinet_sim.h).

    with Chassis.create(tmpdir, slots=2) as ch:
        host = ch.slot(1, Side.HOST)
        host.write32(const("M83XX_MU_IMR0"), 0x1234)
"""

from __future__ import annotations

import ctypes
import enum
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .paths import library

# enum pcinet_sim_counter's order; the violations first (sim/lib/checker.c)
COUNTERS = (
    "viol_ram_invalid", "viol_dma_range", "viol_ro_write", "viol_reserved_bit",
    "viol_bar_range", "viol_board_window", "viol_dma_foreign", "viol_rcr_lost",
    "viol_no_snoop", "viol_posted_passed", "viol_cfg_lost",
    "stale_after_reset", "resets", "dma_transfers", "dma_bytes",
    "dma_errors", "host_irqs", "board_irqs", "bar_reads", "bar_writes",
    "dma_aborts", "posted_late",
)
VIOLATIONS = COUNTERS[:COUNTERS.index("stale_after_reset")]


class Side(enum.IntEnum):
    BOARD = 0
    HOST = 1
    OBSERVER = 2


class SimError(OSError):
    """A libpcinetsim call failed; errno and a message say why."""


class _Config(ctypes.Structure):
    _fields_ = [
        ("slots", ctypes.c_uint32),
        ("ram_base", ctypes.c_uint32),
        ("ram_size", ctypes.c_uint32),
        ("host_mem_bus", ctypes.c_uint64),
        ("host_mem_size", ctypes.c_uint64),
    ]


@dataclass(frozen=True)
class Config:
    """Chassis geometry; Config.default() gives the library's defaults."""

    slots: int
    ram_base: int
    ram_size: int
    host_mem_bus: int
    host_mem_size: int

    @classmethod
    def default(cls, **overrides: int) -> Config:
        cfg = _Config()
        lib().pcinet_sim_config_default(ctypes.byref(cfg))
        values = {f[0]: getattr(cfg, f[0]) for f in _Config._fields_}
        values.update(overrides)
        return cls(**values)

    def _c(self) -> _Config:
        return _Config(self.slots, self.ram_base, self.ram_size, self.host_mem_bus,
                       self.host_mem_size)


def _load() -> ctypes.CDLL:
    path = library()
    if not path.exists():
        raise SimError(2, f"{path} is missing: run 'make sim' first")
    lib = ctypes.CDLL(str(path), use_errno=True)
    vp, u32, u64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint64
    sigs: dict[str, tuple[object, list[object]]] = {
        "pcinet_sim_config_default": (None, [ctypes.POINTER(_Config)]),
        "pcinet_sim_path": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_uint, ctypes.c_int,
                                           ctypes.c_char_p, ctypes.c_size_t]),
        "pcinet_sim_chassis_create": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_Config)]),
        "pcinet_sim_chassis_create_ext": (ctypes.c_int, [ctypes.c_char_p,
                                                         ctypes.POINTER(_Config),
                                                         ctypes.c_char_p]),
        "pcinet_sim_chassis_destroy": (ctypes.c_int, [ctypes.c_char_p]),
        "pcinet_sim_chassis_open": (vp, [ctypes.c_char_p]),
        "pcinet_sim_chassis_close": (None, [vp]),
        "pcinet_sim_chassis_get_config": (None, [vp, ctypes.POINTER(_Config)]),
        "pcinet_sim_host_mem": (vp, [vp]),
        "pcinet_sim_slot_open": (vp, [vp, ctypes.c_uint, ctypes.c_int]),
        "pcinet_sim_slot_close": (None, [vp]),
        "pcinet_sim_read32": (u32, [vp, u32]),
        "pcinet_sim_write32": (None, [vp, u32, u32]),
        "pcinet_sim_board_ram": (vp, [vp]),
        "pcinet_sim_board_ptr": (vp, [vp, u32, u32]),
        "pcinet_sim_bar_read": (ctypes.c_int, [vp, u32, vp, u32]),
        "pcinet_sim_bar_write": (ctypes.c_int, [vp, u32, vp, u32]),
        "pcinet_sim_bar_size": (u32, [vp]),
        "pcinet_sim_cfg_read": (ctypes.c_int, [vp, u32, vp, u32]),
        "pcinet_sim_cfg_write": (ctypes.c_int, [vp, u32, vp, u32]),
        "pcinet_sim_cfg_restore": (ctypes.c_int, [vp]),
        "pcinet_sim_cfg_decodes": (ctypes.c_bool, [vp]),
        "pcinet_sim_host_dma_share": (ctypes.c_int, [vp, u64, u64]),
        "pcinet_sim_irq_fd": (ctypes.c_int, [vp]),
        "pcinet_sim_irq_drain": (None, [vp]),
        "pcinet_sim_irq_level": (ctypes.c_bool, [vp, ctypes.c_int]),
        "pcinet_sim_counter": (u64, [vp, ctypes.c_int]),
        "pcinet_sim_violations": (u64, [vp]),
        "pcinet_sim_last_violation": (None, [vp, ctypes.c_char_p, ctypes.c_size_t]),
        "pcinet_sim_epoch": (u32, [vp]),
        "pcinet_sim_hard_reset": (None, [vp, u32]),
        "pcinet_sim_board_stale": (ctypes.c_bool, [vp]),
        "pcinet_sim_faults": (u32, [vp]),
        "pcinet_sim_set_faults": (ctypes.c_int, [vp, u32]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_LIB: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    global _LIB
    if _LIB is None:
        _LIB = _load()
    return _LIB


def _check(ret: int, what: str) -> None:
    if ret < 0:
        raise SimError(-ret, f"{what}: {os.strerror(-ret)}")


class Chassis:
    """An open simulated chassis (its runtime directory)."""

    def __init__(self, directory: Path | str):
        self.dir = Path(directory)
        handle = lib().pcinet_sim_chassis_open(str(self.dir).encode())
        if not handle:
            err = ctypes.get_errno()
            raise SimError(err, f"cannot open chassis {self.dir}: {os.strerror(err)}")
        self._h: int | None = handle
        cfg = _Config()
        lib().pcinet_sim_chassis_get_config(handle, ctypes.byref(cfg))
        self.config = Config(cfg.slots, cfg.ram_base, cfg.ram_size, cfg.host_mem_bus,
                             cfg.host_mem_size)
        self._slots: list[Slot] = []

    @staticmethod
    def make(directory: Path | str, config: Config | None = None,
             host_mem: Path | str | None = None) -> None:
        """Create the chassis files in directory (which must exist).

        host_mem: an existing file of at least config.host_mem_size bytes to be the
        host memory instead of DIR/host-mem (a UML kernel's RAM, docs/uml.md); it is
        never created or removed here.
        """
        cfg = (config or Config.default())._c()
        if host_mem is None:
            ret = lib().pcinet_sim_chassis_create(str(directory).encode(), ctypes.byref(cfg))
        else:
            ret = lib().pcinet_sim_chassis_create_ext(str(directory).encode(),
                                                      ctypes.byref(cfg), str(host_mem).encode())
        _check(ret, f"cannot create chassis in {directory}")

    @staticmethod
    def destroy(directory: Path | str) -> None:
        lib().pcinet_sim_chassis_destroy(str(directory).encode())

    @classmethod
    def create(cls, directory: Path | str, config: Config | None = None) -> Chassis:
        cls.make(directory, config)
        return cls(directory)

    @property
    def handle(self) -> int:
        if self._h is None:
            raise SimError(9, "chassis is closed")
        return self._h

    def slot(self, number: int, side: Side) -> Slot:
        s = Slot(self, number, side)
        self._slots.append(s)
        return s

    def host_write(self, bus_addr: int, data: bytes) -> None:
        off = self._host_off(bus_addr, len(data))
        ctypes.memmove(lib().pcinet_sim_host_mem(self.handle) + off, data, len(data))

    def host_read(self, bus_addr: int, length: int) -> bytes:
        off = self._host_off(bus_addr, length)
        return ctypes.string_at(lib().pcinet_sim_host_mem(self.handle) + off, length)

    def _host_off(self, bus_addr: int, length: int) -> int:
        off = bus_addr - self.config.host_mem_bus
        if off < 0 or off + length > self.config.host_mem_size:
            raise ValueError(f"bus address 0x{bus_addr:x}+{length} is not host memory")
        return off

    def close(self) -> None:
        for s in self._slots:
            s.close()
        self._slots.clear()
        if self._h is not None:
            lib().pcinet_sim_chassis_close(self._h)
            self._h = None

    def __enter__(self) -> Chassis:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Slot:
    """One slot seen from one side: register access, BAR1, interrupt line."""

    def __init__(self, chassis: Chassis, number: int, side: Side):
        self.chassis = chassis
        self.number = number
        self.side = side
        handle = lib().pcinet_sim_slot_open(chassis.handle, number, int(side))
        if not handle:
            err = ctypes.get_errno()
            raise SimError(err, f"cannot open slot {number}: {os.strerror(err)}")
        self._h: int | None = handle

    @property
    def handle(self) -> int:
        if self._h is None:
            raise SimError(9, f"slot {self.number} is closed")
        return self._h

    def read32(self, offset: int) -> int:
        return int(lib().pcinet_sim_read32(self.handle, offset))

    def write32(self, offset: int, value: int) -> None:
        lib().pcinet_sim_write32(self.handle, offset, value & 0xFFFFFFFF)

    def bar_read(self, offset: int, length: int) -> tuple[int, bytes]:
        buf = ctypes.create_string_buffer(length)
        ret = lib().pcinet_sim_bar_read(self.handle, offset, buf, length)
        return int(ret), buf.raw

    def bar_write(self, offset: int, data: bytes) -> int:
        buf = ctypes.create_string_buffer(data, len(data))
        return int(lib().pcinet_sim_bar_write(self.handle, offset, buf, len(data)))

    def bar_size(self) -> int:
        return int(lib().pcinet_sim_bar_size(self.handle))

    def cfg_read(self, offset: int, length: int) -> bytes:
        """Host or observer: PCI configuration space bytes (all ones while locked)."""
        buf = ctypes.create_string_buffer(length)
        ret = lib().pcinet_sim_cfg_read(self.handle, offset, buf, length)
        if ret:
            raise SimError(-ret, f"config read 0x{offset:x}+{length} of slot {self.number}")
        return buf.raw

    def cfg_write(self, offset: int, data: bytes) -> None:
        buf = ctypes.create_string_buffer(data, len(data))
        ret = lib().pcinet_sim_cfg_write(self.handle, offset, buf, len(data))
        if ret:
            raise SimError(-ret, f"config write 0x{offset:x}+{len(data)} of slot {self.number}")

    def cfg_restore(self) -> bool:
        """Host: restore the board's configuration space after a reset, as a
        host's pci_restore_state() does; False while it is still locked."""
        ret = int(lib().pcinet_sim_cfg_restore(self.handle))
        if ret not in (0, -11):  # -EAGAIN: the board's firmware is not up yet
            raise SimError(-ret, f"config restore of slot {self.number}")
        return ret == 0

    def cfg_decodes(self) -> bool:
        """Does the board decode its BARs (configuration space intact)?"""
        return bool(lib().pcinet_sim_cfg_decodes(self.handle))

    def dma_share(self, bus: int, size: int) -> int:
        """Host side: the host memory this slot's board may reach by DMA (0: no check)."""
        return int(lib().pcinet_sim_host_dma_share(self.handle, bus, size))

    def ram_write(self, local: int, data: bytes) -> None:
        """Board side: write board RAM at a board-local address."""
        ptr = lib().pcinet_sim_board_ptr(self.handle, local, len(data))
        if not ptr:
            raise ValueError(f"0x{local:x}+{len(data)} is not board RAM (or not the board side)")
        ctypes.memmove(ptr, data, len(data))

    def ram_read(self, local: int, length: int) -> bytes:
        ptr = lib().pcinet_sim_board_ptr(self.handle, local, length)
        if not ptr:
            raise ValueError(f"0x{local:x}+{length} is not board RAM (or not the board side)")
        return ctypes.string_at(ptr, length)

    def irq_fd(self) -> int:
        return int(lib().pcinet_sim_irq_fd(self.handle))

    def irq_drain(self) -> None:
        lib().pcinet_sim_irq_drain(self.handle)

    def irq_level(self, line: Side) -> bool:
        return bool(lib().pcinet_sim_irq_level(self.handle, int(line)))

    def counter(self, name: str) -> int:
        return int(lib().pcinet_sim_counter(self.handle, COUNTERS.index(name)))

    def counters(self) -> dict[str, int]:
        return {name: self.counter(name) for name in COUNTERS}

    def violations(self) -> int:
        return int(lib().pcinet_sim_violations(self.handle))

    def last_violation(self) -> str:
        buf = ctypes.create_string_buffer(256)
        lib().pcinet_sim_last_violation(self.handle, buf, len(buf))
        return buf.value.decode(errors="replace")

    def epoch(self) -> int:
        return int(lib().pcinet_sim_epoch(self.handle))

    def hard_reset(self, rsr: int) -> None:
        lib().pcinet_sim_hard_reset(self.handle, rsr)

    def stale(self) -> bool:
        return bool(lib().pcinet_sim_board_stale(self.handle))

    def faults(self) -> int:
        """The slot's injected faults, PCINET_SIM_FAULT_* bits (pcinet_sim.h)."""
        return int(lib().pcinet_sim_faults(self.handle))

    def set_faults(self, faults: int) -> None:
        _check(lib().pcinet_sim_set_faults(self.handle, faults), "set faults")

    def close(self) -> None:
        if self._h is not None:
            lib().pcinet_sim_slot_close(self._h)
            self._h = None
