# SPDX-License-Identifier: GPL-2.0-or-later
"""The protocol's and the hardware's numbers, read from include/pcinet/.

The C headers are the one place where PCINet's numbers live; Python reads
the simple ``#define NAME value`` lines from them instead of keeping a copy.
Function-like macros (``M83XX_DMA_MR(n)``) have small equivalents here.
"""

from __future__ import annotations

import re
from pathlib import Path

from .paths import include_dir

_DEFINE = re.compile(
    r"^#define\s+([A-Z][A-Z0-9_]*)\s+\(?\s*(0x[0-9A-Fa-f]+|\d+|BIT\(\d+\))[uUlL]*\s*\)?"
    r"\s*(?:/\*.*)?$"
)
_BIT = re.compile(r"BIT\((\d+)\)")

HEADERS = ("mpc83xx.h", "pcinet_proto.h", "pcinet_ring.h", "pcinet_console.h")


def _value(text: str) -> int:
    bit = _BIT.fullmatch(text)
    if bit:
        return 1 << int(bit.group(1))
    return int(text, 0)


def load(directory: Path | None = None) -> dict[str, int]:
    """Every simple numeric #define of the PCINet headers, by name."""
    base = directory or include_dir() / "pcinet"
    values: dict[str, int] = {}
    for name in HEADERS:
        for line in (base / name).read_text().splitlines():
            match = _DEFINE.match(line.strip())
            if match:
                values[match.group(1)] = _value(match.group(2))
    # The one composite the protocol defines from two simple ones
    values["PCINET_VERSION"] = ((values["PCINET_VERSION_MAJOR"] << 16)
                                | values["PCINET_VERSION_MINOR"])
    return values


D = load()


def const(name: str) -> int:
    """One constant by its C name; KeyError names what is missing."""
    try:
        return D[name]
    except KeyError:
        raise KeyError(f"{name} is not a simple #define in include/pcinet/") from None


def dma_reg(channel: int, reg: str) -> int:
    """IMMR offset of a DMA channel register (MR, SR, CDAR, SAR, DAR, BCR, NDAR)."""
    offsets = {"MR": 0x00, "SR": 0x04, "CDAR": 0x08, "SAR": 0x10, "DAR": 0x18,
               "BCR": 0x20, "NDAR": 0x24}
    if not 0 <= channel < const("M83XX_DMA_CHANNELS"):
        raise ValueError(f"DMA channel {channel} does not exist")
    return const("M83XX_DMA_BASE") + channel * const("M83XX_DMA_STRIDE") + offsets[reg]


def potar(n: int) -> int:
    return 0x8400 + n * 0x18


def pobar(n: int) -> int:
    return 0x8408 + n * 0x18


def pocmr(n: int) -> int:
    return 0x8410 + n * 0x18


def pcilawbar(n: int) -> int:
    return 0x0060 + n * 8


def pcilawar(n: int) -> int:
    return 0x0064 + n * 8


def pocmr_cm(size: int) -> int:
    """POCMR mask bits for a power-of-two outbound window of size bytes."""
    return ((~(size - 1) & 0xFFFFFFFF) >> 12) & const("M83XX_POCMR_CM_MASK")


def piwar_code(size: int) -> int:
    """PIWAR size code for a power-of-two inbound window of size bytes."""
    return size.bit_length() - 2


def status_make(sig: int, flags: int) -> int:
    """A status word as pcinet_status_make() builds it."""
    return (sig | (const("PCINET_VERSION_MAJOR") << const("PCINET_STATUS_VERSION_SHIFT"))
            | (flags & const("PCINET_STATUS_FLAGS_MASK")))


def board_valid(status: int) -> bool:
    """pcinet_board_valid(): the board's shared region may be used."""
    sig_ok = status & const("PCINET_STATUS_SIG_MASK") == const("PCINET_STATUS_SIG_BOARD")
    version = (status & const("PCINET_STATUS_VERSION_MASK")) >> const("PCINET_STATUS_VERSION_SHIFT")
    return bool(sig_ok and version == const("PCINET_VERSION_MAJOR")
                and status & const("PCINET_NET_REGISTERS_VALID"))


def cons_encode(data: bytes, seq: bool, first: bool = False) -> int:
    """A console message as pcinet_cons_encode() builds it."""
    if not 1 <= len(data) <= const("PCINET_CONS_MAX_BYTES"):
        raise ValueError("a console message carries 1 to 3 bytes")
    msg = len(data) | (const("PCINET_CONS_SEQ") if seq else 0)
    msg |= const("PCINET_CONS_FIRST") if first else 0
    for i, byte in enumerate(data):
        msg |= byte << (8 + 8 * i)
    return msg


def cons_decode(msg: int) -> bytes:
    count = msg & const("PCINET_CONS_COUNT_MASK")
    return bytes((msg >> (8 + 8 * i)) & 0xFF for i in range(count))
