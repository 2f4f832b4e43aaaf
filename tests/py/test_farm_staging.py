# SPDX-License-Identifier: GPL-2.0-or-later
"""farm's staging through labgrid's TFTPProvider: the image is linked into
the TFTP root's farm/ directory, also over a plain file an older farm left
there (labgrid refuses to replace one), and its size and CRC32 are those
of the file staged."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from farm.staging import STAGE_DIR, StagingError, stage


def test_stage_links_into_the_tftp_root(tmp_path: Path) -> None:
    root = tmp_path / "tftp"
    image = tmp_path / "images" / "kernel.itb"
    image.parent.mkdir()
    image.write_bytes(b"new image" * 100)
    (root / STAGE_DIR).mkdir(parents=True)
    (root / STAGE_DIR / "kernel.itb").write_bytes(b"a copy an older farm left")
    [staged] = stage([image], root)
    link = root / STAGE_DIR / "kernel.itb"
    assert link.is_symlink() and link.resolve() == image.resolve()
    assert staged.name == f"{STAGE_DIR}/kernel.itb"
    assert staged.size == 900 and staged.crc32 == zlib.crc32(image.read_bytes())
    # staged again (the next boot): the link is kept, nothing breaks
    [again] = stage([image], root)
    assert again == staged and link.is_symlink()


def test_a_stage_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    """A TFTP root farm cannot write into: StagingError naming the place,
    which the commands print (exit 1), never labgrid's traceback."""
    root = tmp_path / "tftp"
    root.mkdir()
    (root / STAGE_DIR).write_text("a file where farm's directory should be")
    image = tmp_path / "kernel.itb"
    image.write_bytes(b"x")
    with pytest.raises(StagingError, match=r"cannot stage .*kernel.itb into .*tftp/farm"):
        stage([image], root)
