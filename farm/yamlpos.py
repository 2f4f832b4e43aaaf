# SPDX-License-Identifier: GPL-2.0-or-later
"""YAML with positions: every value of a document and the line it came from.

Validation messages name the key path and the line ("slots[3].slot, line
42"), so a lab engineer goes straight to the mistake. PyYAML's composer
keeps the marks; this walks its node tree into plain Python values and a
map from key path to line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Key = tuple[str | int, ...]


class YamlError(ValueError):
    """The file is not YAML, or not a mapping at the top."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def path_text(path: Key) -> str:
    """('slots', 3, 'slot') -> 'slots[3].slot'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top)"


def _walk(node: yaml.Node, path: Key, lines: dict[Key, int]) -> Any:
    # a mapping's value is placed at its key's line (set by the caller)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                raise YamlError(f"{path_text(path)}: keys must be plain names",
                                key_node.start_mark.line + 1)
            if key in out:
                raise YamlError(f"{path_text((*path, key))}: given twice",
                                key_node.start_mark.line + 1)
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _walk(value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), lines) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load(file: Path) -> tuple[dict[str, Any], dict[Key, int]]:
    """The document as plain values, and the line of every key path."""
    try:
        text = file.read_text()
    except OSError as e:
        raise YamlError(f"cannot read {file}: {e.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise YamlError(f"not valid YAML: {e.problem}", line) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise YamlError("the file must hold a mapping (key: value lines)", 1)
    lines: dict[Key, int] = {}
    data = _walk(node, (), lines)
    assert isinstance(data, dict)
    return data, lines
