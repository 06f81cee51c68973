#!/usr/bin/env python3
"""REGISTER bench: Tandem against Kamailio's registrar, same machine, one run.

SIPp (UAC) registers users with digest authentication: REGISTER -> 401 ->
REGISTER with credentials -> 200, one registration per SIPp call, users taken
in order from an injection file (user000000, user000001, ...). Both servers
keep the bindings durably in SQLite, in WAL mode with synchronous = FULL, and
answer 200 only once the binding is committed:
  Tandem: `[server] store = "sqlite:..."` (group commit);
  Kamailio (the yardstick, Debian's 5.6): bench/kamailio/registrar.cfg, auth_db
    (subscriber.ha1) + usrloc db_mode=1 (write-through) + registrar save().
Each gets one worker and is pinned to the server CPU; SIPp to the other.
Everything runs on 127.0.0.1 with free ports and stops by itself.

Figures, per server (docs/performance.md explains them):
  (a) server CPU time (utime + stime from /proc, summed over the server's
      processes) per 10,000 registrations (each = the 401 exchange and the
      authenticated REGISTER with its 200), at one fixed rate both sustain
      with zero failures: half of Kamailio's maximum (halved again, at most
      twice, while Kamailio's 20 s run at it is not clean; half of Tandem's
      maximum if that is lower);
  (b) the highest rate with zero failed registrations (ramp x2 then bisect,
      short steps), with p50 / p99 response time of the authenticated
      REGISTER at half that rate;
  (c) memory per registered user: --users users (100,000) registered once
      each, one binding each, at half the server's common rate (max/4), on a
      fresh server with every user provisioned: (RSS 70 s after the last
      registration, past Timer J - RSS before) / users, summed over the
      server's processes;
      PSS too; for Kamailio also its shared memory pool use (kamcmd
      core.shmmem, real_used) before and after.

Shared helpers (the /proc readers, SIPp's result parsing, the max-rate
search) come from bench/proxy/run_proxy_bench.py.

    python3 bench/registrar/run_register_bench.py [--quick] [--servers kamailio,tandem]
                                                  [--users N] [--json FILE]
"""

import hashlib
import os
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bench" / "proxy"))
import run_proxy_bench as pb  # noqa: E402
from run_proxy_bench import (BenchError, Unavailable, clean, cpu_seconds, group_pids, kill_group,  # noqa: E402
                             log, machine_busy_seconds, memory_kib, pick, raise_nofile, ratio, thread_count,
                             udp_drops, wait_listening, why_not_clean)

ADDR = "127.0.0.1"
DOMAIN = "bench.example.com"
KAMAILIO_SQL = Path("/usr/share/kamailio/db_sqlite")


def free_udp_port(addr=ADDR):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def io_counters():
    """(I/O pressure "some" stall in microseconds since boot, write requests
    completed on every whole disk): the registrars wait on fdatasync, so a
    disk kept busy by other processes slows them without any CPU showing it."""
    stall = writes = 0
    try:
        with open("/proc/pressure/io") as f:
            stall = int(f.readline().rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                cols = line.split()
                if (len(cols) > 7 and os.path.exists(f"/sys/block/{cols[2]}")
                        and not cols[2].startswith(("loop", "ram", "zram", "dm-", "md"))):
                    writes += int(cols[7])
    except (OSError, ValueError, IndexError):
        pass
    return stall, writes


def cpu_split(pids):
    """(utime, stime) summed over pids, seconds: a registrar's fdatasync
    shows in its system time."""
    u = st = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        u, st = u + int(fields[11]), st + int(fields[12])
    return u / pb.CLK_TCK, st / pb.CLK_TCK


def user_name(i):
    return f"user{i:06d}"


def password(i):
    return f"pw-{i:06d}-bench"


def write_injection(path, users):
    """SIPp injection file: user;domain;[authentication ...] (SIPp 3.6 does not
    expand [fieldN] inside [authentication], but expands keywords in a field)."""
    with open(path, "w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(users):
            u = user_name(i)
            f.write(f"{u};{DOMAIN};[authentication username={u} password={password(i)}]\n")


# ---------------------------------------------------------------- SIPp

class RegSipp(pb.Sipp):
    """SIPp as a registering UAC (the proxy bench's Sipp, another scenario)."""

    def __init__(self, work, cpus, shim, injection):
        super().__init__(work, cpus, shim)
        self.uac_xml = HERE / "register_uac.xml"
        self.injection = injection
        self.port = free_udp_port()

    def register(self, server_port, rate, count, timeout):
        """One UAC run: `count` registrations at `rate`/s (users from the start
        of the injection file). Returns the run's figures (pb.Sipp._collect)."""
        self.runs += 1
        d = self.work / f"uac-{self.runs:03d}"
        d.mkdir()
        limit = max(1000, min(rate * 6, resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 1000))
        freq = 1 if count < 2000 else 500  # -rtt_freq: SIPp drops a partial last batch
        count = -(-count // freq) * freq
        cmd = self.prefix() + ["sipp", f"{ADDR}:{server_port}", "-sf", str(self.uac_xml), "-inf", str(self.injection),
                               "-auth_uri", DOMAIN, "-i", ADDR, "-p", str(self.port), "-t", "u1", "-bind_local",
                               "-nostdin", "-r", str(rate), "-rp", "1000", "-m", str(count), "-l", str(limit),
                               "-max_recv_loops", "5000", "-max_sched_loops", "5000",
                               "-buff_size", str(pb.SIPP_BUFFER), "-trace_stat", "-stf", "stat.csv", "-fd", "1",
                               "-trace_rtt", "-rtt_freq", str(freq), "-trace_err"] + self.uac_extra
        t0 = time.monotonic()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.Popen(cmd, cwd=d, env=self.env(), stdin=subprocess.DEVNULL,
                                stdout=open(d / "screen.txt", "wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(proc, grace=2)
            rc = proc.returncode
        except BaseException:  # interrupted: leave no SIPp behind
            kill_group(proc, grace=2)
            raise
        wall = time.monotonic() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = self._collect(d, rc, timed_out, wall, count, rate)
        result["sipp_uac_cpu_s"] = round(ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime, 3)
        return result


# ---------------------------------------------------------------- servers

class Kamailio:
    name = "kamailio"
    label = "Kamailio"

    def __init__(self, work, cpus, workers, shm_mb=256):
        self.work = (work / "kamailio").resolve()
        self.work.mkdir()
        self.cpus = cpus
        self.workers = workers
        self.shm_mb = shm_mb
        self.binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        self.kamcmd = shutil.which("kamcmd")
        self.cfg = ROOT / "bench" / "kamailio" / "registrar.cfg"
        self.template = self.work / "template.db"
        self.proc = None
        self.sessions = 0
        self.port = None
        self.version = None

    def check(self):
        try:
            out = subprocess.run([self.binary, "-v"], capture_output=True, text=True, timeout=10).stdout
            m = re.search(r"version: kamailio (\S+)", out)
            self.version = m.group(1) if m else out.splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            raise BenchError(f"kamailio not found ({self.binary})")
        mods = Path(f"/usr/lib/{os.uname().machine}-linux-gnu/kamailio/modules/db_sqlite.so")
        if not mods.exists() or not (KAMAILIO_SQL / "usrloc-create.sql").exists():
            raise BenchError("kamailio-sqlite-modules is not installed (make setup installs it)")

    def provision(self, users):
        """The template database: Debian's schema scripts, WAL journal (kept in
        the file), one subscriber per user with ha1 = md5(user:realm:password)."""
        db = sqlite3.connect(self.template)
        db.execute("PRAGMA journal_mode = WAL")
        for part in ("standard", "auth_db", "usrloc"):
            db.executescript((KAMAILIO_SQL / f"{part}-create.sql").read_text())
        db.executemany("INSERT INTO subscriber (username, domain, ha1) VALUES (?, ?, ?)",
                       ((user_name(i), DOMAIN, hashlib.md5(f"{user_name(i)}:{DOMAIN}:{password(i)}".encode())
                         .hexdigest()) for i in range(users)))
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return "sqlite3: Debian's db_sqlite create scripts + subscriber rows"

    def start(self):
        """A fresh server on a fresh copy of the template (no bindings)."""
        self.sessions += 1
        run = self.work / f"run-{self.sessions:02d}"
        run.mkdir()
        self.db = run / "kamailio.db"
        shutil.copyfile(self.template, self.db)
        self.ctl = f"unix:{run}/ctl"
        self.port = free_udp_port()
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            self.binary, "-f", str(self.cfg), "-DD", "-E", "-P", str(run / "kamailio.pid"), "-Y", str(run),
            "-m", str(self.shm_mb), "-M", "8", "-l", f"udp:{ADDR}:{self.port}",
            "-A", f'DBURL="sqlite://{self.db}"', "-A", f'DBJOURNAL="{self.db}=WAL;"',
            "-A", f'DOMAIN="{DOMAIN}"', "-A", f'CTL="{self.ctl}"', "-A", f"WORKERS={self.workers}"]
        self.log = run / "kamailio.log"
        self.proc = subprocess.Popen(cmd, cwd=run, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(ADDR, self.port, ["udp"], self.proc):
            tail = self.log.read_text(errors="replace")[-400:]
            self.stop()
            raise BenchError(f"kamailio did not start: {tail}")
        time.sleep(0.5)  # children fork after the sockets are bound

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        return f"Kamailio {self.version}: children={self.workers} (UDP), {len(self.pids())} processes in all"

    def shm_used(self):
        """Kamailio's shared memory pool in use (kamcmd core.shmmem real_used), bytes."""
        if not self.kamcmd:
            return None
        try:
            out = subprocess.run([self.kamcmd, "-s", self.ctl, "core.shmmem"], capture_output=True, text=True,
                                 timeout=10).stdout
            m = re.search(r"real_used:\s*(\d+)", out)
            return int(m.group(1)) if m else None
        except (OSError, subprocess.TimeoutExpired):
            return None

    def bindings(self):
        try:
            db = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)
            n = db.execute("SELECT COUNT(*) FROM location").fetchone()[0]
            db.close()
            return n
        except sqlite3.Error:
            return None

    def stop(self):
        kill_group(self.proc)
        self.proc = None


class Tandem:
    name = "tandem"
    label = "Tandem"

    def __init__(self, work, cpus, workers, tandemd, tandemctl):
        self.work = (work / "tandem").resolve()
        self.work.mkdir()
        self.cpus = cpus
        self.workers = workers
        self.tandemd = Path(tandemd).absolute()
        self.tandemctl = Path(tandemctl).absolute()
        self.template = self.work / "template"
        self.template.mkdir()
        self.proc = None
        self.sessions = 0
        self.port = None
        self.version = None
        self.auth_key = True  # [auth] algorithms = ["MD5"] accepted by this tandemd

    def server_toml(self, folder, port):
        return ("# written by bench/registrar/run_register_bench.py\n"
                "[server]\n"
                f'fqdn = "{DOMAIN}"\n'
                f'store = "sqlite:{folder}/tandem.db"\n'
                'admin = ""\n'
                f"workers = {self.workers}\n"
                "\n[[connections]]\n"
                f'address = "{ADDR}"\ntransport = "udp"\nport = {port}\n'
                + ('\n[auth]\nalgorithms = ["MD5"]\n' if self.auth_key else "")
                + '\n[log]\nlevel = "error"\n')

    def check(self):
        for b in (self.tandemd, self.tandemctl):
            if not (b.is_file() and os.access(b, os.X_OK)):
                raise Unavailable(f"{b} is not built")
        try:
            self.version = subprocess.run([str(self.tandemd), "--version"], capture_output=True, text=True,
                                          timeout=10).stdout.strip() or "tandemd"
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Unavailable(f"tandemd --version: {e}")
        f = self.template / "server.toml"
        for auth_key in (True, False):
            self.auth_key = auth_key
            f.write_text(self.server_toml(self.template, free_udp_port()))
            # tandemd refuses a missing store: tandemctl creates it
            subprocess.run([str(self.tandemctl), "--config", str(f), "domain", "list"], capture_output=True,
                           timeout=30)
            r = subprocess.run([str(self.tandemd), "--config", str(f), "--check"], capture_output=True, text=True,
                               timeout=30)
            if r.returncode == 0:
                if not auth_key:
                    log("tandemd refuses [auth] algorithms: benching without it (its default algorithms)")
                return
        raise Unavailable(f"tandemd --check rejects the bench server file: {(r.stdout + r.stderr).strip()[:200]}")

    def provision(self, users):
        """tandemctl pool apply of a generated pool file: the domain and one
        [[users]] entry (uri, password) per user, into the template store."""
        pool = self.work / "pool.toml"
        with open(pool, "w") as f:
            f.write(f'# written by bench/registrar/run_register_bench.py\ndomains = ["{DOMAIN}"]\n')
            # One SIPp address stands for 100,000 clients: lift the per-source
            # limits (Kamailio's config has no throttling either).
            f.write("\n[throttling]\nclient_rate = 1000000\nclient_burst = 1000000\n"
                    "client_transactions = 1000000\nserver_rate = 1000000\nserver_burst = 1000000\n"
                    "server_transactions = 1000000\n")
            for i in range(users):
                f.write(f'\n[[users]]\nuri = "sip:{user_name(i)}@{DOMAIN}"\npassword = "{password(i)}"\n')
        t0 = time.monotonic()
        r = subprocess.run([str(self.tandemctl), "--config", str(self.template / "server.toml"), "pool", "apply",
                            str(pool)], capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            raise Unavailable(f"tandemctl pool apply: {(r.stderr or r.stdout).strip()[-300:]}")
        return f"tandemctl pool apply ({users} users, {time.monotonic() - t0:.1f} s)"

    def start(self):
        """A fresh server on a fresh copy of the provisioned store (no bindings)."""
        self.sessions += 1
        run = self.work / f"run-{self.sessions:02d}"
        run.mkdir()
        for f in self.template.glob("tandem.db*"):
            shutil.copyfile(f, run / f.name)
        self.port = free_udp_port()
        self.server_file = run / "server.toml"
        self.server_file.write_text(self.server_toml(run, self.port))
        self.log = run / "tandemd.log"
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            str(self.tandemd), "--config", str(self.server_file)]
        self.proc = subprocess.Popen(cmd, cwd=run, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(ADDR, self.port, ["udp"], self.proc):
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            self.stop()
            raise Unavailable(f"tandemd did not start: {tail[0][:200]}")

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        return (f"{self.version}: [server] workers = {self.workers}, {thread_count(self.pids())} threads in all"
                + ("" if self.auth_key else "; no [auth] algorithms key"))

    def shm_used(self):
        return None

    def bindings(self):
        """Rows of the store's bindings table (None before the registrar's schema)."""
        try:
            db = sqlite3.connect(f"file:{self.server_file.parent / 'tandem.db'}?mode=ro", uri=True, timeout=5)
            n = db.execute("SELECT COUNT(*) FROM bindings").fetchone()[0]
            db.close()
            return n
        except (sqlite3.Error, AttributeError):
            return None

    def stop(self):
        kill_group(self.proc)
        self.proc = None


# ---------------------------------------------------------------- the bench

class Bench(pb.Bench):
    RATE_STEP = 10  # registrations per second: durable registrars run far below relay rates

    def __init__(self, args):  # pb.Bench.__init__ is not called: no UAS, another work folder
        self.args = args
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.budget
        self.work = Path(tempfile.mkdtemp(prefix="tandem-register-bench-"))
        self.shim = self._build_shim()
        self.injection = self.work / "users.csv"
        self.sipp = RegSipp(self.work, args.sipp_cpus, self.shim, self.injection)
        self.servers = {}
        self.results = {"servers": {}, "memory": {}, "notes": []}
        self.uas = None
        self.max_other_load = 0.0
        self.max_io_pressure = 0.0

    # pb.Bench.max_rate drives these
    def session(self, server, transport="udp"):
        server.start()

    def stop_session(self, server):
        server.stop()
        time.sleep(0.5)

    def uac(self, server, transport, rate, seconds):
        count = max(1, int(rate * seconds))
        return self.sipp.register(server.port, rate, count, timeout=seconds + 25)

    def uas_pids(self):
        return []

    def measured_run(self, server, transport, rate, seconds, count=None):
        """A run with the server's CPU time around it, and what else kept the
        machine busy meanwhile (anything but the server and SIPp)."""
        s0 = cpu_split(server.pids())
        c0, m0, d0, io0 = cpu_seconds(server.pids()), machine_busy_seconds(), udp_drops(), io_counters()
        if count is None:
            run = self.uac(server, transport, rate, seconds)
        else:
            run = self.sipp.register(server.port, rate, count, timeout=count / rate + 60)
        c1, m1, d1, io1 = cpu_seconds(server.pids()), machine_busy_seconds(), udp_drops(), io_counters()
        # share of the run's time some task waited on I/O (the server's own
        # fdatasync waits included), and the disk writes of the whole machine
        run["io_pressure_pct"] = round((io1[0] - io0[0]) / 1e4 / run["wall_s"], 1) if run["wall_s"] else None
        run["disk_writes"] = io1[1] - io0[1]
        self.max_io_pressure = max(self.max_io_pressure, run["io_pressure_pct"] or 0.0)
        run["udp_drops"] = {who: d1.get(addr, 0) - d0.get(addr, 0) for who, addr in (
            ("server", f"{ADDR}:{server.port}"), ("uac", f"{ADDR}:{self.sipp.port}"))}
        s1 = cpu_split(server.pids())
        run["server_cpu_s"] = round(c1 - c0, 3)
        run["server_user_s"], run["server_system_s"] = round(s1[0] - s0[0], 3), round(s1[1] - s0[1], 3)
        run["cpu_s_per_10k"] = round((c1 - c0) / run["successful"] * 10000, 4) if run["successful"] else None
        run["sipp_uas_cpu_s"] = 0.0
        other = (m1 - m0) - (c1 - c0) - run["sipp_uac_cpu_s"]
        run["other_load_cpus"] = round(max(0.0, other) / run["wall_s"], 2)
        self.max_other_load = max(self.max_other_load, run["other_load_cpus"])
        run["clean"] = clean(run)
        return run

    def probe(self, server, transport="udp"):
        run = self.uac(server, transport, 50, 1.0)
        if not clean(run, tolerance=0.5):
            raise Unavailable(f"probe: {why_not_clean(run)}")
        return run

    def measure_server(self, server, fixed_rate):
        """(b) max rate and latency at half of it; (a) CPU at fixed_rate (or at
        half of this server's max when fixed_rate is None: the yardstick)."""
        res = {"transport": "udp"}
        if self.left() < 60:
            res["status"] = "skipped: time budget"
            return res
        try:
            self.session(server)
        except Unavailable as e:
            res["status"] = f"not available: {e}"
            return res
        try:
            self.probe(server)  # also the warm-up
            res["workers"] = server.describe()
            c0 = cpu_seconds(server.pids())
            time.sleep(2.0)
            res["idle_cpu_s_per_s"] = round((cpu_seconds(server.pids()) - c0) / 2.0, 4)
            lo, hi, steps = self.max_rate(server, "udp")
            res.update(max_rate=lo, first_unclean_rate=hi, search=steps,
                       max_rate_limited_by=next((st.get("limited_by") for st in steps if st["rate"] == hi), None))
            if lo == 0:
                res["status"] = f"no clean rate at or above {self.args.start_rate}/s"
                return res
            time.sleep(2)
            back = self.uac(server, "udp", 50, 1.0)
            res["recovered_after_overload"] = clean(back, tolerance=0.5)
            if not res["recovered_after_overload"]:
                self.results["notes"].append(f"{server.name}: after the overload steps the server did not "
                                             f"register again by itself ({why_not_clean(back)}); restarted")
            # a fresh server (fresh store, no bindings) for the fixed-rate runs
            self.stop_session(server)
            self.session(server)
            self.probe(server)
            half = max(self.RATE_STEP, (lo // 2 // self.RATE_STEP) * self.RATE_STEP)
            res["latency_rate"] = half
            runs = {}
            for r in ([half] if fixed_rate in (None, half) else [fixed_rate, half]):
                if self.left() < self.args.fixed + 30:
                    self.results["notes"].append(f"{server.name}: run at {r}/s skipped (budget)")
                    continue
                time.sleep(1)
                runs[r] = self.measured_run(server, "udp", r, self.args.fixed)
                log(f"{server.name} fixed {r}/s for {self.args.fixed:g}s: cpu {runs[r]['server_cpu_s']} s "
                    f"({runs[r]['server_user_s']} user + {runs[r]['server_system_s']} system), "
                    f"p50 {runs[r]['p50_ms']} ms, p99 {runs[r]['p99_ms']} ms, "
                    + ("clean" if runs[r]["clean"] else why_not_clean(runs[r])))
            # The yardstick's common rate must be clean: a disk stall (other
            # processes' I/O makes fdatasync slow) can fail a run the short
            # search steps passed. Halve it, on a fresh server, at most twice.
            tries = 0
            while (fixed_rate is None and half in runs and not runs[half]["clean"] and tries < 2 and half > self.RATE_STEP
                   and self.left() > self.args.fixed + 60):
                tries += 1
                self.results["notes"].append(f"{server.name}: {half}/s for {self.args.fixed:g}s was not clean "
                                             f"({why_not_clean(runs[half])}); the common rate halved")
                half = max(self.RATE_STEP, (half // 2 // self.RATE_STEP) * self.RATE_STEP)
                self.stop_session(server)
                self.session(server)
                self.probe(server)
                time.sleep(1)
                runs[half] = self.measured_run(server, "udp", half, self.args.fixed)
                log(f"{server.name} fixed {half}/s for {self.args.fixed:g}s: cpu {runs[half]['server_cpu_s']} s "
                    f"({runs[half]['server_user_s']} user + {runs[half]['server_system_s']} system), "
                    f"p50 {runs[half]['p50_ms']} ms, p99 {runs[half]['p99_ms']} ms, "
                    + ("clean" if runs[half]["clean"] else why_not_clean(runs[half])))
            res["latency_rate"] = half
            res["latency_run"] = runs.get(half)
            res["cpu_run"] = runs.get(fixed_rate if fixed_rate else half)
            res["bindings_after"] = server.bindings()
            res["status"] = "measured"
            return res
        except Unavailable as e:
            res["status"] = f"not available: {e}"
            return res
        finally:
            self.stop_session(server)

    def cpu_only(self, server, rate):
        self.session(server)
        try:
            self.probe(server)
            return self.measured_run(server, "udp", rate, self.args.fixed)
        finally:
            self.stop_session(server)

    def memory(self, server, rate):
        """(c) every user registered once on a fresh server: memory added per user."""
        n = self.args.users
        res = {"users": n, "rate": rate}
        try:
            self.session(server)
        except Unavailable as e:
            return {"status": f"not available: {e}"}
        try:
            time.sleep(self.args.settle)
            pss0, rss0 = memory_kib(server.pids())
            shm0 = server.shm_used()
            log(f"{server.name} memory: registering {n} users at {rate}/s")
            run = self.measured_run(server, "udp", rate, None, count=n)
            time.sleep(self.args.settle)
            early = memory_kib(server.pids())
            # then past the transactions' lifetime (Timer J = 64*T1 = 32 s for
            # a non-INVITE server transaction over UDP): only bindings remain
            time.sleep(max(0.0, self.args.memory_settle - self.args.settle))
            pss1, rss1 = memory_kib(server.pids())
            shm1 = server.shm_used()
            bindings = server.bindings()
            # per binding the server holds (a 200 that reached SIPp after its
            # 5 s timeout still stored its binding); SIPp's count otherwise
            ok = bindings if bindings is not None else run["successful"]
            res.update(pss_kib_early=early[0], rss_kib_early=early[1], early_after_s=self.args.settle,
                       late_after_s=self.args.memory_settle)
            res.update({
                "registered": run["successful"], "failed": run["failed"], "retransmissions": run["retransmissions"],
                "io_pressure_pct": run["io_pressure_pct"],
                "achieved_rate": run["achieved_rate"], "server_cpu_s": run["server_cpu_s"],
                "cpu_s_per_10k": run["cpu_s_per_10k"], "other_load_cpus": run["other_load_cpus"],
                "bindings_in_db": bindings, "processes": len(server.pids()),
                "pss_kib_before": pss0, "pss_kib_after": pss1, "rss_kib_before": rss0, "rss_kib_after": rss1,
                "rss_bytes_per_user": round((rss1 - rss0) * 1024 / ok, 1) if ok else None,
                "pss_bytes_per_user": round((pss1 - pss0) * 1024 / ok, 1) if ok else None,
            })
            if shm0 is not None and shm1 is not None:
                res.update(shm_used_before=shm0, shm_used_after=shm1,
                           shm_bytes_per_user=round((shm1 - shm0) / ok, 1) if ok else None)
            res["status"] = "measured" if ok == n else f"incomplete: {ok}/{n} bindings ({why_not_clean(run)})"
            if ok == n and run["successful"] != n:
                self.results["notes"].append(f"{server.name} memory: every binding stored, but {run['failed']} "
                                             f"200s reached SIPp after its 5 s timeout ({why_not_clean(run)})")
            log(f"{server.name} memory: {res['status']}, RSS +{rss1 - rss0} KiB, PSS +{pss1 - pss0} KiB"
                + (f", shm +{(shm1 - shm0) // 1024} KiB" if shm0 is not None and shm1 is not None else ""))
            return res
        finally:
            self.stop_session(server)

    def run(self):
        a = self.args
        for tool in ("sipp", "taskset"):
            if not shutil.which(tool):
                raise BenchError(f"{tool} not installed (make setup installs it)")
        write_injection(self.injection, a.users)
        R = self.results
        k = t = None
        tandem_status = None
        if "kamailio" in a.servers:
            k = Kamailio(self.work, a.server_cpus, a.workers)
            k.check()
            R["servers"]["kamailio"] = {"version": k.version, "provisioned_with": k.provision(a.users)}
            self.servers["kamailio"] = k
        if "tandem" in a.servers:
            t = Tandem(self.work, a.server_cpus, a.workers, a.tandemd, a.tandemctl)
            try:
                t.check()
                R["servers"]["tandem"] = {"version": t.version, "auth_algorithms_key": t.auth_key}
                R["servers"]["tandem"]["provisioned_with"] = t.provision(a.users)
                self.servers["tandem"] = t
            except Unavailable as e:
                tandem_status = f"not available: {e}"
                R["servers"]["tandem"] = dict(R["servers"].get("tandem", {}), status=tandem_status)
                t = None
        log(f"provisioned {a.users} users")

        kres = tres = None
        if k:
            kres = self.measure_server(k, None)
            if kres.get("status") != "measured":
                raise BenchError(f"the Kamailio yardstick failed: {kres.get('status')}")
        fixed = kres["latency_rate"] if kres else None
        if t:
            tres = self.measure_server(t, fixed)
            if tres.get("status") != "measured":
                tandem_status = tres["status"]
            elif kres and tres["max_rate"] // 2 < fixed:
                low = max(self.RATE_STEP, (tres["max_rate"] // 2 // self.RATE_STEP) * self.RATE_STEP)
                R["notes"].append(f"fixed rate lowered to {low}/s (half of Tandem's max)")
                kres["cpu_run"] = self.cpu_only(k, low)
                tres["cpu_run"] = tres["latency_run"]
                fixed = low
        for name, res in (("kamailio", kres), ("tandem", tres)):
            if res:
                res["fixed_rate"] = fixed
                R["servers"][name]["udp"] = res
        if tandem_status and "tandem" in a.servers:
            R["servers"]["tandem"]["status"] = tandem_status

        if a.users > 0 and not a.no_memory:
            for name, res in (("kamailio", kres), ("tandem", tres)):
                server = self.servers.get(name)
                if not server or not res or res.get("status") != "measured":
                    if name in a.servers:
                        R["memory"][name] = {"status": tandem_status or "not measured"}
                    continue
                # half the server's clean common rate: a long run must not
                # meet a disk stall it cannot absorb (the search steps are short)
                rate = a.memory_rate or max(self.RATE_STEP, res["latency_rate"] // 2)
                if self.left() < a.users / rate + a.memory_settle + 60:
                    R["memory"][name] = {"status": "skipped: time budget"}
                    continue
                R["memory"][name] = self.memory(server, rate)
        R["max_other_load_cpus"] = self.max_other_load
        R["max_io_pressure_pct"] = self.max_io_pressure
        if self.max_other_load > 0.15:
            R["notes"].append(f"other processes kept up to {self.max_other_load} CPUs busy during the runs: "
                              f"the machine was not quiet, rerun for figures worth keeping")
        R["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        return R

    def cleanup(self):
        for s in self.servers.values():
            s.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


# ---------------------------------------------------------------- report

def table(results, args):
    servers, memory = results["servers"], results["memory"]
    notes = pb.Notes()
    cell = notes.cell

    kr = servers.get("kamailio", {}).get("udp") or servers.get("kamailio")
    tr = servers.get("tandem", {}).get("udp") or servers.get("tandem")
    fixed = pick(kr, "fixed_rate") or pick(tr, "fixed_rate")
    rows, summary = [], {}
    line = {}
    for key, path in (("cpu", ("cpu_run", "cpu_s_per_10k")), ("max", ("max_rate",)),
                      ("p50", ("latency_run", "p50_ms")), ("p99", ("latency_run", "p99_ms"))):
        line[key] = (pick(kr, *path), pick(tr, *path))
    for name, res in (("Kamailio", kr), ("Tandem", tr)):
        if pick(res, "cpu_run") and not pick(res, "cpu_run", "clean"):
            notes.append(f"{name}: the fixed-rate run had failures: {why_not_clean(res['cpu_run'])}")
        lim = pick(res, "max_rate_limited_by") or ""
        if lim:
            notes.append(f"{name} max rate: at the first failing rate, {lim}")
    rc, rm = ratio(*reversed(line["cpu"])), ratio(*reversed(line["max"]))
    rate_txt = f" @ {fixed:,}/s" if fixed else ""
    rows.append((f"CPU s per 10k registrations{rate_txt}", cell("Kamailio", kr, line["cpu"][0], ".3f", " s"),
                 cell("Tandem", tr, line["cpu"][1], ".3f", " s"), rc, "<= 0.67", None if rc is None else rc <= 2 / 3))
    rows.append(("max rate, 0 failures", cell("Kamailio", kr, line["max"][0], ",", "/s"),
                 cell("Tandem", tr, line["max"][1], ",", "/s"), rm, "", None))
    kl, tl = pick(kr, "latency_rate"), pick(tr, "latency_rate")
    for q in ("p50", "p99"):
        rows.append((f"{q} at max/2" + (f" (at {kl or '-'} / {tl or '-'}/s)" if q == "p50" else ""),
                     cell("Kamailio", kr, line[q][0], ".3f", " ms"), cell("Tandem", tr, line[q][1], ".3f", " ms"),
                     ratio(*reversed(line[q])), "", None))
    summary = {"fixed_rate": fixed, "cpu_ratio": rc, "max_rate_ratio": rm,
               "p50_ratio": ratio(*reversed(line["p50"])), "p99_ratio": ratio(*reversed(line["p99"])),
               "cpu_target_met": None if rc is None else rc <= 2 / 3}
    km, tm = memory.get("kamailio"), memory.get("tandem")
    if km or tm:
        n = (km or tm or {}).get("users", args.users)
        for key, label in (("rss_bytes_per_user", "RSS sum"), ("pss_bytes_per_user", "PSS sum"),
                           ("shm_bytes_per_user", "+ Kamailio shm pool")):
            kv, tv = pick(km, key), pick(tm, key)
            if key.startswith("shm"):
                if kv is None:
                    continue
                rows.append((f"memory per user ({n:,}), {label}", f"{kv:.0f} B", "-", None, "", None))
                continue
            rows.append((f"memory per user ({n:,}), {label}", cell("Kamailio memory", km, kv, ".0f", " B"),
                         cell("Tandem memory", tm, tv, ".0f", " B"), ratio(tv, kv), "", None))
            summary.setdefault("memory", {})[label.split()[0].lower() + "_ratio"] = ratio(tv, kv)
        kv = pick(km, "rss_bytes_per_user")
        ks = pick(km, "shm_bytes_per_user")
        tv = pick(tm, "rss_bytes_per_user")
        if kv is not None and ks is not None:
            # Kamailio's shm pool is preallocated (-m): its pages show in RSS only
            # once touched, so RSS and shm overlap; the larger is the fair figure.
            summary.setdefault("memory", {})["rss_vs_kamailio_max_rss_shm_ratio"] = ratio(tv, max(kv, ks))

    return pb.format_table(rows, notes), summary


def main():
    ap = pb.common_arguments(__doc__, "register_bench.json", start_rate=100, max_rate_cap=20000, budget=2400.0,
                             quick_help="short runs and 2,000 users, for trying the harness out")
    ap.add_argument("--users", type=int, default=100000, help="users provisioned, and registered for the memory figure")
    ap.add_argument("--memory-rate", type=int, default=0,
                    help="registrations/s for the memory figure (default: each server's max/4)")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory figure")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds before the memory reading before registering")
    ap.add_argument("--memory-settle", type=float, default=70.0,
                    help="seconds after the last registration before the memory reading (past Timer J)")
    args = ap.parse_args()
    if args.quick:
        args.fixed, args.step, args.max_steps, args.memory_settle = 5.0, 2.0, 5, 10.0
        args.users = min(args.users, 2000)
    pb.finish_arguments(args)

    bench = Bench(args)
    settings = {
        "server_cpus": args.server_cpus or "any", "sipp_cpus": args.sipp_cpus or "any", "workers": args.workers,
        "users": args.users, "fixed_run_s": args.fixed, "step_s": args.step, "start_rate": args.start_rate,
        "memory_rate": args.memory_rate or "each server's max/4", "memory_settle_s": args.memory_settle,
        "sipp_fine_clock": bool(bench.shim),
        "domain": DOMAIN, "durability": "SQLite WAL, synchronous=FULL, 200 after the commit (both)",
    }

    def report(results):
        text, summary = table(results, args)
        results["ratios"] = summary
        print(text)
        for name in ("kamailio", "tandem"):
            w = results["servers"].get(name, {}).get("udp", {}).get("workers")
            if w:
                print(f"  {w}")
        for n in results["notes"]:
            print(f"  note: {n}")
        print(f"  other load: up to {results.get('max_other_load_cpus')} CPUs during the runs, "
              f"{results['machine']['idle_check_busy_cpus']} before; I/O pressure up to "
              f"{results.get('max_io_pressure_pct')} % of a run's time ({results.get('elapsed_s')} s)")

    placement = (f"server on CPU {settings['server_cpus']}, SIPp on CPU {settings['sipp_cpus']}, "
                 f"{args.workers} worker(s) each, {args.users:,} users")
    return pb.run_main(bench, args, "register bench", settings, report, placement)


if __name__ == "__main__":
    sys.exit(main())
