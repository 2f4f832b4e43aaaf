#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The boot ROM of a simulated board: run the U-Boot its boot flash holds.

    bootrom.py --flash FILE --factory IMAGE --cache DIR [--hang-if FILE] -- ARGS...

A real MPC83xx fetches its first instruction from flash; a simulated board
(U-Boot sandbox) is a host program, so this ROM reads the slot's flash file,
checks the image at offset 0 - a legacy uImage of type firmware for arch
sandbox, header and data CRC32 (what scripts/uboot.sh makes and farm
reflash writes) - and executes its payload with ARGS. The flash file is
U-Boot's own SPI flash emulator's backing file, so what `sf write` put there
is what runs after the next reset.

A board whose flash holds no valid image does what hardware does: it hangs
and says nothing on its console. The reason goes to stderr (the board's log
in the chassis directory) for whoever looks.

A missing flash file is a new board: it is "factory programmed" with IMAGE
first. The payload is unpacked once per CRC into DIR, so a reset costs no
copy. Only the standard library: this runs under the system python3.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import zlib
from pathlib import Path

FLASH_SIZE = 16 << 20  # the device tree's w25q128
HEADER = struct.Struct(">7I4B32s")  # include/image.h: struct legacy_img_hdr
IH_MAGIC = 0x27051956
IH_OS_U_BOOT = 17
IH_ARCH_SANDBOX = 19
IH_TYPE_FIRMWARE = 5
IH_COMP_NONE = 0


class NotBootable(Exception):
    pass


def check_image(data: bytes) -> tuple[bytes, str]:
    """The payload and the image's name, or NotBootable with the reason."""
    if len(data) < HEADER.size:
        raise NotBootable("shorter than an image header")
    (magic, hcrc, _time, size, _load, _ep, dcrc, os_, arch, typ, comp,
     name) = HEADER.unpack_from(data)
    if magic != IH_MAGIC:
        raise NotBootable(f"no image magic at offset 0 (0x{magic:08x})")
    header = bytearray(data[:HEADER.size])
    header[4:8] = b"\0\0\0\0"
    if zlib.crc32(header) != hcrc:
        raise NotBootable("image header CRC32 mismatch")
    if (os_, arch, typ, comp) != (IH_OS_U_BOOT, IH_ARCH_SANDBOX, IH_TYPE_FIRMWARE,
                                  IH_COMP_NONE):
        raise NotBootable(f"not an uncompressed sandbox U-Boot firmware image "
                          f"(os {os_}, arch {arch}, type {typ}, comp {comp})")
    if HEADER.size + size > len(data):
        raise NotBootable(f"image of {size} bytes does not fit the flash")
    payload = data[HEADER.size:HEADER.size + size]
    if zlib.crc32(payload) != dcrc:
        raise NotBootable("image data CRC32 mismatch")
    return payload, name.rstrip(b"\0").decode(errors="replace")


def factory_program(flash: Path, image: Path) -> None:
    """An erased part (all 0xff) with image at offset 0, never half a file."""
    data = image.read_bytes()
    if len(data) > FLASH_SIZE:
        raise NotBootable(f"factory image {image} is larger than the flash")
    tmp = flash.with_name(flash.name + ".tmp")
    tmp.write_bytes(data + b"\xff" * (FLASH_SIZE - len(data)))
    tmp.replace(flash)


def unpacked(cache: Path, payload: bytes) -> Path:
    """The payload as an executable file in cache, one per CRC."""
    cache.mkdir(exist_ok=True)
    exe = cache / f"u-boot-{zlib.crc32(payload):08x}"
    if not exe.exists():
        tmp = cache / (exe.name + ".tmp")
        tmp.write_bytes(payload)
        tmp.chmod(0o755)
        tmp.replace(exe)
    for old in cache.iterdir():
        if old != exe:
            old.unlink(missing_ok=True)
    return exe


def hang(reason: str) -> None:
    print(f"bootrom: {reason}; the board hangs", file=sys.stderr, flush=True)
    os.execvp("sleep", ["sleep", "infinity"])


def main() -> None:
    ap = argparse.ArgumentParser(prog="bootrom.py")
    ap.add_argument("--flash", type=Path, required=True)
    ap.add_argument("--factory", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--hang-if", type=Path, help="an injected fault: hang while it exists")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.hang_if is not None and a.hang_if.exists():
        hang(f"fault {a.hang_if.name} injected ({a.hang_if})")
    try:
        if not a.flash.exists():
            factory_program(a.flash, a.factory)
            print(f"bootrom: new board: {a.flash} programmed with {a.factory}",
                  file=sys.stderr, flush=True)
        with a.flash.open("rb") as f:
            head = f.read(HEADER.size)
            size = HEADER.unpack_from(head)[3] if len(head) == HEADER.size else 0
            data = head + f.read(min(size, FLASH_SIZE))
        payload, name = check_image(data)
    except (OSError, NotBootable) as e:
        hang(f"{a.flash}: no bootable image: {e}")
        return
    exe = unpacked(a.cache, payload)
    print(f"bootrom: starting '{name}' ({len(payload)} bytes) from {a.flash}",
          file=sys.stderr, flush=True)
    os.execv(exe, [str(exe), *a.args])


if __name__ == "__main__":
    main()
