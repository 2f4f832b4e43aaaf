# SPDX-License-Identifier: GPL-2.0-or-later
"""What each make target installs by itself.

`make demo`, `make test` and `make bench` each start from an empty machine
(scripts/bootstrap.sh). A program a benchmark runs that no bootstrap list
installs makes `make bench` fail on a fresh clone after `make test`
passed there: this test holds bench/_common.py's tools and the lists
together.
"""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO

BOOTSTRAP = REPO / "scripts" / "bootstrap.sh"


def packages(*which: str) -> set[str]:
    res = subprocess.run(["bash", str(BOOTSTRAP), "list", *which], capture_output=True,
                         text=True, timeout=30, check=False)
    assert res.returncode == 0, res.stderr
    return set(res.stdout.split())


def bench_tools() -> dict[str, str]:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import _common
    finally:
        sys.path.remove(str(REPO / "bench"))
    tools = _common.DEBIAN_TOOLS
    assert isinstance(tools, dict)
    return tools


def test_bench_installs_every_tool_it_runs() -> None:
    tools = bench_tools()
    missing = {tool: pkg for tool, pkg in tools.items() if pkg not in packages("bench")}
    assert not missing, f"scripts/bootstrap.sh bench does not install {missing}"


def test_every_tool_a_benchmark_runs_is_listed() -> None:
    """A tool found with lc_tool() that has no package would fail at run time."""
    tools = bench_tools()
    for script in sorted((REPO / "bench").glob("*.py")):
        for name in re.findall(r"lc_tool\(\"([^\"]+)\"\)", script.read_text()):
            assert name in tools, f"{script.name} runs {name}: add it to DEBIAN_TOOLS"


def test_make_bench_runs_the_bench_bootstrap() -> None:
    res = subprocess.run(["make", "-n", "-C", str(REPO), "bench"], capture_output=True,
                         text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert "scripts/bootstrap.sh bench" in res.stdout, res.stdout


def test_test_list_is_a_subset_of_bench() -> None:
    assert packages() <= packages("bench")
    assert packages(), "the default list is empty"
