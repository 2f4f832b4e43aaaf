# SPDX-License-Identifier: GPL-2.0-or-later
"""What pcinet-sim up runs besides the boards: the host daemon pcinetd and the
TFTP server atftpd, both inside the chassis' network namespace, and the
per-slot addresses the boards get.

The TFTP client below is this module run as a script inside the namespace
(``ip netns exec NS python test_chassis_services.py tftp-get ...``): the
chassis' addresses and its TFTP server exist only in there.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_chassis import alive, assert_nothing_left, netns_names, wait_for

from pcinet_sim import netns
from pcinet_sim.layout import Layout
from pcinet_sim.paths import pcinetd_program, uboot_board, uboot_build
from pcinet_sim.supervisor import BOARD_DTB

from conftest import run_cli
from ptyconsole import Pty
from simhelpers import NO_HOST, PROMPT, TEST_BOARD, RunningChassis, pcinetd_request

PCINETD = pcinetd_program()
UBOOT = uboot_build() / "u-boot"
THIS = Path(__file__).resolve()

needs_pcinetd = pytest.mark.skipif(not PCINETD.exists(),
                                   reason=f"{PCINETD} is not built (make host)")
needs_uboot = pytest.mark.skipif(not UBOOT.exists(), reason=f"{UBOOT} is not built (make uboot)")


# -- a TFTP client: RFC 1350 reads with blksize (RFC 2348) and windowsize (RFC 7440) --
class TftpError(Exception):
    pass


def tftp_get(server: str, name: str, blksize: int, windowsize: int,
             timeout: float = 10.0) -> tuple[bytes, dict[str, str]]:
    """Read name from server; returns the data and the options the server acknowledged."""
    opts = {"blksize": str(blksize), "windowsize": str(windowsize)}
    request = (struct.pack("!H", 1) + name.encode() + b"\0octet\0"
               + b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in opts.items()))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(request, (server, 69))
        data = bytearray()
        oack: dict[str, str] = {}
        block, size, window = 0, 512, 1
        peer: tuple[str, int] | None = None
        while True:
            packet, addr = s.recvfrom(65536)
            if peer is None:
                peer = addr  # the server's transfer port
            elif addr != peer:
                continue
            op = struct.unpack("!H", packet[:2])[0]
            if op == 5:
                raise TftpError(f"error {struct.unpack('!H', packet[2:4])[0]}: "
                                f"{packet[4:].rstrip(bytes(1)).decode(errors='replace')}")
            if op == 6 and block == 0:
                fields = [f.decode() for f in packet[2:].split(b"\0")[:-1]]
                pairs = zip(fields[::2], fields[1::2], strict=True)
                oack = {k.lower(): v for k, v in pairs}
                size = int(oack.get("blksize", "512"))
                window = int(oack.get("windowsize", "1"))
                s.sendto(struct.pack("!HH", 4, 0), peer)
                continue
            if op != 3:
                raise TftpError(f"unexpected opcode {op}")
            if struct.unpack("!H", packet[2:4])[0] != (block + 1) & 0xFFFF:
                s.sendto(struct.pack("!HH", 4, block & 0xFFFF), peer)  # resend from there
                continue
            block += 1
            data += packet[4:]
            last = len(packet) - 4 < size
            if last or block % window == 0:
                s.sendto(struct.pack("!HH", 4, block & 0xFFFF), peer)
            if last:
                return bytes(data), oack


def tftp_get_in(ns: str, name: str, blksize: int, windowsize: int,
                out: Path) -> dict[str, str]:
    """tftp_get from 127.0.0.1 inside the namespace ns; the data goes to out."""
    res = subprocess.run(["ip", "netns", "exec", ns, sys.executable, str(THIS), "tftp-get",
                          name, str(blksize), str(windowsize), str(out)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    oack = json.loads(res.stdout)
    assert isinstance(oack, dict)
    return oack


# -- helpers ------------------------------------------------------------------------------
def up(directory: Path, *args: str, slots: int = 2) -> None:
    res = run_cli("up", "--dir", str(directory), "--slots", str(slots), *args)
    assert res.returncode == 0, res.stdout + res.stderr


def down(directory: Path) -> None:
    res = run_cli("down", "--dir", str(directory))
    assert res.returncode == 0, res.stdout + res.stderr


def status(directory: Path) -> dict[str, object]:
    return RunningChassis(directory, 0).status()


def service(data: dict[str, object], name: str) -> dict[str, object]:
    info = data[name]
    assert isinstance(info, dict)
    return info


def service_pid(directory: Path, name: str) -> int:
    pid = service(status(directory), name)["pid"]
    assert isinstance(pid, int)
    return pid


def netns_inode(ns: str) -> int:
    return os.stat(netns.NETNS_DIR / ns).st_ino


def in_netns(pid: int, ns: str) -> bool:
    return os.stat(f"/proc/{pid}/ns/net").st_ino == netns_inode(ns)


def pcinetd_answers(directory: Path) -> bool:
    try:
        return pcinetd_request(directory, "status").get("ok") is True
    except OSError:
        return False


@pytest.fixture
def chassis_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory for one chassis; taken down and checked whatever the test did."""
    directory = tmp_path / "chassis"
    try:
        yield directory
    finally:
        if directory.exists():
            run_cli("down", "--dir", str(directory))
    assert_nothing_left(directory)


# -- pcinetd and atftpd come and go with the chassis ----------------------------------------
@needs_pcinetd
@pytest.mark.parametrize("mode", ["netns", "no-netns"])
def test_up_starts_services_and_down_stops_them(chassis_dir: Path, mode: str) -> None:
    with_ns = mode == "netns"
    up(chassis_dir, *TEST_BOARD, *(() if with_ns else ("--no-netns",)))
    data = status(chassis_dir)
    pcinetd, atftpd = service(data, "pcinetd"), service(data, "atftpd")
    pids = [p for p in (pcinetd["pid"], atftpd["pid"]) if isinstance(p, int) and p > 0]
    assert pcinetd["state"] == "running" and isinstance(pcinetd["pid"], int)
    assert alive(pcinetd["pid"])
    assert (Layout(chassis_dir).pcinetd_sock).exists()
    assert pcinetd_answers(chassis_dir)
    slots = data["slots"]
    assert isinstance(slots, list)
    for n in (1, 2):
        assert (Layout(chassis_dir).console(n)).is_symlink()
    if with_ns:
        ns = netns.name_for(chassis_dir)
        assert data["netns"] == ns
        assert data["subnet"] == "10.83.0.0/16"
        assert data["tftp_root"] == str(Layout(chassis_dir).tftp_root)
        assert (Layout(chassis_dir).tftp_root).is_dir()
        assert atftpd["state"] == "running" and isinstance(atftpd["pid"], int)
        for pid in (pcinetd["pid"], atftpd["pid"]):
            assert in_netns(pid, ns), f"{pid} runs outside {ns}"
        for row in slots:
            n = row["slot"]
            assert (row["ifname"], row["host_addr"], row["board_addr"]) == (
                f"pcinet{n}", f"10.83.{n}.1", f"10.83.{n}.2"), row
            addrs = subprocess.run(["ip", "-n", ns, "-o", "-4", "addr", "show", "dev",
                                    f"pcinet{n}"], capture_output=True, text=True, check=True)
            assert f"inet 10.83.{n}.1/24" in addrs.stdout, addrs.stdout
        # the addresses exist only in the chassis
        ours = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
        assert not re.search(r"^\d+: pcinet\d+[:@]", ours.stdout, re.M), ours.stdout
    else:
        assert data["subnet"] == "" and data["tftp_root"] == ""
        assert atftpd["state"] == "disabled" and atftpd["pid"] == 0
        assert not (Layout(chassis_dir).tftp_root).exists()
        assert all(r["ifname"] == "" and r["board_addr"] == "" for r in slots)
        assert "--subnet" not in Path(f"/proc/{pcinetd['pid']}/cmdline").read_text()
    down(chassis_dir)
    assert wait_for(lambda: not any(alive(p) for p in pids), 10), pids
    if with_ns:
        assert netns.name_for(chassis_dir) not in netns_names()


@needs_pcinetd
def test_pcinetd_and_atftpd_are_restarted(chassis_dir: Path) -> None:
    up(chassis_dir, *TEST_BOARD)
    ns = netns.name_for(chassis_dir)
    for name in ("pcinetd", "atftpd"):
        old = service_pid(chassis_dir, name)
        os.kill(old, signal.SIGKILL)
        assert wait_for(lambda: service_pid(chassis_dir, name) not in (0, old),  # noqa: B023
                        10), status(chassis_dir)[name]
        info = service(status(chassis_dir), name)
        assert info["state"] == "running" and info["crashes"] == 1, info
        assert info["last_exit"] == f"signal {int(signal.SIGKILL)}"
        new = info["pid"]
        assert isinstance(new, int) and alive(new) and in_netns(new, ns)
        log = (Layout(chassis_dir).supervisor_log).read_text()
        assert f"{name} (pid {old}) died (signal 9); restarting it" in log, log
    assert wait_for(lambda: pcinetd_answers(chassis_dir), 10)
    (Layout(chassis_dir).tftp_root / "after").write_bytes(b"still served\n")
    out = chassis_dir.parent / "after.out"
    tftp_get_in(ns, "after", 512, 1, out)
    assert out.read_bytes() == b"still served\n"


def test_pcinetd_that_keeps_dying_is_given_up(chassis_dir: Path, tmp_path: Path) -> None:
    """Up once, then dead at every start: after 5 quick deaths it stays stopped."""
    marker = tmp_path / "started-once"
    fake = tmp_path / "fake-pcinetd"
    fake.write_text(f"""#!/bin/sh
# stands in for pcinetd: serves (a socket file) the first time, then fails at once
[ -e {marker} ] && {{ echo "fake pcinetd: failing on purpose" >&2; exit 1; }}
touch {marker} {Layout(chassis_dir).pcinetd_sock}
exec sleep 600
""")
    fake.chmod(0o755)
    res = run_cli("up", "--dir", str(chassis_dir), "--slots", "1", "--no-netns", *TEST_BOARD,
                  env={"PCINET_PCINETD": str(fake)})
    assert res.returncode == 0, res.stderr
    os.kill(service_pid(chassis_dir, "pcinetd"), signal.SIGKILL)
    assert wait_for(lambda: service(status(chassis_dir), "pcinetd")["state"] == "failed", 30)
    info = json.loads((Layout(chassis_dir).supervisor_state).read_text())["pcinetd"]
    assert info["pid"] == 0 and info["last_exit"] == "exit 1", info
    assert info["quick_deaths"] == 5 and info["crashes"] >= 5, info
    assert "pcinetd died 5 times right after starting (exit 1); not restarting it" in (
        Layout(chassis_dir).supervisor_log).read_text()
    assert "failing on purpose" in (Layout(chassis_dir).service_log("pcinetd")).read_text()
    # the boards are not the host's business
    assert all(r["state"] == "running" for r in RunningChassis(chassis_dir, 1).rows().values())


def test_pcinetd_that_does_not_start_fails_up(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    fake = tmp_path / "fake-pcinetd"
    fake.write_text("#!/bin/sh\necho 'fake pcinetd: no chassis for me' >&2\nexit 1\n")
    fake.chmod(0o755)
    res = run_cli("up", "--dir", str(directory), "--slots", "2", *TEST_BOARD,
                  env={"PCINET_PCINETD": str(fake)})
    assert res.returncode == 1, res.stderr
    assert "pcinetd did not come up: it exited (exit 1)" in res.stderr, res.stderr
    assert "fake pcinetd: no chassis for me" in res.stderr, res.stderr  # the log's tail
    assert_nothing_left(directory)


# -- TFTP ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("blksize", "windowsize"), [(512, 1), (1468, 8), (8192, 4)])
def test_atftpd_serves_the_tftp_root(chassis_dir: Path, blksize: int, windowsize: int) -> None:
    up(chassis_dir, *TEST_BOARD, *NO_HOST, slots=1)
    blob = os.urandom(300 * 1024 + 17)
    (Layout(chassis_dir).tftp_root / "blob").write_bytes(blob)
    out = chassis_dir.parent / "blob.out"
    oack = tftp_get_in(netns.name_for(chassis_dir), "blob", blksize, windowsize, out)
    assert oack == {"blksize": str(blksize), "windowsize": str(windowsize)}
    assert out.read_bytes() == blob
    assert "Serving blob to 127.0.0.1" in (Layout(chassis_dir).service_log("atftpd")).read_text()


def test_users_tftp_root_is_served_and_left_alone(chassis_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "images"
    root.mkdir()
    (root / "kernel").write_bytes(b"k" * 5000)
    up(chassis_dir, *TEST_BOARD, *NO_HOST, "--tftp-root", str(root), slots=1)
    assert status(chassis_dir)["tftp_root"] == str(root)
    assert not (Layout(chassis_dir).tftp_root).exists()
    out = tmp_path / "kernel.out"
    tftp_get_in(netns.name_for(chassis_dir), "kernel", 1024, 2, out)
    assert out.read_bytes() == b"k" * 5000
    down(chassis_dir)
    assert sorted(p.name for p in root.iterdir()) == ["kernel"]


# -- bad usage: exit 2, nothing made ---------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("--subnet", "10.83.0.0/24"),
    ("--subnet", "10.83.1.0/16"),
    ("--subnet", "10.83"),
    ("--subnet", "banana"),
    ("--subnet", "127.0.0.0/16"),
    ("--subnet", "10.1.0.0/16", "--no-netns"),
    ("--tftp-root", "/nonexistent/pcinet-tftp"),
    ("--tftp-root", "/etc/hostname"),
    ("--tftp-root", "/tmp", "--no-netns"),
])
def test_bad_network_usage_exits_2_and_leaves_nothing(tmp_path: Path,
                                                      args: tuple[str, ...]) -> None:
    for directory in (tmp_path / "new", tmp_path):  # one up would make, one that exists
        res = run_cli("up", "--dir", str(directory), *args)
        assert res.returncode == 2, res.stderr
        flag = args[0]
        assert res.stderr.startswith(f"pcinet-sim: {flag} "), res.stderr
        assert len(res.stderr.splitlines()) == 1, res.stderr
        assert netns.name_for(directory) not in netns_names()
    assert not (tmp_path / "new").exists()
    assert not list(tmp_path.iterdir())


# -- the default board -------------------------------------------------------------------------
def test_without_uboot_the_default_board_is_the_test_firmware(chassis_dir: Path,
                                                             tmp_path: Path) -> None:
    res = run_cli("up", "--dir", str(chassis_dir), "--slots", "1", *NO_HOST,
                  env={"PCINET_UBOOT": str(tmp_path / "no-uboot")})
    assert res.returncode == 0, res.stderr
    assert "no U-Boot sandbox build" in res.stderr and "test firmware" in res.stderr
    board_cmd = json.loads((Layout(chassis_dir).supervisor_state).read_text())["board_cmd"]
    assert Path(board_cmd[0]).name == "pcinet-sim-board"


@needs_pcinetd
@needs_uboot
def test_uboot_board_gets_its_addresses_and_tftpboots(chassis_dir: Path) -> None:
    """The default board (U-Boot) on the default services, as a user runs it by hand."""
    up(chassis_dir, "--subnet", "10.99.0.0/16", "--boot-timeout", "60")
    board_cmd = json.loads((Layout(chassis_dir).supervisor_state).read_text())["board_cmd"]
    assert board_cmd == [str(uboot_board())]
    # An even size: U-Boot 2023.01 adds the odd last byte of a UDP datagram into
    # its checksum twice (net/net.c), so it would drop an odd-sized last block.
    blob = os.urandom(200 * 1024)
    (Layout(chassis_dir).tftp_root / "blob").write_bytes(blob)
    for n in (1, 2):
        assert (Layout(chassis_dir).slot_dir(n) / BOARD_DTB).exists()
        con = Pty(Layout(chassis_dir).console(n))
        try:
            con.write(b"\r")
            con.expect(PROMPT, timeout=30)
            con.quiet()
            env = con.command("printenv ipaddr serverip netmask").decode()
            assert env.split() == [f"ipaddr=10.99.{n}.2", f"serverip=10.99.{n}.1",
                                   "netmask=255.255.255.0"], env
            # not command(): crc32's own "==> " would pass for the prompt
            start = len(con.received)
            con.write(b"tftpboot ${loadaddr} blob; crc32 ${loadaddr} ${filesize}\r")
            m = con.expect(re.compile(rb"crc32 for .*? ==> ([0-9a-f]{8})\r\n" + PROMPT), start,
                           timeout=60)
            answer = con.received[start:m.end()].decode(errors="replace")
            assert f"TFTP from server 10.99.{n}.1; our IP address is 10.99.{n}.2" in answer
            assert f"Bytes transferred = {len(blob)}" in answer, answer
            assert int(m.group(1), 16) == zlib.crc32(blob), answer
        finally:
            con.close()
    down(chassis_dir)


def _main(argv: list[str]) -> int:
    """tftp-get NAME BLKSIZE WINDOWSIZE OUT: the client, run inside a chassis netns."""
    if len(argv) != 5 or argv[0] != "tftp-get":
        print(f"usage: {THIS.name} tftp-get NAME BLKSIZE WINDOWSIZE OUT", file=sys.stderr)
        return 2
    data, oack = tftp_get("127.0.0.1", argv[1], int(argv[2]), int(argv[3]))
    Path(argv[4]).write_bytes(data)
    print(json.dumps(oack))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
