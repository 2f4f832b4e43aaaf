# SPDX-License-Identifier: GPL-2.0-or-later
"""The Linux host driver in a running kernel against the simulated chassis.

One user-mode Linux 6.1 guest for the module (docs/uml.md): scripts/uml-run.sh
with a U-Boot sandbox board (sim/board/uboot-board.sh) in slot 1 of a chassis
whose host memory is the guest's RAM, the board a PCI device of the guest
through pcinet-vpci, the guest driven by tests/kernel/guest_agent.py. In the
guest, build/linux-x86_64/pcinet_host-um.ko (make linux) binds the board:

1. the driver binds (pcinet0, /dev/ttyPCINet0); carrier off while the board
   sits at its prompt (registers invalid);
2. console both ways: a few KiB of `echo` commands typed ahead into
   /dev/ttyPCINet0, every answer read back from it in order, nothing lost;
3. network: atftpd runs in the guest on pcinet0 at the board's serverip; the
   board tftpboots a random 4 MiB file (its own window, tftpwindowsize=32)
   and U-Boot's crc32 matches; carrier on while it ran (an attach), off after;
4. an unpaced flood of frames from the guest to the board during a second
   transfer: nothing stalls, the transfer completes, the CRC matches;
5. a board reset through sysfs `reset`: U-Boot's banner on ttyPCINet0, and a
   short tftp works again;
6. teardown: driver unloaded, zero protocol violations from the checker
   (pcinet-vpci reports them at exit), no oops/BUG/WARN in the guest's log,
   no process, namespace or chassis left.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shutil
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pcinet_sim import Chassis, Side
from pcinet_sim.defs import const
from pcinet_sim.supervisor import read_state

from conftest import REPO
from umlhelpers import UmlGuest, uml_unavailable

HOST_KO = REPO / "build" / "linux-x86_64" / "pcinet_host-um.ko"
UBOOT_BOARD = REPO / "sim" / "board" / "uboot-board.sh"
KDIR = REPO / "tests" / "kernel"
NET, TTY = "pcinet0", "/dev/ttyPCINet0"
PROMPT = "\r\n=> "
LOADADDR = 0x1000000
MIB = 1 << 20
BANNER = re.compile(r"U-Boot 20\d\d\.\d\d")
BAD_DMESG = re.compile(r"Oops|BUG[: ]|WARNING:|Call Trace|Kernel panic|um virt-pci delay|"
                       r"general protection|transmit (queue )?timed? ?out", re.IGNORECASE)

_why_not = uml_unavailable()
pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(_why_not is not None, reason=f"cannot run user-mode Linux: {_why_not}"),
]


@dataclass
class Kernel:
    """The running guest and what the tests learnt about it."""

    guest: UmlGuest
    run: Path
    log: Path
    pcidev: str = ""  # /sys/bus/pci/devices/<bdf> in the guest
    netns: str = ""
    supervisor: int = 0
    tftp_started: bool = False
    serverip: str = ""
    board_ip: str = ""
    board_mac: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    closed: bool = False

    def sh(self, cmd: str, timeout: float = 60) -> str:
        return self.guest.sh(cmd, timeout)

    def sysfs(self, name: str) -> str:
        return self.sh(f"cat {self.pcidev}/{name}").strip()

    def net(self, name: str) -> str:
        return self.sh(f"cat /sys/class/net/{NET}/{name} 2>/dev/null || echo -").strip()

    def command(self, line: str, timeout: float = 30, expect: str | None = None) -> str:
        """A U-Boot command typed into the guest's ttyPCINet0: what came back.

        By default the answer ends at the first prompt after the line's own
        echo, so a prompt the board printed earlier (one the test did not
        wait for) is skipped rather than taken for this command's end.
        """
        if expect is None:
            expect = re.escape(line) + r"\r\n.*?" + re.escape(PROMPT)
        ans = self.guest.con(line + "\r", expect, timeout)
        assert ans["ok"], f"{line!r}: no {expect!r} in {timeout} s; got {ans['data'][-2000:]!r}"
        return str(ans["data"])

    def sync(self, timeout: float = 30) -> None:
        """The board at an empty prompt, everything it said before consumed.

        When the tty opens the board may still count down its autoboot
        (which takes the first byte typed and drops it) or may have finished
        it and printed its prompt already. So: one key (a CR) and a prompt,
        then a marker echo whose answer ends the sync; a second prompt (the
        board's own, then the answer to the CR) is consumed with it rather
        than left for a later command to take as its end.
        """
        self.command("", timeout, expect=re.escape(PROMPT))
        token = secrets.token_hex(8)
        self.command(f"echo {token}", timeout, expect=r"\r\n" + token + re.escape(PROMPT))

    def wait_for(self, what: str, cond: str, timeout: float = 10) -> None:
        """Until the guest's shell condition holds (polled in the guest)."""
        loop = (f"end=$((SECONDS + {int(timeout) + 1})); until {cond}; do "
                "[ $SECONDS -lt $end ] || exit 1; sleep 0.02; done")
        ans = self.guest.request({"op": "sh", "cmd": loop, "timeout": timeout + 10},
                                 timeout + 40)
        assert ans["rc"] == 0, f"timed out waiting for {what}: {ans['out']}"

    def tftp(self, name: str, data: bytes, timeout: float = 120) -> float:
        """The board tftpboots name (data) and checks it with crc32: seconds of the transfer."""
        (self.run / "tftp" / name).write_bytes(data)
        t0 = time.monotonic()
        out = self.command(f"tftpboot {LOADADDR:x} {name}", timeout)
        took = time.monotonic() - t0
        assert f"Bytes transferred = {len(data)} " in out, out[-1500:]
        out = self.command(f"crc32 {LOADADDR:x} {len(data):x}", 60,
                           expect=r"==> ([0-9a-f]{8})" + re.escape(PROMPT))
        m = re.search(r"==> ([0-9a-f]{8})", out)
        assert m, out
        assert int(m.group(1), 16) == zlib.crc32(data), f"board crc32 {m.group(1)} " \
            f"!= {zlib.crc32(data):08x}"
        return took


def _counters(k: Kernel) -> dict[str, int]:
    out = k.sh(f"d={k.pcidev}; echo $(cat $d/attaches $d/detaches $d/resets "
               f"/sys/class/net/{NET}/carrier_changes /sys/class/net/{NET}/statistics/tx_packets "
               f"/sys/class/net/{NET}/statistics/rx_packets "
               f"/sys/class/net/{NET}/statistics/tx_dropped)")
    names = ["attaches", "detaches", "resets", "carrier_changes", "tx_packets", "rx_packets",
             "tx_dropped"]
    return dict(zip(names, map(int, out.split()), strict=True))


def _link_down_again(k: Kernel) -> None:
    """After a board command that used the network: carrier off, registers invalid."""
    k.wait_for("carrier off after the board stopped its network",
               f"[ $(cat /sys/class/net/{NET}/carrier) = 0 ] && "
               f"[ $(cat {k.pcidev}/registers_valid) = 0 ] && "
               f"[ $(cat {k.pcidev}/state) = idle ]", 10)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kernel]:
    if not HOST_KO.exists():
        pytest.fail(f"{HOST_KO} is not built: make linux (scripts/linux-host.sh builds it "
                    "once scripts/linux-uml.sh has prepared build/linux-uml)")
    if not shutil.which("atftpd") and not Path("/usr/sbin/atftpd").exists():
        pytest.fail("atftpd is not installed (scripts/bootstrap.sh debs atftpd): the chassis "
                    "and the guest's TFTP server need it")
    base = tmp_path_factory.mktemp("kernel")
    run, log = base / "run", base / "uml-run.log"
    t0 = time.monotonic()
    guest = UmlGuest(run, log, "--board", str(UBOOT_BOARD), "--netns")
    k = Kernel(guest, run, log)
    k.timings["boot"] = time.monotonic() - t0
    state = read_state(run / "crate") or {}
    k.netns = str(state.get("netns", ""))
    k.supervisor = int(str(state.get("pid", 0)))
    (run / "tftp").mkdir()
    try:
        yield k
    finally:
        if not k.closed:
            guest.close()
        print(f"\nkernel: {json.dumps({n: round(t, 2) for n, t in k.timings.items()})}")


def _bind(k: Kernel) -> None:
    """Load the driver (once): pcinet0 up, ttyPCINet0 open, the board at its prompt.

    Every test starts here, so each also runs alone (-k); the first does the work.
    """
    if k.pcidev:
        return
    t0 = time.monotonic()
    k.sh(f"insmod {HOST_KO}")
    k.timings["insmod"] = time.monotonic() - t0
    out = k.sh(f"test -c {TTY} && test -d /sys/class/net/{NET} && "
               f"readlink -f /sys/class/net/{NET}/device && "
               f"basename $(readlink -f /sys/class/net/{NET}/device/driver) && "
               f"ls /sys/class/net/{NET}/device/tty/")
    pcidev, driver, ttys = out.split()
    assert driver == "pcinet_host", out
    assert f"/dev/{ttys}" == TTY, out
    k.sh(f"ip link set {NET} up")
    k.guest.con_open(TTY)
    k.sync()  # the board's prompt, over the driver's console
    k.pcidev = pcidev


def test_driver_binds(kernel: Kernel) -> None:
    k = kernel
    _bind(k)
    time.sleep(0.3)  # a status check or two: still nothing to attach to
    assert k.net("carrier") == "0"
    assert k.sysfs("registers_valid") == "0"
    assert k.sysfs("state") == "idle"
    assert k.net("operstate") in ("down", "lowerlayerdown"), k.net("operstate")


def test_console_both_ways(kernel: Kernel) -> None:
    """Sixteen 200-character echo commands typed ahead in one write: all back, in order."""
    k = kernel
    _bind(k)
    out = k.command("version")
    assert BANNER.search(out), out
    tokens = [secrets.token_hex(100) for _ in range(16)]
    typed = "".join(f"echo {t}\r" for t in tokens)
    t0 = time.monotonic()
    ans = k.guest.con(typed, re.escape(tokens[-1]) + r"\r\n" + re.escape("=> "), 60)
    k.timings["console"] = time.monotonic() - t0
    assert ans["ok"], f"not all echoed back: {ans['data'][-1000:]!r}"
    got = str(ans["data"])
    want = "".join(f"echo {t}\r\n{t}\r\n=> " for t in tokens)
    assert got.endswith(want), f"lost or changed bytes:\n{got!r}\nwanted\n{want!r}"
    print(f"\nconsole: {len(typed)} bytes typed, {len(got)} bytes back "
          f"in {k.timings['console']:.2f} s")


def _start_tftpd(k: Kernel) -> None:
    """The guest's address on pcinet0 (the board's serverip) and atftpd there (once)."""
    _bind(k)
    if k.tftp_started:
        return
    env = k.command("printenv ipaddr serverip netmask ethaddr")
    vals = dict(re.findall(r"^(\w+)=(\S+)\r$", env, re.MULTILINE))
    k.board_ip, k.serverip = vals["ipaddr"], vals["serverip"]
    # the pcinet device's own MAC, once U-Boot probed it; else broadcast
    k.board_mac = vals.get("ethaddr", "ff:ff:ff:ff:ff:ff")
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{vals['netmask']}").prefixlen
    assert ipaddress.IPv4Address(k.serverip).is_private
    k.sh(f"ip addr add {k.serverip}/{prefix} dev {NET}")
    k.sh(": >/mnt/atftpd.log; "
         "/usr/sbin/atftpd --daemon --no-fork --user root --group root --port 69 "
         f"--bind-address {k.serverip} --logfile /mnt/atftpd.log /mnt/tftp "
         "</dev/null >/mnt/atftpd.out 2>&1 & echo $! >/mnt/atftpd.pid")
    k.tftp_started = True
    k.wait_for("atftpd in the guest", "grep -q ':0045 ' /proc/net/udp")


def test_tftpboot(kernel: Kernel) -> None:
    """The board tftpboots 4 MiB from atftpd in the guest over pcinet0; crc32 matches."""
    k = kernel
    _start_tftpd(k)
    before = _counters(k)
    # a watcher in the guest notes the carrier going on during the transfer
    k.sh(f"rm -f /mnt/carrier-on; (end=$((SECONDS + 60)); until [ $SECONDS -ge $end ]; do "
         f"[ \"$(cat /sys/class/net/{NET}/carrier)\" = 1 ] && "
         f"{{ cat {k.pcidev}/state >/mnt/carrier-on; break; }}; sleep 0.01; done) "
         "</dev/null >/dev/null 2>&1 &")
    data = os.urandom(4 * MIB)
    took = k.tftp("image-4m", data)
    k.timings["tftp_4m"] = took
    after = _counters(k)
    # the link was up while the transfer ran: one attach (carrier on), one
    # detach (carrier off) when the board stopped its network
    assert (k.run / "carrier-on").exists(), "the guest never saw carrier during the transfer"
    assert (k.run / "carrier-on").read_text().strip() == "attached"
    assert after["attaches"] == before["attaches"] + 1, (before, after)
    assert after["carrier_changes"] >= before["carrier_changes"] + 2, (before, after)
    # the data went guest -> board (the board is the TFTP client)
    assert after["tx_packets"] - before["tx_packets"] >= len(data) // 1468, (before, after)
    _link_down_again(k)
    assert k.sysfs("detaches") == str(before["detaches"] + 1)
    print(f"\ntftp: 4 MiB in {took:.2f} s = {4 / took:.1f} MiB/s")


def test_unpaced_burst(kernel: Kernel) -> None:
    """Frames flood host -> board, unpaced, while the board tftpboots: nothing stalls."""
    k = kernel
    _start_tftpd(k)
    before = _counters(k)
    k.sh(f"rm -f /mnt/blast.json; /usr/bin/python3 {KDIR}/blast.py {NET} {k.board_mac} 3000 "
         "/mnt/blast.json 30 </dev/null >/mnt/blast.out 2>&1 &")
    data = os.urandom(4 * MIB)
    took = k.tftp("image-burst", data)
    k.timings["tftp_burst"] = took
    k.wait_for("the flood's result", "test -s /mnt/blast.json", 30)
    blast = json.loads((k.run / "blast.json").read_text())
    after = _counters(k)
    assert blast["carrier_seen"], blast
    assert "error" not in blast, blast
    assert blast["sent"] >= 100, f"the flood hardly ran during the transfer: {blast}"
    # Every flood frame the driver took is accounted for, beside the
    # transfer's own blocks: it went into the ring (tx_packets), or the
    # driver counted it dropped (the link went down under it, or the board
    # stopped with it still in the ring). A frame lost without a count fails.
    taken = (after["tx_packets"] - before["tx_packets"]
             + after["tx_dropped"] - before["tx_dropped"])
    assert taken >= blast["sent"] + len(data) // 1468, (blast, before, after)
    _link_down_again(k)
    print(f"\nburst: {blast} during 4 MiB tftp in {took:.2f} s; tx "
          f"{after['tx_packets'] - before['tx_packets']}, dropped "
          f"{after['tx_dropped'] - before['tx_dropped']}")


def test_all_ones_doorbells_are_cleared(kernel: Kernel) -> None:
    """A board that sets every ODR bit: all ones reads like a board that is
    gone, but IMR1 still holds the driver's status word, so the driver clears
    it (protocol 5 rule 4). Left set, every later console ack of the board
    was ignored (and INTA stayed asserted): typed input stalled."""
    k = kernel
    _bind(k)
    resets = int(k.sysfs("resets"))
    with Chassis(k.run / "crate") as ch:
        board = ch.slot(1, Side.BOARD)  # the board breaking section 5
        try:
            board.write32(const("M83XX_MU_ODR"), 0xFFFFFFFF)
        finally:
            board.close()
    for _ in range(4):  # each line is many messages, each needing the board's ack
        token = secrets.token_hex(40)
        assert f"\r\n{token}\r\n" in k.command(f"echo {token}", 15)
    warned = k.sh("dmesg | grep -c 'board rang reserved doorbell bits 0xfffffffc' || true")
    assert int(warned.strip() or 0) >= 1, k.sh("dmesg | tail -20")
    assert int(k.sysfs("resets")) == resets, "taken for a reset"


def test_reset_brings_board_back(kernel: Kernel) -> None:
    """sysfs reset: the board's banner on ttyPCINet0, then the link works again."""
    k = kernel
    _bind(k)
    resets = int(k.sysfs("resets"))
    t0 = time.monotonic()
    k.sh(f"echo 1 >{k.pcidev}/reset", 30)
    ans = k.guest.con("", BANNER.pattern + r".*?" + re.escape("=> "), 60)
    assert ans["ok"], f"no U-Boot banner after the reset: {ans['data'][-1500:]!r}"
    k.timings["reset_to_prompt"] = time.monotonic() - t0
    assert ans["hangups"] >= 1, "the reset did not hang the tty up"
    k.wait_for("the reset counted", f"[ $(cat {k.pcidev}/resets) -gt {resets} ]", 10)
    k.sync(10)
    _start_tftpd(k)
    data = os.urandom(256 * 1024)
    k.timings["tftp_after_reset"] = k.tftp("image-after-reset", data)
    _link_down_again(k)


def test_teardown_clean(kernel: Kernel) -> None:
    """Unload, power off: no violations, no oops, nothing left running."""
    k = kernel
    _bind(k)
    k.sh("test ! -s /mnt/atftpd.pid || kill $(cat /mnt/atftpd.pid); true")
    k.guest.request({"op": "con_close"}, 30)
    k.sh("rmmod pcinet_host", 30)
    assert k.sh(f"test -e /sys/class/net/{NET} && echo still || echo gone").strip() == "gone"
    t0 = time.monotonic()
    rc = k.guest.close()
    k.closed = True
    k.timings["poweroff"] = time.monotonic() - t0
    log = k.log.read_text(errors="replace")
    assert rc == 0, log[-3000:]
    vpci = (k.run / "vpci.log").read_text(errors="replace")
    assert re.search(r"^pcinet-vpci: slot 1: 0 protocol violations$", vpci, re.MULTILINE), \
        vpci[-2000:]
    dmesg = (k.run / "dmesg").read_text(errors="replace")
    assert "pcinet_host" in dmesg
    bad = [line for line in dmesg.splitlines() if BAD_DMESG.search(line)]
    assert not bad, "\n".join(bad)
    # nothing of this run still runs: no process names the run directory
    left = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if str(k.run).encode() in cmdline:
            args = cmdline.replace(b"\0", b" ").decode(errors="replace")
            left.append(f"{proc.name}: {args}")
    assert not left, left
    assert k.netns, "the chassis had no network namespace"
    assert not Path(f"/run/netns/{k.netns}").exists(), f"netns {k.netns} left"
    if k.supervisor:
        assert not Path(f"/proc/{k.supervisor}").exists() or \
            str(k.run) not in Path(f"/proc/{k.supervisor}/cmdline").read_text(errors="replace"), \
            f"chassis supervisor {k.supervisor} still runs"
    assert not (k.run / "vpci.sock").exists(), "pcinet-vpci's socket left"
