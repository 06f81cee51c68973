#!/usr/bin/env python3
"""Proxy relay bench: Tandem against Kamailio on the same machine, in one run.

SIPp (UAC) sends page-mode MESSAGE requests to the server under test, which
relays them statefully to a SIPp UAS that answers 200; over UDP and over TCP.
The yardstick is Debian's Kamailio with bench/kamailio/relay.cfg (tm t_relay,
record_route, maxfwd + sanity checks), given the same number of workers as
Tandem. Everything runs on loopback addresses and stops by itself; the whole
run is bounded by --budget seconds (default 570).

Figures, per server and transport (docs/performance.md explains them):
  (a) server CPU time (utime + stime from /proc/<pid>/stat, summed over every
      process of the server's process group) per 10,000 relayed transactions,
      at one fixed rate both servers sustain with zero failures: half of
      Kamailio's maximum rate for that transport (half of the lower maximum
      if Tandem's is lower);
  (b) the highest rate with zero failed transactions (ramp x2 then bisect,
      short steps), with p50 / p99 response time at half that rate;
  memory: resident memory (PSS and RSS, summed over the server's processes)
      added by 10,000 idle TCP connections, per connection.

Tandem is measured when build-bench/bin/tandemd can relay: its pool gets a
static route *@example.com -> the UAS (tandemctl pool apply, else route add);
otherwise its column says "not available: <reason>".

    python3 bench/proxy/run_proxy_bench.py [--quick] [--servers kamailio,tandem]
                                           [--transports udp,tcp] [--json FILE]
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Loopback plan: every party on its own address.
KAMAILIO_ADDR = "127.0.0.2"
TANDEM_ADDR = "127.0.0.3"
SERVER_PORT = 5060
UAS_ADDR, UAS_PORT = "127.0.0.10", 5070
UAC_ADDR, UAC_PORT = "127.0.0.11", 5080
IDLE_CLIENT_ADDR = "127.0.0.12"
# SIPp's socket buffers (its default is 64 KiB): large enough that a burst
# is queued rather than dropped by SIPp itself (the kernel caps it at rmem_max).
SIPP_BUFFER = 1 << 20
TARGET_USER = "bob"  # not homed on Tandem: the static route *@example.com takes it


class BenchError(Exception):
    """The harness cannot go on (a broken yardstick, a missing tool)."""


class Unavailable(Exception):
    """The server under test cannot be measured (reported, not fatal)."""


def log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- /proc helpers

def group_pids(pgid):
    """Every live process whose process group is pgid (a server and its children)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def cpu_seconds(pids):
    """utime + stime (every thread included) summed over pids, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return ticks / CLK_TCK


def memory_kib(pids):
    """(PSS, RSS) summed over pids, KiB. PSS splits shared pages (Kamailio's
    shared memory segment) between the processes that map them, so the sum
    counts them once; the RSS sum counts them once per process."""
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss, rss


def socket_inodes(pids):
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target)
        except OSError:
            continue
    return inodes


def thread_count(pids):
    n = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        n += int(line.split()[1])
        except OSError:
            pass
    return n


def listening(addr, port, proto):
    """True when a socket is bound (udp) / listening (tcp) on addr:port."""
    a = addr.split(".")
    want = "".join(f"{int(x):02X}" for x in reversed(a)) + f":{port:04X}"
    try:
        with open(f"/proc/net/{proto}") as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[1] == want and (proto == "udp" or cols[3] == "0A"):
                    return True
    except OSError:
        pass
    return False


def ensure_free(addr, port, protos, who):
    busy = [p for p in protos if listening(addr, port, p)]
    if busy:
        raise BenchError(f"{'/'.join(busy)} {addr}:{port} is already in use: stop what holds it before the bench "
                         f"({who} needs it)")


def udp_drops():
    """Datagrams dropped per bound UDP socket, {"addr:port": drops} (/proc/net/udp)."""
    out = {}
    try:
        with open("/proc/net/udp") as f:
            next(f)
            for line in f:
                cols = line.split()
                ip_hex, port_hex = cols[1].split(":")
                ip = ".".join(str(int(ip_hex[i:i + 2], 16)) for i in (6, 4, 2, 0))
                key = f"{ip}:{int(port_hex, 16)}"
                out[key] = out.get(key, 0) + int(cols[-1])
    except (OSError, ValueError, IndexError):
        pass
    return out


def wait_listening(addr, port, protos, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if all(listening(addr, port, p) for p in protos):
            time.sleep(0.3)
            return proc.poll() is None
        time.sleep(0.05)
    return False


def machine_busy_seconds():
    """CPU-seconds the whole machine has spent busy (every CPU, /proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    busy = sum(v[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / CLK_TCK


def background_load(seconds=1.0):
    """CPUs kept busy by other processes while nothing of the bench runs."""
    b0, t0 = machine_busy_seconds(), time.monotonic()
    time.sleep(seconds)
    return (machine_busy_seconds() - b0) / (time.monotonic() - t0)


def cpu_count(cpu_list):
    """Number of CPUs in a taskset list ("1", "0-1", "0,2"); all of them when empty."""
    n = 0
    for part in (cpu_list or "").split(","):
        if "-" in part:
            lo, hi = part.split("-")
            n += int(hi) - int(lo) + 1
        elif part.strip():
            n += 1
    return n or os.cpu_count() or 1


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def kill_group(proc, grace=5.0):
    """SIGTERM to the process group we created for proc, then SIGKILL."""
    if proc is None:
        return
    pgid = proc.pid
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        proc.poll()
        if not group_pids(pgid):
            break
        time.sleep(0.05)
    if group_pids(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# ---------------------------------------------------------------- SIPp

class Sipp:
    """Runs SIPp (pinned to the SIPp CPUs, with the fine clock shim)."""

    def __init__(self, work, cpus, shim):
        self.work = work
        self.cpus = cpus
        self.shim = shim
        self.uac_xml = HERE / "message_uac.xml"
        self.uas_xml = HERE / "message_uas.xml"
        self.runs = 0
        self.uac_extra = []  # more SIPp options for the UAC (--sipp-uac-args)

    def env(self):
        env = dict(os.environ)
        if self.shim:
            env["LD_PRELOAD"] = str(self.shim)
        return env

    def prefix(self):
        return ["taskset", "-c", self.cpus] if self.cpus else []

    def start_uas(self, transport):
        mode = "u1" if transport == "udp" else "t1"
        ensure_free(UAS_ADDR, UAS_PORT, ["udp", "tcp"], "the SIPp UAS")
        self.uas_sessions = getattr(self, "uas_sessions", 0) + 1
        d = self.work / f"uas-{self.uas_sessions:02d}"
        d.mkdir()
        self.uas_dir = d
        # -fd 1: cumulative counters every second, read by uas_received()
        cmd = self.prefix() + ["sipp", "-sf", str(self.uas_xml), "-i", UAS_ADDR, "-p", str(UAS_PORT),
                               "-t", mode, "-bind_local", "-nostdin", "-max_recv_loops", "5000",
                               "-d", "2000" if transport == "udp" else "0",  # the scenario's <pause/>
                               "-deadcall_wait", "2000", "-buff_size", str(SIPP_BUFFER),
                               "-trace_stat", "-stf", "uas_stat.csv", "-fd", "1", "-trace_err"]
        proc = subprocess.Popen(cmd, cwd=d, env=self.env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=open(d / "uas.err", "ab"), start_new_session=True)
        if not wait_listening(UAS_ADDR, UAS_PORT, [transport], proc, timeout=5):
            kill_group(proc)
            raise BenchError(f"SIPp UAS did not start on {transport} {UAS_ADDR}:{UAS_PORT} (see {d}/uas.err)")
        return proc

    def uas_received(self):
        """MESSAGEs the UAS has answered so far (its last per-second dump)."""
        try:
            lines = [l for l in (self.uas_dir / "uas_stat.csv").read_text(errors="replace").splitlines() if l.strip()]
            stats = dict(zip(lines[0].split(";"), lines[-1].split(";")))
            return int(stats.get("IncomingCall(C)") or 0)
        except (OSError, IndexError, ValueError):
            return None

    def uac(self, server_addr, transport, rate, count, timeout):
        """One UAC run: `count` MESSAGEs at `rate`/s. Returns the run's figures."""
        self.runs += 1
        d = self.work / f"uac-{self.runs:03d}"
        d.mkdir()
        mode = "u1" if transport == "udp" else "t1"
        # open loop: up to 6 s of calls outstanding, below SIPp's descriptor
        # limit (it warns when open calls could exceed RLIMIT_NOFILE)
        limit = max(1000, min(rate * 6, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 1000))
        # SIPp writes response times in batches of rtt_freq and drops a partial
        # last batch: make count a multiple of it
        freq = 1 if count < 2000 else 500
        count = -(-count // freq) * freq
        cmd = self.prefix() + ["sipp", f"{server_addr}:{SERVER_PORT}", "-sf", str(self.uac_xml), "-s", TARGET_USER,
                               "-i", UAC_ADDR, "-p", str(UAC_PORT), "-t", mode, "-bind_local", "-nostdin",
                               "-r", str(rate), "-rp", "1000", "-m", str(count), "-l", str(limit),
                               "-max_recv_loops", "5000", "-max_sched_loops", "5000", "-buff_size", str(SIPP_BUFFER),
                               "-trace_stat", "-stf", "stat.csv", "-fd", "1",
                               "-trace_rtt", "-rtt_freq", str(freq), "-trace_err"] + self.uac_extra
        t0 = time.monotonic()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.Popen(cmd, cwd=d, env=self.env(), stdin=subprocess.DEVNULL, stdout=open(d / "screen.txt", "wb"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc, grace=2)
            rc = proc.returncode
        wall = time.monotonic() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = self._collect(d, rc, timed_out, wall, count, rate)
        result["sipp_uac_cpu_s"] = round(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime, 3)
        return result

    def _collect(self, d, rc, timed_out, wall, count, rate):
        stats = {}
        stat_file = d / "stat.csv"
        if stat_file.exists():
            lines = [l for l in stat_file.read_text(errors="replace").splitlines() if l.strip()]
            if len(lines) >= 2:
                head = lines[0].split(";")
                last = lines[-1].split(";")
                stats = dict(zip(head, last))

        def num(key):
            try:
                return int(stats.get(key, "0") or 0)
            except ValueError:
                return 0

        rtts, dates = [], []
        for f in d.glob("*_rtt.csv"):
            for line in f.read_text(errors="replace").splitlines()[1:]:
                parts = line.split(";")
                if len(parts) >= 2:
                    try:
                        dates.append(float(parts[0]))
                        rtts.append(float(parts[1]))
                    except ValueError:
                        pass
        rtts.sort()
        dates.sort()
        # The pace actually achieved: 99 % of the responses over the time they
        # took to arrive. A backlog (server or SIPp too slow) stretches it; a
        # few retransmitted stragglers at the end do not.
        achieved = None
        if len(dates) >= 2:
            k = max(1, int(0.99 * (len(dates) - 1)))
            if dates[k] > dates[0]:
                achieved = k / ((dates[k] - dates[0]) / 1000.0)
        first_error = sipp_error = None
        for f in d.glob("*_errors.log"):
            text = f.read_text(errors="replace")
            m = re.search(r"^(SIP/2\.0 \d{3}[^\r\n]*)", text, re.M)
            if m:
                first_error = m.group(1).strip()
            # SIPp's own complaints: "<date>\t<time>\t<epoch>: <what>"
            m = re.search(r"^\d{4}-\d\d-\d\d\s+\S+\s+\S+:\s*(.+)$", text, re.M)
            if m:
                sipp_error = m.group(1).strip()[:200]
        created = num("OutgoingCall(C)")
        ok = num("SuccessfulCall(C)")
        failed = num("FailedCall(C)")
        return {
            "rate": rate, "count": count, "sipp_exit": rc, "timed_out": timed_out, "wall_s": round(wall, 3),
            "created": created, "successful": ok, "failed": failed,
            "retransmissions": num("Retransmissions(C)"),
            "responses_timed": len(rtts),
            "achieved_rate": round(achieved, 1) if achieved else None,
            "p50_ms": percentile(rtts, 50), "p99_ms": percentile(rtts, 99),
            "mean_ms": round(sum(rtts) / len(rtts), 4) if rtts else None,
            "max_ms": rtts[-1] if rtts else None,
            "first_unexpected": first_error, "sipp_error": sipp_error, "dir": str(d),
        }


def clean(run, tolerance=0.95):
    """Zero failures, every MESSAGE answered 200, and the rate reached."""
    return (not run["timed_out"] and run["sipp_exit"] == 0 and run["failed"] == 0
            and run["created"] == run["count"] and run["successful"] == run["count"]
            and run["achieved_rate"] is not None and run["achieved_rate"] >= tolerance * run["rate"])


def why_not_clean(run):
    if run["timed_out"]:
        return "SIPp did not finish in time"
    if run.get("uas_died"):
        return f"the SIPp UAS died ({run['uas_died']})"
    if run["failed"] or run["successful"] != run["count"]:
        extra = f", first unexpected: {run['first_unexpected']}" if run["first_unexpected"] else ""
        if run.get("sipp_error"):
            extra += f", SIPp: {run['sipp_error']}"
        return f"{run['successful']}/{run['count']} answered 200, {run['failed']} failed{extra}"
    if run["achieved_rate"] is None or run["achieved_rate"] < 0.95 * run["rate"]:
        return f"rate not reached ({run['achieved_rate']}/s of {run['rate']}/s)"
    return f"SIPp exit code {run['sipp_exit']}"


def drops_text(run):
    d = {k: v for k, v in (run.get("udp_drops") or {}).items() if v}
    return ("; datagrams dropped at " + ", ".join(f"{k} socket {v}" for k, v in d.items())) if d else ""


# ---------------------------------------------------------------- servers

class Kamailio:
    name = "kamailio"
    label = "Kamailio"
    addr = KAMAILIO_ADDR

    def __init__(self, work, cpus, workers, shm_mb=512):
        self.work = work
        self.cpus = cpus
        self.workers = workers
        self.shm_mb = shm_mb
        self.binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        self.cfg = ROOT / "bench" / "kamailio" / "relay.cfg"
        self.proc = None
        self.version = self._version()

    def _version(self):
        try:
            out = subprocess.run([self.binary, "-v"], capture_output=True, text=True, timeout=10).stdout
            m = re.search(r"version: kamailio (\S+)", out)
            return m.group(1) if m else out.splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            return None

    def check(self):
        if not self.version:
            raise BenchError(f"kamailio not found ({self.binary})")

    def start(self, transport):
        ensure_free(self.addr, SERVER_PORT, ["udp", "tcp"], "kamailio")
        run = Path(tempfile.mkdtemp(prefix="kamailio-", dir=self.work))
        uas = f'"sip:{UAS_ADDR}:{UAS_PORT};transport={transport}"'
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            self.binary, "-f", str(self.cfg), "-DD", "-E", "-P", str(run / "kamailio.pid"), "-Y", str(run),
            "-m", str(self.shm_mb), "-M", "8",
            "-l", f"udp:{self.addr}:{SERVER_PORT}", "-l", f"tcp:{self.addr}:{SERVER_PORT}",
            "-A", f"UAS_URI={uas}", "-A", f"WORKERS={self.workers}"]
        self.log = run / "kamailio.log"
        self.proc = subprocess.Popen(cmd, cwd=run, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(self.addr, SERVER_PORT, ["udp", "tcp"], self.proc):
            tail = self.log.read_text(errors="replace")[-400:]
            self.stop()
            raise BenchError(f"kamailio did not start: {tail}")
        time.sleep(0.3)  # children fork after the sockets are bound

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        n = len(self.pids())
        return (f"Kamailio {self.version}: children={self.workers} (UDP), tcp_children={self.workers}, "
                f"{n} processes in all")

    def stop(self):
        kill_group(self.proc)
        self.proc = None


class Tandem:
    name = "tandem"
    label = "Tandem"
    addr = TANDEM_ADDR
    # Worker keys tried in the server file, first accepted by `tandemd --check` wins.
    WORKER_KEYS = [("server", "workers"), ("server", "threads"), ("server", "event_loops")]

    def __init__(self, work, cpus, workers, tandemd, tandemctl):
        self.work = work / "tandem"
        self.work.mkdir(exist_ok=True)
        self.cpus = cpus
        self.workers = workers
        self.tandemd = Path(tandemd).absolute()
        self.tandemctl = Path(tandemctl).absolute()
        self.proc = None
        self.version = None
        self.worker_key = None
        self.server_file = self.work / "server.toml"

    def _server_toml(self, worker_key):
        extra = ""
        if worker_key and worker_key[0] == "server":
            extra = f"{worker_key[1]} = {self.workers}\n"
        return (
            "# written by bench/proxy/run_proxy_bench.py\n"
            "[server]\n"
            'fqdn = "bench.example.com"\n'
            'store = "sqlite:tandem.db"\n'
            'admin = ""\n'
            f"{extra}"
            "\n[[connections]]\n"
            f'address = "{self.addr}"\ntransport = "udp"\nport = {SERVER_PORT}\n'
            "\n[[connections]]\n"
            f'address = "{self.addr}"\ntransport = "tcp"\nport = {SERVER_PORT}\n'
            "\n[limits]\n"
            "tcp_max_connections = 20000\n"
            "tcp_idle_timeout = 3600\n"
            "\n[log]\n"
            'level = "error"\n')

    def _ctl(self, *args):
        r = subprocess.run([str(self.tandemctl), "--config", str(self.server_file), *args],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or [""]

    def check(self):
        """Raises Unavailable with a one-line reason if tandemd cannot be benched."""
        for b in (self.tandemd, self.tandemctl):
            if not (b.is_file() and os.access(b, os.X_OK)):
                raise Unavailable(f"{b} is not built")
        try:
            self.version = subprocess.run([str(self.tandemd), "--version"], capture_output=True, text=True,
                                          timeout=10).stdout.strip() or "tandemd"
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Unavailable(f"tandemd --version: {e}")
        for key in self.WORKER_KEYS + [None]:
            self.server_file.write_text(self._server_toml(key))
            self._ctl("domain", "list")  # creates the store: tandemd refuses a missing one
            r = subprocess.run([str(self.tandemd), "--config", str(self.server_file), "--check"],
                               capture_output=True, text=True, timeout=30)
            if r.returncode == 0:
                self.worker_key = key
                return
        raise Unavailable(f"tandemd --check rejects the bench server file: {(r.stdout + r.stderr).strip()[:200]}")

    def configure(self, transport):
        """The pool: domain example.com, static route *@example.com -> the UAS,
        the UAC and the UAS as authorized hosts (no challenge, server limits)."""
        pool = self.work / f"pool-{transport}.toml"
        pool.write_text(
            'domains = ["example.com"]\n\n'
            "[[routes]]\n"
            'user = "*"\ndomain = "example.com"\n'
            f'next_hop = "{UAS_ADDR}"\ntransport = "{transport}"\nport = {UAS_PORT}\n'
            "phone_uri = false\nreplace_host = false\n\n"
            f'[[authorized_hosts]]\nhost = "{UAC_ADDR}"\noutbound_only = false\n'
            "throttle_as_server = true\ntreat_as_authenticated = true\n\n"
            f'[[authorized_hosts]]\nhost = "{UAS_ADDR}"\noutbound_only = false\n'
            "throttle_as_server = true\ntreat_as_authenticated = true\n\n"
            # the load comes from one SIPp address: no per-source limit (Kamailio has none)
            "[throttling]\nserver_rate = 1000000\nserver_burst = 1000000\nserver_transactions = 1000000\n")
        rc, msg = self._ctl("pool", "apply", str(pool))
        if rc == 0:
            return "tandemctl pool apply"
        pool_msg = msg[0]
        # the per-setting commands of the brief
        self._ctl("route", "remove", "--user", "*", "--domain", "example.com")
        rc, msg = self._ctl("route", "add", "--user", "*", "--domain", "example.com", "--next-hop", UAS_ADDR,
                            "--transport", transport, "--port", str(UAS_PORT))
        if rc != 0:
            raise Unavailable(f"cannot configure the route: {pool_msg} / {msg[0]}")
        for host in (UAC_ADDR, UAS_ADDR):
            self._ctl("host", "remove", host)
            self._ctl("host", "add", host, "--throttle-as-server", "--treat-as-authenticated")
        return "tandemctl route add"

    def start(self, transport):
        ensure_free(self.addr, SERVER_PORT, ["udp", "tcp"], "tandemd")
        self.log = self.work / "tandemd.log"
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            str(self.tandemd), "--config", str(self.server_file)]
        self.proc = subprocess.Popen(cmd, cwd=self.work, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(self.addr, SERVER_PORT, ["udp", "tcp"], self.proc):
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            self.stop()
            raise Unavailable(f"tandemd did not start: {tail[0][:200]}")

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        threads = thread_count(self.pids())
        key = f"[{self.worker_key[0]}] {self.worker_key[1]} = {self.workers}" if self.worker_key \
            else "no worker setting in the server file"
        return f"{self.version}: {key}, {threads} threads in all"

    def stop(self):
        kill_group(self.proc)
        self.proc = None


# ---------------------------------------------------------------- the bench

class Bench:
    RATE_STEP = 100  # max-rate search: rates are multiples of this (per second)
    WORK_PREFIX = "tandem-proxy-bench-"  # the work folder, under the system's temporary folder

    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.budget
        self.work = Path(tempfile.mkdtemp(prefix=self.WORK_PREFIX))
        self.shim = self._build_shim()
        self.sipp = Sipp(self.work, args.sipp_cpus, self.shim)
        self.servers = {}
        self.results = {"servers": {}, "memory": {}, "notes": []}
        self.uas = None
        self.max_other_load = 0.0

    def _build_shim(self):
        out = self.work / "fine_clock.so"
        cc = shutil.which("cc") or shutil.which("gcc")
        if cc:
            r = subprocess.run([cc, "-O2", "-shared", "-fPIC", "-o", str(out), str(HERE / "fine_clock.c"), "-ldl"],
                               capture_output=True, text=True)
            if r.returncode == 0:
                return out
        log("no C compiler for fine_clock.so: SIPp response times are in jiffies (4 ms steps on HZ=250)")
        return None

    def left(self):
        return self.deadline - time.monotonic()

    # --- one server, one transport
    def session(self, server, transport):
        """Starts the UAS and the server; the caller stops them (stop_session)."""
        self.session_answered = 0
        self.uas = self.sipp.start_uas(transport)
        try:
            server.start(transport)
        except Exception:
            kill_group(self.uas)
            self.uas = None
            raise

    def relay_check(self):
        """Every 200 the UAC got must come from the UAS: the UAS must have seen
        at least as many MESSAGEs as the UAC had answered (a retransmission
        can make it more). None when it holds, else the reason."""
        time.sleep(1.2)  # the UAS dumps its counters every second
        got = self.sipp.uas_received()
        if got is None:
            return "the UAS counters could not be read"
        if got < self.session_answered:
            return (f"only {got} of the {self.session_answered} answered MESSAGEs reached the UAS: "
                    f"the server answered the others itself")
        return None

    def stop_session(self, server):
        server.stop()
        kill_group(self.uas, grace=2)
        self.uas = None
        time.sleep(0.5)

    def uac(self, server, transport, rate, seconds):
        count = max(1, int(rate * seconds))
        run = self.sipp.uac(server.addr, transport, rate, count, timeout=seconds + 25)
        self.session_answered += run["successful"]
        return run

    def measured_run(self, server, transport, rate, seconds):
        """A run with the server's CPU time around it, and what else kept the
        machine busy meanwhile (anything but the server and the two SIPps)."""
        c0, u0, m0 = cpu_seconds(server.pids()), cpu_seconds(self.uas_pids()), machine_busy_seconds()
        d0 = udp_drops()
        run = self.uac(server, transport, rate, seconds)
        c1, u1, m1 = cpu_seconds(server.pids()), cpu_seconds(self.uas_pids()), machine_busy_seconds()
        if transport == "udp":  # where datagrams were lost, if they were
            d1 = udp_drops()
            run["udp_drops"] = {who: d1.get(addr, 0) - d0.get(addr, 0) for who, addr in (
                ("server", f"{server.addr}:{SERVER_PORT}"), ("uas", f"{UAS_ADDR}:{UAS_PORT}"),
                ("uac", f"{UAC_ADDR}:{UAC_PORT}"))}
        run["server_cpu_s"] = round(c1 - c0, 3)
        run["cpu_s_per_10k"] = round((c1 - c0) / run["successful"] * 10000, 4) if run["successful"] else None
        if self.uas.poll() is None:
            run["sipp_uas_cpu_s"] = round(u1 - u0, 3)
            other = (m1 - m0) - (c1 - c0) - (u1 - u0) - run["sipp_uac_cpu_s"]
            run["other_load_cpus"] = round(max(0.0, other) / run["wall_s"], 2)
            self.max_other_load = max(self.max_other_load, run["other_load_cpus"])
        else:  # the UAS is gone: say why, and start another for what follows
            err = []
            for f in [self.sipp.uas_dir / "uas.err"] + sorted(self.sipp.uas_dir.glob("*_errors.log")):
                err += [l for l in f.read_text(errors="replace").splitlines()
                        if re.match(r"^\d{4}-\d\d-\d\d\s", l) or "rror" in l]
            run["uas_died"] = f"exit {self.uas.returncode}: {err[0][:200] if err else 'no message'}"
            run["sipp_uas_cpu_s"] = run["other_load_cpus"] = None
            self.results["notes"].append(f"{server.name}/{transport} {rate}/s: the SIPp UAS died "
                                         f"({run['uas_died']}); restarted")
            log(f"SIPp UAS died: {run['uas_died']}; restarting it")
            kill_group(self.uas, grace=1)
            self.uas = self.sipp.start_uas(transport)
            self.session_answered = 0
        run["clean"] = clean(run) and not run.get("uas_died")
        return run

    def uas_pids(self):
        return group_pids(self.uas.pid) if self.uas else []

    def limited_by(self, run):
        """Which side ran out of CPU in an unclean step."""
        if run.get("uas_died"):
            return f"the SIPp UAS died ({run['uas_died']})"
        span = run["count"] / run["rate"]  # the step's nominal length: the load was offered over it
        sipp = (run["sipp_uac_cpu_s"] + run["sipp_uas_cpu_s"]) / span
        srv = run["server_cpu_s"] / span
        n_sipp, n_srv = cpu_count(self.args.sipp_cpus), cpu_count(self.args.server_cpus)
        if sipp >= 0.85 * n_sipp:
            return f"SIPp: {sipp:.2f} of its {n_sipp} CPU"
        if srv >= 0.85 * n_srv:
            return f"server: {srv:.2f} of its {n_srv} CPU"
        return f"neither ran out of CPU (SIPp {sipp:.2f}, server {srv:.2f} CPU){drops_text(run)}"

    def probe(self, server, transport):
        run = self.uac(server, transport, 50, 1.0)
        if not clean(run, tolerance=0.5):
            raise Unavailable(f"probe over {transport}: {why_not_clean(run)}")
        return run

    def max_rate(self, server, transport):  # noqa: C901 (one loop, kept whole)
        """Ramp x2 from --start-rate while clean, then bisect (multiples of RATE_STEP/s)."""
        a = self.args
        steps, lo, hi = [], 0, None
        rate = a.start_rate
        while True:
            if self.left() < a.step + 60:
                self.results["notes"].append(f"{server.name}/{transport}: max-rate search cut short by the budget")
                break
            run = self.measured_run(server, transport, rate, a.step)
            ok = run["clean"]
            steps.append({k: run[k] for k in ("rate", "successful", "failed", "achieved_rate", "retransmissions",
                                              "p50_ms", "p99_ms", "cpu_s_per_10k", "sipp_uac_cpu_s",
                                              "sipp_uas_cpu_s", "server_cpu_s", "wall_s", "other_load_cpus",
                                              "clean")} | ({"udp_drops": run["udp_drops"]} if "udp_drops" in run else {}))
            log(f"{server.name}/{transport} {rate}/s: " + ("clean" if ok else why_not_clean(run)) + drops_text(run))
            if ok:
                lo = rate
            else:
                if hi is None or rate < hi:
                    limited = self.limited_by(run)
                    steps[-1]["limited_by"] = limited
                hi = rate
                time.sleep(3)  # let a backlog drain before the next step
            if hi is None:
                if rate >= a.max_rate_cap:
                    break
                rate = min(rate * 2, a.max_rate_cap)
            else:
                if hi - lo <= max(self.RATE_STEP, lo * a.resolution) or len(steps) >= a.max_steps:
                    break
                rate = ((lo + hi) // 2 // self.RATE_STEP) * self.RATE_STEP
                if rate <= lo:
                    break
            time.sleep(1)
        return lo, hi, steps

    def measure_server(self, server, transport, fixed_rate):
        """(b) max rate and latency at half of it; (a) CPU at fixed_rate (or at
        half of this server's max when fixed_rate is None: the yardstick)."""
        res = {"transport": transport}
        if self.left() < 120:
            res["status"] = "skipped: time budget"
            return res
        try:
            if isinstance(server, Tandem):
                res["configured_with"] = server.configure(transport)
            self.session(server, transport)
        except Unavailable as e:
            res["status"] = f"not available: {e}"
            return res
        try:
            self.probe(server, transport)  # also the warm-up
            res["workers"] = server.describe()
            c0 = cpu_seconds(server.pids())
            time.sleep(2.0)
            res["idle_cpu_s_per_s"] = round((cpu_seconds(server.pids()) - c0) / 2.0, 4)

            lo, hi, steps = self.max_rate(server, transport)
            res.update(max_rate=lo, first_unclean_rate=hi, search=steps,
                       max_rate_limited_by=next((st.get("limited_by") for st in steps if st["rate"] == hi), None))
            if lo == 0:
                res["status"] = f"no clean rate at or above {self.args.start_rate}/s"
                return res
            # Does the server come back by itself after the overload steps? Then
            # a fresh server (and UAS) for the fixed-rate runs, whatever the answer.
            time.sleep(2)
            back = self.uac(server, transport, 50, 1.0)
            res["recovered_after_overload"] = clean(back, tolerance=0.5)
            if not res["recovered_after_overload"]:
                self.results["notes"].append(f"{server.name}/{transport}: after the overload steps the server did "
                                             f"not relay again by itself ({why_not_clean(back)}); restarted")
            bad = self.relay_check()
            if bad:
                res["status"] = f"invalid: {bad}"
                return res
            self.stop_session(server)
            self.session(server, transport)
            self.probe(server, transport)

            half = max(100, (lo // 2 // 100) * 100)
            res["latency_rate"] = half
            runs = {}
            for r in ([half] if fixed_rate in (None, half) else [fixed_rate, half]):
                if self.left() < self.args.fixed + 30:
                    self.results["notes"].append(f"{server.name}/{transport}: run at {r}/s skipped (budget)")
                    continue
                time.sleep(1)
                runs[r] = self.measured_run(server, transport, r, self.args.fixed)
                log(f"{server.name}/{transport} fixed {r}/s for {self.args.fixed:g}s: cpu {runs[r]['server_cpu_s']} s, "
                    f"p50 {runs[r]['p50_ms']} ms, p99 {runs[r]['p99_ms']} ms, "
                    + ("clean" if runs[r]["clean"] else why_not_clean(runs[r])))
            res["latency_run"] = runs.get(half)
            res["cpu_run"] = runs.get(fixed_rate if fixed_rate else half)
            bad = self.relay_check()
            res["status"] = f"invalid: {bad}" if bad else "measured"
            return res
        except Unavailable as e:
            res["status"] = f"not available: {e}"
            return res
        finally:
            self.stop_session(server)

    def cpu_only(self, server, transport, rate):
        """A fresh fixed-rate CPU run (when the common rate had to come down)."""
        self.session(server, transport)
        try:
            self.probe(server, transport)
            run = self.measured_run(server, transport, rate, self.args.fixed)
            bad = self.relay_check()
            if bad:
                run["clean"] = False
                run["relay_check"] = bad
            return run
        finally:
            self.stop_session(server)

    def memory(self, server):
        n = self.args.connections
        res = {"connections": n}
        if isinstance(server, Tandem):
            try:
                res["configured_with"] = server.configure("tcp")
            except Unavailable as e:
                res["pool"] = f"not configured ({e}): idle connections need no route"
        try:
            self.session(server, "tcp")
        except Unavailable as e:
            return {"status": f"not available: {e}"}
        client = None
        try:
            pids = server.pids()
            time.sleep(1.0)
            base_sockets = len(socket_inodes(pids))
            pss0, rss0 = memory_kib(server.pids())
            cmd = (["taskset", "-c", self.args.sipp_cpus] if self.args.sipp_cpus else []) + [
                sys.executable, str(HERE / "idle_tcp.py"), "--to", f"{server.addr}:{SERVER_PORT}", "--count", str(n),
                "--source", IDLE_CLIENT_ADDR, "--rate", str(self.args.connect_rate), "--hold", "200"]
            client = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                      start_new_session=True, preexec_fn=raise_nofile)
            line = client.stdout.readline().split()
            if len(line) < 6 or line[0] != "connected":
                return {"status": f"idle client failed: {' '.join(line)}"}
            connected, failed, pongs = int(line[1]), int(line[3]), int(line[5])
            # wait until the server holds the connections (accepted, not just queued)
            deadline = time.monotonic() + 30
            held = 0
            while time.monotonic() < deadline:
                held = len(socket_inodes(server.pids())) - base_sockets
                if held >= connected:
                    break
                time.sleep(0.5)
            time.sleep(self.args.settle)
            pss1, rss1 = memory_kib(server.pids())
            client.stdin.write("check\n")
            client.stdin.flush()
            alive_line = client.stdout.readline().split()
            alive = int(alive_line[1]) if len(alive_line) == 2 else None
            res.update({
                "connected": connected, "connect_failed": failed, "keepalive_pongs": pongs,
                "held_by_server": held, "alive_at_measure": alive,
                "pss_kib_before": pss0, "pss_kib_after": pss1, "rss_kib_before": rss0, "rss_kib_after": rss1,
                "pss_bytes_per_conn": round((pss1 - pss0) * 1024 / connected, 1) if connected else None,
                "rss_bytes_per_conn": round((rss1 - rss0) * 1024 / connected, 1) if connected else None,
                "processes": len(server.pids()),
            })
            ok = connected == n and alive == n and held >= n
            res["status"] = "measured" if ok else (
                f"incomplete: {connected}/{n} connected, {held} held by the server, {alive} alive")
            log(f"{server.name} memory: {res['status']}, PSS +{pss1 - pss0} KiB, RSS +{rss1 - rss0} KiB, "
                f"{pongs} pongs")
            return res
        finally:
            if client:
                try:
                    client.stdin.write("close\n")
                    client.stdin.flush()
                except OSError:
                    pass
                try:
                    client.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    kill_group(client)
            self.stop_session(server)

    def run(self):
        a = self.args
        for tool in ("sipp", "taskset"):
            if not shutil.which(tool):
                raise BenchError(f"{tool} not installed (make setup installs it)")
        servers = []
        if "kamailio" in a.servers:
            k = Kamailio(self.work, a.server_cpus, a.workers)
            k.check()
            servers.append(k)
        tandem_status = None
        if "tandem" in a.servers:
            t = Tandem(self.work, a.server_cpus, a.workers, a.tandemd, a.tandemctl)
            try:
                t.check()
                servers.append(t)
            except Unavailable as e:
                tandem_status = f"not available: {e}"
        self.servers = {s.name: s for s in servers}
        R = self.results
        for s in servers:
            R["servers"][s.name] = {"version": s.version}
        if tandem_status:
            R["servers"]["tandem"] = {"status": tandem_status}

        for transport in a.transports:
            kres = tres = None
            by = {}
            k = next((s for s in servers if s.name == "kamailio"), None)
            t = next((s for s in servers if s.name == "tandem"), None)
            if k:
                kres = self.measure_server(k, transport, None)
                if kres.get("status") != "measured":
                    raise BenchError(f"the Kamailio yardstick failed over {transport}: {kres.get('status')}")
                by["kamailio"] = kres
            fixed = kres["latency_rate"] if kres else None
            if t:
                tres = self.measure_server(t, transport, fixed)
                by["tandem"] = tres
                # Tandem's max below twice the common rate: both get the lower rate
                if (kres and tres.get("status") == "measured" and tres["max_rate"] // 2 < fixed
                        and self.left() > 2 * a.fixed + 40):
                    low = max(100, (tres["max_rate"] // 2 // 100) * 100)
                    R["notes"].append(f"{transport}: fixed rate lowered to {low}/s (half of Tandem's max)")
                    try:
                        kres["cpu_run"] = self.cpu_only(k, transport, low)
                    except Unavailable as e:
                        raise BenchError(f"the Kamailio yardstick failed over {transport}: {e}") from e
                    tres["cpu_run"] = tres["latency_run"]
                    fixed = low
            for name, res in by.items():
                res["fixed_rate"] = fixed
                R["servers"].setdefault(name, {})[transport] = res
            if t is None and tandem_status:
                R["servers"]["tandem"][transport] = {"status": tandem_status}

        if a.connections > 0:
            for s in servers:
                if self.left() < 45:
                    R["memory"][s.name] = {"status": "skipped: time budget"}
                    continue
                R["memory"][s.name] = self.memory(s)
            if tandem_status:
                R["memory"]["tandem"] = {"status": tandem_status}
        R["max_other_load_cpus"] = self.max_other_load
        if self.max_other_load > 0.15:
            R["notes"].append(f"other processes kept up to {self.max_other_load} CPUs busy during the runs: "
                              f"the machine was not quiet, rerun for figures worth keeping")
        R["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        return R

    def cleanup(self):
        if self.uas:
            kill_group(self.uas)
        for s in self.servers.values():
            s.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


# ---------------------------------------------------------------- report

def ratio(t, k):
    if t is None or k is None or k == 0:
        return None
    return t / k


def fmt(v, spec, unit=""):
    return "n/a" if v is None else f"{v:{spec}}{unit}"


def pick(res, *path):
    """res[path[0]][path[1]]..., or None when res was not measured or a key is missing."""
    if not res or res.get("status") != "measured":
        return None
    for p in path:
        res = res.get(p) if isinstance(res, dict) else None
        if res is None:
            return None
    return res


class Notes:
    """The footnotes under a table: cells that hold no figure say why."""

    def __init__(self):
        self.notes = []

    def append(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def note(self, text):
        self.append(text)
        return f"n/a [{self.notes.index(text) + 1}]"

    def cell(self, name, res, value, spec, unit):
        """value formatted, or "n/a [i]" with the status of res (named name) as footnote i."""
        if value is None:
            status = (res or {}).get("status", "not run")
            return "n/a" if status == "measured" else self.note(f"{name}: {status}")
        return f"{value:{spec}}{unit}"


def format_table(rows, notes, columns=("Kamailio", "Tandem")):
    """rows: (label, first column, second column, ratio second/first or None,
    target text, target met: True / False / None); then the footnotes."""
    w0 = max(len(r[0]) for r in rows)
    w1 = max(10, max(len(r[1]) for r in rows))
    w2 = max(10, max(len(r[2]) for r in rows))
    rh = f"{columns[1]}/{columns[0]}"
    head = f"{'':{w0}}  {columns[0]:>{w1}}  {columns[1]:>{w2}}  {rh:>15}  {'target':>8}"
    out = [head, "-" * (len(head) + 9)]
    for name, k, t, r, target, met in rows:
        verdict = "" if met is None else ("  met" if met else "  NOT met")
        out.append(f"{name:{w0}}  {k:>{w1}}  {t:>{w2}}  {fmt(r, '.2f'):>15}  {target:>8}{verdict}")
    for i, text in enumerate(notes.notes, 1):
        out.append(f"  [{i}] {text}")
    return "\n".join(out)


def table(results, args):
    """The side-by-side table (text) and the ratios (dict)."""
    servers, memory = results["servers"], results["memory"]
    notes = Notes()  # footnotes for cells that hold no figure

    def cell(name, res, value, spec, unit):
        return notes.cell(name.split()[0], res, value, spec, unit)

    rows, summary = [], {}
    for transport in args.transports:
        T = transport.upper()
        kr = servers.get("kamailio", {}).get(transport)
        tr = servers.get("tandem", {}).get(transport)
        fixed = pick(kr, "fixed_rate") or pick(tr, "fixed_rate")
        line = {}
        for key, path in (("cpu", ("cpu_run", "cpu_s_per_10k")), ("max", ("max_rate",)),
                          ("p50", ("latency_run", "p50_ms")), ("p99", ("latency_run", "p99_ms"))):
            line[key] = (pick(kr, *path), pick(tr, *path))
        for name, res in (("Kamailio", kr), ("Tandem", tr)):
            if pick(res, "cpu_run") and not pick(res, "cpu_run", "clean"):
                notes.append(f"{name} {transport}: the fixed-rate run had failures: "
                             f"{why_not_clean(res['cpu_run'])}")
        rc, rm = ratio(*reversed(line["cpu"])), ratio(*reversed(line["max"]))
        bound = []  # which max rates are only lower bounds (SIPp ran out of CPU first)
        for name, res in (("Kamailio", kr), ("Tandem", tr)):
            lim = pick(res, "max_rate_limited_by") or ""
            bound.append(lim.startswith("SIPp"))
            if lim.startswith("SIPp"):
                notes.append(f"{name} {transport}: at the first failing rate SIPp ran out of CPU "
                             f"({lim.split(': ', 1)[1]}), not the server: its max is higher")
        rate_txt = f" @ {fixed:,}/s" if fixed else ""
        rows.append((f"{T} CPU s per 10k tx{rate_txt}", cell("Kamailio " + transport, kr, line["cpu"][0], ".3f", " s"),
                     cell("Tandem " + transport, tr, line["cpu"][1], ".3f", " s"), rc, "<= 0.67",
                     None if rc is None else rc <= 2 / 3))
        kmax = cell("Kamailio " + transport, kr, line["max"][0], ",", "/s")
        tmax = cell("Tandem " + transport, tr, line["max"][1], ",", "/s")
        rows.append((f"{T} max rate, 0 failures", (">= " if bound[0] and line["max"][0] else "") + kmax,
                     (">= " if bound[1] and line["max"][1] else "") + tmax, rm, ">= 1.00",
                     None if rm is None else rm >= 1.0))
        kl, tl = pick(kr, "latency_rate"), pick(tr, "latency_rate")
        at = f" (at {kl or '-'} / {tl or '-'}/s)"
        for q in ("p50", "p99"):
            rows.append((f"{T} {q} at max/2" + (at if q == "p50" else ""),
                         cell("Kamailio " + transport, kr, line[q][0], ".3f", " ms"),
                         cell("Tandem " + transport, tr, line[q][1], ".3f", " ms"), ratio(*reversed(line[q])), "", None))
        summary[transport] = {"fixed_rate": fixed, "cpu_ratio": rc, "max_rate_ratio": rm,
                              "p50_ratio": ratio(*reversed(line["p50"])), "p99_ratio": ratio(*reversed(line["p99"])),
                              "cpu_target_met": None if rc is None else rc <= 2 / 3,
                              "max_rate_target_met": None if rm is None else rm >= 1.0}
    if args.connections:
        km, tm = memory.get("kamailio"), memory.get("tandem")
        for key, label in (("pss_bytes_per_conn", "PSS"), ("rss_bytes_per_conn", "RSS sum")):
            kv, tv = pick(km, key), pick(tm, key)
            rows.append((f"memory per idle TCP conn ({args.connections:,}), {label}",
                         cell("Kamailio memory", km, None if kv is None else kv / 1024, ".2f", " KiB"),
                         cell("Tandem memory", tm, None if tv is None else tv / 1024, ".2f", " KiB"),
                         ratio(tv, kv), "", None))
            summary.setdefault("memory", {})[label.split()[0].lower() + "_ratio"] = ratio(tv, kv)

    return format_table(rows, notes), summary


# ---------------------------------------------------------------- main() of every SIP bench

def common_arguments(description, json_name, *, start_rate, max_rate_cap, budget, quick_help):
    """The options every SIP bench takes (this one, the REGISTER bench, the
    federation bench); each adds its own and applies --quick itself."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    bin_dir = ROOT / "build-bench" / "bin"
    ap.add_argument("--tandemd", default=str(bin_dir / "tandemd"))
    ap.add_argument("--tandemctl", default=str(bin_dir / "tandemctl"))
    ap.add_argument("--json", default=str(ROOT / "build-bench" / json_name))
    ap.add_argument("--servers", default="kamailio,tandem")
    ap.add_argument("--server-cpus", default="1", help="taskset CPU list for the server ('' = no pinning)")
    ap.add_argument("--sipp-cpus", default="0", help="taskset CPU list for SIPp (and the idle client)")
    ap.add_argument("--workers", type=int, default=0,
                    help="worker processes/threads of each server (default: number of server CPUs)")
    ap.add_argument("--fixed", type=float, default=20.0, help="seconds of the fixed-rate run (CPU, latency)")
    ap.add_argument("--step", type=float, default=4.0, help="seconds of each max-rate step")
    ap.add_argument("--start-rate", type=int, default=start_rate)
    ap.add_argument("--max-rate-cap", type=int, default=max_rate_cap)
    ap.add_argument("--max-steps", type=int, default=10)
    ap.add_argument("--resolution", type=float, default=0.08, help="bisect until (hi - lo) <= this x lo")
    ap.add_argument("--budget", type=float, default=budget, help="seconds for the whole bench")
    ap.add_argument("--wait-quiet", type=float, default=0.0,
                    help="wait up to this many seconds for other processes to leave the CPUs alone")
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("--keep", action="store_true", help="keep the work folder (SIPp and server logs)")
    return ap


def finish_arguments(args):
    """After --quick: the server list, the default worker count, the fd limit."""
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    if not args.workers:
        args.workers = cpu_count(args.server_cpus)
    raise_nofile()
    return args


def machine_info():
    return {
        "nproc": os.cpu_count(), "cpu_model": cpu_model(), "kernel": platform.release(),
        "sipp": (subprocess.run(["sipp", "-v"], capture_output=True, text=True).stdout.strip().splitlines() or [""])[0]
        if shutil.which("sipp") else None,
    }


def wait_quiet(seconds):
    """CPUs other processes keep busy, after waiting up to `seconds` for them to stop."""
    busy = background_load(1.0)
    waited = 0.0
    while busy > 0.15 and waited < seconds:
        if waited == 0.0:
            print(f"  waiting up to {seconds:.0f} s for the machine to go quiet ({busy:.2f} CPUs busy)",
                  file=sys.stderr, flush=True)
        time.sleep(4.0)
        waited += 5.0
        busy = background_load(1.0)
    return busy


def run_main(bench, args, what, settings, report, placement=None):
    """Everything a SIP bench's main() does around bench.run(): SIGTERM as an
    interruption, the quiet-machine wait, the budget, the clean-up, the
    report (report(results) prints the table, sets results["ratios"]) and the
    JSON file. `what` names the bench in its messages; `placement` replaces
    the default "server on CPU .., SIPp on CPU .." of the first line.
    Returns the exit code."""

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    machine = machine_info()
    busy = wait_quiet(args.wait_quiet)
    machine["idle_check_busy_cpus"] = round(busy, 2)
    bench.t0 = time.monotonic()  # the budget starts now
    bench.deadline = bench.t0 + args.budget
    if busy > 0.15:
        print(f"  warning: {busy:.2f} CPUs busy before the bench started: the machine is not quiet and the "
              f"figures will suffer", file=sys.stderr)
    placement = placement or (f"server on CPU {settings['server_cpus']}, SIPp on CPU {settings['sipp_cpus']}, "
                              f"{args.workers} worker(s) each")
    print(f"machine: {machine['nproc']} CPUs, {machine['cpu_model']}, Linux {machine['kernel']}; {placement}",
          flush=True)
    code = 0
    try:
        results = bench.run()
    except BenchError as e:
        print(f"{what}: {e}", file=sys.stderr)
        results, code = dict(bench.results, error=str(e)), 1
    except KeyboardInterrupt as e:
        print(f"{what}: interrupted ({e})", file=sys.stderr)
        results, code = dict(bench.results, error="interrupted"), 130
    finally:
        bench.cleanup()
    results.update(machine=machine, settings=settings, command=" ".join(sys.argv),
                   date=time.strftime("%Y-%m-%d %H:%M:%S %z"))
    if "error" not in results:
        report(results)
    try:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"  results: {args.json}")
    except OSError as e:
        print(f"{what}: cannot write {args.json}: {e}", file=sys.stderr)
    return code


def main():
    ap = common_arguments(__doc__, "proxy_bench.json", start_rate=1000, max_rate_cap=64000, budget=570.0,
                          quick_help="short runs, for trying the harness out")
    ap.add_argument("--transports", default="udp,tcp")
    ap.add_argument("--connections", type=int, default=10000, help="idle TCP connections (0: no memory figure)")
    ap.add_argument("--connect-rate", type=float, default=1000.0, help="idle connections opened per second")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds between the connections and the reading")
    args = ap.parse_args()
    if args.quick:
        args.fixed, args.step, args.max_steps, args.connections = 5.0, 2.0, 4, min(args.connections, 2000)
    args.transports = [t.strip() for t in args.transports.split(",") if t.strip()]
    finish_arguments(args)

    bench = Bench(args)
    settings = {
        "server_cpus": args.server_cpus or "any", "sipp_cpus": args.sipp_cpus or "any", "workers": args.workers,
        "fixed_run_s": args.fixed, "step_s": args.step, "start_rate": args.start_rate,
        "connections": args.connections, "sipp_fine_clock": bool(bench.shim),
        "addresses": {"kamailio": f"{KAMAILIO_ADDR}:{SERVER_PORT}", "tandem": f"{TANDEM_ADDR}:{SERVER_PORT}",
                      "uas": f"{UAS_ADDR}:{UAS_PORT}", "uac": f"{UAC_ADDR}:{UAC_PORT}"},
    }

    def report(results):
        text, summary = table(results, args)
        results["ratios"] = summary
        print(text)
        for transport in args.transports:
            for name in ("kamailio", "tandem"):
                w = results["servers"].get(name, {}).get(transport, {}).get("workers")
                if w:
                    print(f"  {transport}: {w}")
        for note in results["notes"]:
            print(f"  note: {note}")
        print(f"  ({results.get('elapsed_s')} s)")

    return run_main(bench, args, "proxy bench", settings, report)


if __name__ == "__main__":
    sys.exit(main())
