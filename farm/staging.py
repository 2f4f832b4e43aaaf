# SPDX-License-Identifier: GPL-2.0-or-later
"""Images into the TFTP root, the labgrid way: its TFTPProvider resource and
TFTPProviderDriver, which link the file into the provider's directory
(DIR/farm/ of the TFTP root here; over SSH for a RemoteTFTPProvider) and
give the name a board asks the TFTP server for.

The file is linked, not copied: it must stay where it is until the boards
have fetched it. What farm checks on the board (size, CRC32) is what it
read here, so a file changed in between fails that check, never silently.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from labgrid import Target
from labgrid.driver import TFTPProviderDriver
from labgrid.resource import TFTPProvider
from labgrid.util.managedfile import ManagedFileError

from .errors import FarmError

STAGE_DIR = "farm"


class StagingError(FarmError):
    """An image could not be put where the TFTP server serves it (a failed
    operation: the command ends, exit status 1)."""


@dataclass(frozen=True)
class Image:
    path: Path  # the link in the TFTP root
    name: str  # what U-Boot asks the server for
    size: int
    crc32: int


def stage(files: list[Path], tftp_root: Path,
          contents: dict[Path, bytes] | None = None) -> list[Image]:
    """Each file into tftp_root/farm/ (same base names: the last one wins).

    contents: what farm already read of a file (and checked): its size and
    CRC32 are taken from there, not read again.
    """
    target = Target("tftp")
    TFTPProvider(target, name=None, internal=f"{tftp_root / STAGE_DIR}/",
                 external=f"{STAGE_DIR}/")
    driver = TFTPProviderDriver(target, name=None)
    target.activate(driver)
    try:
        images = []
        for f in files:
            f = f.resolve()
            data = (contents or {}).get(f)
            if data is None:
                data = f.read_bytes()
            # DIR/farm/ is farm's own: a plain file there (a copy an older farm
            # staged, or one put by hand) would make labgrid refuse to link
            stale = tftp_root / STAGE_DIR / f.name
            if stale.exists() and not stale.is_symlink():
                try:
                    stale.unlink()
                except OSError as e:
                    raise StagingError(f"cannot replace {stale}: {e}") from e
            try:
                name = driver.stage(str(f))
            except (ManagedFileError, OSError) as e:
                raise StagingError(f"cannot stage {f} into {tftp_root / STAGE_DIR}: {e}") from e
            images.append(Image(tftp_root / name, name, len(data), zlib.crc32(data)))
        return images
    finally:
        target.cleanup()
