# SPDX-License-Identifier: GPL-2.0-or-later
"""Firmware images for farm reflash, checked before anything is written.

A board's boot flash takes a legacy U-Boot image of type firmware
(`mkimage -T firmware -O u-boot -C none -A ARCH`): a 64-byte header with
magic, header CRC32, data CRC32, arch and name, then the U-Boot binary.
farm refuses an image whose header or data do not check, whose arch is not
the board type's, that does not fit the flash, or in which it cannot find
the U-Boot version string it will ask the board for after the reset.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from .config import FIRMWARE_ARCHES, Firmware

HEADER = struct.Struct(">7I4B32s")  # include/image.h: struct legacy_img_hdr
IH_MAGIC = 0x27051956
IH_OS_U_BOOT = 17
IH_TYPE_FIRMWARE = 5
IH_COMP_NONE = 0
# U-Boot's version_string: "U-Boot 2023.01-rc1 (Nov 25 2026 - 21:31:54 +0000)"
VERSION = re.compile(rb"U-Boot \d{4}\.\d{2}[^\0 (]* \([A-Z][a-z]{2} [ \d]\d \d{4} - "
                     rb"\d\d:\d\d:\d\d [+-]\d{4}\)[^\0\n]*")


class ImageError(ValueError):
    """Why an image must not be written."""


@dataclass(frozen=True)
class FirmwareImage:
    path: Path
    data: bytes  # the whole file, header included: what the flash receives
    name: str  # the header's image name
    arch: str
    crc32: int  # of the whole file (what farm checks after tftp and read-back)
    version: str  # the version line U-Boot prints

    @property
    def size(self) -> int:
        return len(self.data)


def read_image(path: Path) -> FirmwareImage:
    """The image in path, checked; ImageError saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImageError(f"{path}: {e.strerror}") from None
    if len(data) < HEADER.size:
        raise ImageError(f"{path}: {len(data)} bytes: too short for an image header")
    (magic, hcrc, _time, size, _load, _ep, dcrc, os_, arch, typ, comp,
     raw_name) = HEADER.unpack_from(data)
    if magic != IH_MAGIC:
        raise ImageError(f"{path}: not a U-Boot image (magic 0x{magic:08x}, want "
                         f"0x{IH_MAGIC:08x}); wrap it: mkimage -T firmware -O u-boot -C none")
    header = bytearray(data[:HEADER.size])
    header[4:8] = bytes(4)
    if zlib.crc32(header) != hcrc:
        raise ImageError(f"{path}: header CRC32 mismatch: the image is corrupt")
    if len(data) != HEADER.size + size:
        raise ImageError(f"{path}: the header says {size} data bytes, the file has "
                         f"{len(data) - HEADER.size}: truncated or padded")
    payload = data[HEADER.size:]
    if zlib.crc32(payload) != dcrc:
        raise ImageError(f"{path}: data CRC32 mismatch: the image is corrupt")
    if (typ, os_, comp) != (IH_TYPE_FIRMWARE, IH_OS_U_BOOT, IH_COMP_NONE):
        raise ImageError(f"{path}: not an uncompressed U-Boot firmware image "
                         f"(type {typ}, os {os_}, compression {comp})")
    arch_name = next((n for n, v in FIRMWARE_ARCHES.items() if v == arch), f"arch {arch}")
    m = VERSION.search(payload)
    if m is None:
        raise ImageError(f"{path}: no U-Boot version string in the image: farm could "
                         "not confirm the board runs it after the reset")
    return FirmwareImage(path, data, raw_name.rstrip(b"\0").decode(errors="replace"),
                         arch_name, zlib.crc32(data), m.group().decode(errors="replace"))


def check_fits(image: FirmwareImage, board_type: str, firmware: Firmware | None) -> None:
    """ImageError if image is not for this board type's flash."""
    if firmware is None:
        raise ImageError(f"board type {board_type} has no firmware section in the chassis "
                         "file: farm does not know its flash")
    if image.arch != firmware.arch:
        raise ImageError(f"{image.path}: arch {image.arch}, but board type {board_type} "
                         f"runs {firmware.arch}")
    if image.size > firmware.flash_size:
        raise ImageError(f"{image.path}: {image.size} bytes do not fit board type "
                         f"{board_type}'s {firmware.flash_size}-byte flash")
