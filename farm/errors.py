# SPDX-License-Identifier: GPL-2.0-or-later
"""farm's two kinds of failure, below every module that raises them.

FarmError ends a command: it carries the exit code (1 a failed operation,
2 bad usage or a bad chassis file) and its message is printed once, by
farm.cli.main. StageError ends the work on one slot: a stage failed for a
reason of the board's or the host's, and becomes the slot's row in the
result table. Anything else raised while a slot is worked on is a bug of
farm's and is reported as such (farm.session), never as either of these.
"""

from __future__ import annotations

FAILED = 1  # a failed operation
USAGE = 2  # bad usage or a bad chassis file: nothing was done


class FarmError(Exception):
    """A command cannot go on; main() prints the message and exits with exit_code."""

    def __init__(self, message: str, exit_code: int = FAILED):
        super().__init__(message)
        self.exit_code = exit_code


class StageError(RuntimeError):
    """A stage of the work on one slot failed: the slot's result, not a bug."""

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
