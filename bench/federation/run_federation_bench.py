#!/usr/bin/env python3
"""Federation bench: a MESSAGE across two partitions, Tandem against Kamailio, one run.

Partitioned example.com, as in test/integration/federation_test.cc, over TCP:
  partition A (127.0.0.1:5060) homes alice, partition B (127.0.0.2:5060) bob;
  each routes *@example.com to the other over TCP and trusts it (Tandem:
  [[authorized_hosts]] with treat_as_authenticated; Kamailio: permissions).
SIPp plays alice (UAC, 127.0.0.11, an authorized host of A, so A does not
challenge her) and bob's client (UAS, 127.0.0.10:5070, registered on B with
its address as Contact by a one-shot SIPp on 127.0.0.13, with digest on
Tandem). Every MESSAGE goes client -> A -> B -> client and its 200 back; A
knows nothing of the UAS, so every MESSAGE the UAS answers went through B.

  Tandem: two tandemd, `[server] workers = 1` each, pools applied with
    tandemctl (route, authorized hosts, the user; throttling lifted);
  Kamailio (the yardstick, Debian's 5.6): two kamailio with
    bench/kamailio/federation.cfg (tm t_relay, record_route, maxfwd, sanity,
    permissions, registrar + usrloc in memory), children = tcp_children = 1.
Both servers of a pair are pinned to the server CPU (1), SIPp to the other (0).

Figures (docs/performance.md explains them), the proxy bench's method:
  (a) CPU time of both servers (utime + stime from /proc, every process)
      per 10,000 MESSAGEs at one fixed rate both pairs sustain with zero
      failures (half of the Kamailio pair's maximum, or half of Tandem's if
      lower), A + B and each;
  (b) the highest rate with zero failures (ramp x2 then bisect, short steps);
  (c) p50 / p99 response time at the fixed rate end to end, and the same
      with A alone relaying straight to the UAS (its route pointed at the UAS:
      client -> A -> client) in the same run: the difference is what the
      extra hop costs.

Shared machinery (SIPp runs, /proc readers, the max-rate search, the main()
plumbing) comes from bench/proxy/run_proxy_bench.py.

    python3 bench/federation/run_federation_bench.py [--quick] [--servers kamailio,tandem] [--json FILE]
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bench" / "proxy"))
import run_proxy_bench as pb  # noqa: E402
from run_proxy_bench import (BenchError, Unavailable, cpu_seconds, ensure_free, group_pids, kill_group,  # noqa: E402
                             log, pick, raise_nofile, ratio, thread_count, wait_listening, why_not_clean)

A_ADDR, B_ADDR = "127.0.0.1", "127.0.0.2"
PORT = pb.SERVER_PORT  # both partitions; the SIPp UAC sends to A_ADDR:PORT
TRANSPORT = "tcp"
DOMAIN = "example.com"
REG_ADDR, REG_PORT = "127.0.0.13", 5090  # the SIPp that registers bob on B
BOB_CONTACT = f"sip:bob@{pb.UAS_ADDR}:{pb.UAS_PORT};transport={TRANSPORT}"
PASSWORDS = {"alice": "alice-bench-secret", "bob": "bob-bench-secret"}
MODES = ("federation", "single")  # client -> A -> B -> client; client -> A -> client


# ---------------------------------------------------------------- one server

class TandemNode:
    """One tandemd: partition A or B."""

    def __init__(self, work, role, addr, cpus, workers, tandemd, tandemctl):
        self.role = role
        self.addr = addr
        self.dir = (work / f"tandem-{role}").resolve()
        self.dir.mkdir()
        self.cpus = cpus
        self.workers = workers
        self.tandemd = Path(tandemd).absolute()
        self.tandemctl = Path(tandemctl).absolute()
        self.server_file = self.dir / "server.toml"
        self.proc = None
        self.version = None

    def _ctl(self, *args):
        r = subprocess.run([str(self.tandemctl), "--config", str(self.server_file), *args], capture_output=True,
                           text=True, timeout=60)
        return r.returncode, (r.stderr.strip() or r.stdout.strip())

    def check(self):
        for b in (self.tandemd, self.tandemctl):
            if not (b.is_file() and os.access(b, os.X_OK)):
                raise Unavailable(f"{b} is not built")
        try:
            self.version = subprocess.run([str(self.tandemd), "--version"], capture_output=True, text=True,
                                          timeout=10).stdout.strip() or "tandemd"
        except (OSError, subprocess.TimeoutExpired) as e:
            raise Unavailable(f"tandemd --version: {e}")
        self.server_file.write_text(
            "# written by bench/federation/run_federation_bench.py\n"
            "[server]\n"
            f'fqdn = "{self.role.lower()}.{DOMAIN}"\n'
            'store = "sqlite:tandem.db"\n'
            'admin = ""\n'
            f"workers = {self.workers}\n"
            "\n[[connections]]\n"
            f'address = "{self.addr}"\ntransport = "{TRANSPORT}"\nport = {PORT}\n'
            # SIPp 3.6 answers a digest challenge with MD5 only (bob's REGISTER)
            '\n[auth]\nalgorithms = ["MD5"]\n'
            "\n[limits]\ntcp_max_connections = 20000\ntcp_idle_timeout = 3600\n"
            '\n[log]\nlevel = "error"\n')
        self._ctl("domain", "list")  # creates the store: tandemd refuses a missing one
        r = subprocess.run([str(self.tandemd), "--config", str(self.server_file), "--check"], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise Unavailable(f"tandemd --check rejects the bench server file: {(r.stdout + r.stderr).strip()[:200]}")

    def configure(self, user, next_hop, next_port, hosts):
        """The pool (tandemctl pool apply: the file is the whole pool): example.com,
        `user` homed here, the static route *@example.com -> next_hop over TCP,
        `hosts` authorized (treat_as_authenticated, throttle_as_server), the
        per-source limits lifted (one SIPp address stands for every client;
        Kamailio's configuration has no throttling either)."""
        pool = self.dir / "pool.toml"
        text = ("# written by bench/federation/run_federation_bench.py\n"
                f'domains = ["{DOMAIN}"]\n\n'
                "[[routes]]\n"
                f'user = "*"\ndomain = "{DOMAIN}"\nnext_hop = "{next_hop}"\ntransport = "{TRANSPORT}"\n'
                f"port = {next_port}\nphone_uri = false\nreplace_host = false\n")
        for host in hosts:
            text += (f'\n[[authorized_hosts]]\nhost = "{host}"\noutbound_only = false\n'
                     "throttle_as_server = true\ntreat_as_authenticated = true\n")
        text += f'\n[[users]]\nuri = "sip:{user}@{DOMAIN}"\npassword = "{PASSWORDS[user]}"\n'
        text += ("\n[throttling]\nclient_rate = 1000000\nclient_burst = 1000000\nclient_transactions = 1000000\n"
                 "server_rate = 1000000\nserver_burst = 1000000\nserver_transactions = 1000000\n")
        pool.write_text(text)
        rc, msg = self._ctl("pool", "apply", str(pool))
        if rc != 0:
            raise Unavailable(f"tandemctl pool apply on {self.role}: {msg[-300:]}")

    def start(self):
        ensure_free(self.addr, PORT, [TRANSPORT], f"tandemd {self.role}")
        self.log = self.dir / "tandemd.log"
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            str(self.tandemd), "--config", str(self.server_file)]
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(self.addr, PORT, [TRANSPORT], self.proc):
            tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            self.stop()
            raise Unavailable(f"tandemd {self.role} did not start: {tail[0][:200]}")

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        return f"{self.role}: [server] workers = {self.workers}, {thread_count(self.pids())} threads"

    def stop(self):
        kill_group(self.proc)
        self.proc = None


class KamailioNode:
    """One kamailio with bench/kamailio/federation.cfg: partition A or B."""

    def __init__(self, work, role, addr, cpus, workers, shm_mb=256):
        self.role = role
        self.addr = addr
        self.work = (work / f"kamailio-{role}").resolve()
        self.work.mkdir()
        self.cpus = cpus
        self.workers = workers
        self.shm_mb = shm_mb
        self.binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        self.cfg = ROOT / "bench" / "kamailio" / "federation.cfg"
        self.proc = None
        self.version = None
        self.runs = 0

    def check(self):
        try:
            out = subprocess.run([self.binary, "-v"], capture_output=True, text=True, timeout=10).stdout
            m = re.search(r"version: kamailio (\S+)", out)
            self.version = m.group(1) if m else out.splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            raise BenchError(f"kamailio not found ({self.binary})")

    def configure(self, user, next_hop, next_port, hosts):
        """What configure() is for Tandem, as defines for the next start (the
        user needs none: it is whoever registers here)."""
        self.next_uri = f"sip:{next_hop}:{next_port};transport={TRANSPORT}"
        self.peer_addr = B_ADDR if self.addr == A_ADDR else A_ADDR
        self.hosts = list(hosts)

    def start(self):
        ensure_free(self.addr, PORT, [TRANSPORT], f"kamailio {self.role}")
        self.runs += 1
        run = self.work / f"run-{self.runs:02d}"
        run.mkdir()
        address_file = run / "authorized_hosts"
        address_file.write_text("".join(f"1 {h} 32 0\n" for h in self.hosts))
        cmd = (["taskset", "-c", self.cpus] if self.cpus else []) + [
            self.binary, "-f", str(self.cfg), "-DD", "-E", "-P", str(run / "kamailio.pid"), "-Y", str(run),
            "-m", str(self.shm_mb), "-M", "8", "-l", f"{TRANSPORT}:{self.addr}:{PORT}",
            "-A", f'PEER_URI="{self.next_uri}"', "-A", f'PEER_ADDR="{self.peer_addr}"',
            "-A", f'ADDRESS_FILE="{address_file}"', "-A", f"WORKERS={self.workers}"]
        self.log = run / "kamailio.log"
        self.proc = subprocess.Popen(cmd, cwd=run, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=raise_nofile)
        if not wait_listening(self.addr, PORT, [TRANSPORT], self.proc):
            tail = self.log.read_text(errors="replace")[-400:]
            self.stop()
            raise BenchError(f"kamailio {self.role} did not start: {tail}")
        time.sleep(0.3)  # children fork after the sockets are bound

    def pids(self):
        return group_pids(self.proc.pid) if self.proc else []

    def describe(self):
        return f"{self.role}: children = tcp_children = {self.workers}, {len(self.pids())} processes"

    def stop(self):
        kill_group(self.proc)
        self.proc = None


# ---------------------------------------------------------------- a deployment

class Deployment:
    """What pb.Bench measures as "a server": partition A alone (single: its
    route points at the UAS) or A and B (federation: A's route points at B,
    bob registered on B). The UAC sends to A; CPU is summed over both."""

    def __init__(self, kind, label, mode, a, b, sipp_register):
        self.kind, self.label, self.mode = kind, label, mode
        self.name = f"{kind}/{mode}"
        self.addr = A_ADDR
        self.a, self.b = a, b
        self.nodes = [a, b] if mode == "federation" else [a]
        self.sipp_register = sipp_register
        self.version = a.version

    def start(self, transport):
        assert transport == TRANSPORT
        try:
            if self.mode == "federation":
                self.a.configure("alice", B_ADDR, PORT, [pb.UAC_ADDR, B_ADDR])
                self.b.configure("bob", A_ADDR, PORT, [A_ADDR])
                self.b.start()
                self.a.start()
                self.sipp_register(self.b)
            else:
                self.a.configure("alice", pb.UAS_ADDR, pb.UAS_PORT, [pb.UAC_ADDR, B_ADDR])
                self.a.start()
        except BaseException:
            self.stop()
            raise

    def pids(self):
        return [p for n in self.nodes for p in n.pids()]

    def describe(self):
        return f"{self.label} {self.version}, " + "; ".join(n.describe() for n in self.nodes)

    def stop(self):
        for n in reversed(self.nodes):
            n.stop()


# ---------------------------------------------------------------- the bench

class Bench(pb.Bench):
    WORK_PREFIX = "tandem-federation-bench-"

    def __init__(self, args):
        super().__init__(args)
        self.sipp.uac_xml = HERE / "message_uac.xml"
        self.registrations = 0

    def register_bob(self, node):
        """One SIPp call from REG_ADDR: REGISTER bob on B with the UAS as
        Contact (digest when challenged); a failure stops the measurement."""
        self.registrations += 1
        d = self.work / f"register-{self.registrations:02d}"
        d.mkdir()
        (d / "bob.csv").write_text(f"SEQUENTIAL\nbob;{pb.UAS_ADDR}:{pb.UAS_PORT};{TRANSPORT}\n")
        cmd = self.sipp.prefix() + [
            "sipp", f"{node.addr}:{PORT}", "-sf", str(HERE / "register_uac.xml"), "-inf", "bob.csv",
            "-au", "bob", "-ap", PASSWORDS["bob"], "-auth_uri", DOMAIN, "-i", REG_ADDR, "-p", str(REG_PORT),
            "-t", "t1" if TRANSPORT == "tcp" else "u1", "-bind_local", "-m", "1", "-timeout", "15s",
            "-timeout_error", "-nostdin", "-trace_err"]
        r = subprocess.run(cmd, cwd=d, capture_output=True, text=True, timeout=30, env=self.sipp.env())
        if r.returncode != 0:
            errors = "".join(f.read_text(errors="replace") for f in d.glob("*_errors.log"))
            m = re.search(r"^(SIP/2\.0 \d{3}[^\r\n]*)", errors, re.M)
            raise Unavailable(f"registering bob on {node.role} failed (SIPp exit {r.returncode}"
                              + (f", {m.group(1).strip()}" if m else "") + f"; see {d})")

    def measured_run(self, server, transport, rate, seconds):
        """pb.Bench.measured_run, with the CPU time of each partition too."""
        n0 = [cpu_seconds(n.pids()) for n in server.nodes]
        run = super().measured_run(server, transport, rate, seconds)
        n1 = [cpu_seconds(n.pids()) for n in server.nodes]
        run["node_cpu_s"] = {n.role: round(c1 - c0, 3) for n, c0, c1 in zip(server.nodes, n0, n1)}
        run["node_cpu_s_per_10k"] = {n.role: round((c1 - c0) / run["successful"] * 10000, 4) if run["successful"]
                                     else None for n, c0, c1 in zip(server.nodes, n0, n1)}
        return run

    def run(self):
        a = self.args
        for tool in ("sipp", "taskset"):
            if not shutil.which(tool):
                raise BenchError(f"{tool} not installed (make setup installs it)")
        R = self.results
        R["servers"] = {}
        setups = {}  # kind -> {mode: Deployment}
        if "kamailio" in a.servers:
            ka = KamailioNode(self.work, "A", A_ADDR, a.server_cpus, a.workers)
            kb = KamailioNode(self.work, "B", B_ADDR, a.server_cpus, a.workers)
            ka.check()
            kb.check()
            setups["kamailio"] = {m: Deployment("kamailio", "Kamailio", m, ka, kb, self.register_bob) for m in MODES}
            R["servers"]["kamailio"] = {"version": ka.version}
        tandem_status = None
        if "tandem" in a.servers:
            ta = TandemNode(self.work, "A", A_ADDR, a.server_cpus, a.workers, a.tandemd, a.tandemctl)
            tb = TandemNode(self.work, "B", B_ADDR, a.server_cpus, a.workers, a.tandemd, a.tandemctl)
            try:
                ta.check()
                tb.check()
                setups["tandem"] = {m: Deployment("tandem", "Tandem", m, ta, tb, self.register_bob) for m in MODES}
                R["servers"]["tandem"] = {"version": ta.version}
            except Unavailable as e:
                tandem_status = f"not available: {e}"
                R["servers"]["tandem"] = {"status": tandem_status}
        self.servers = {d.name: d for by_mode in setups.values() for d in by_mode.values()}

        # the federation: max rate, latency at half of it, CPU at the common rate
        kres = tres = None
        fixed = None
        if "kamailio" in setups:
            kfed = setups["kamailio"]["federation"]
            kres = self.measure_server(kfed, TRANSPORT, None)
            if kres.get("status") != "measured":
                raise BenchError(f"the Kamailio yardstick failed: {kres.get('status')}")
            fixed = kres["latency_rate"]
        if "tandem" in setups:
            tres = self.measure_server(setups["tandem"]["federation"], TRANSPORT, fixed)
            if tres.get("status") != "measured":
                tandem_status = tres.get("status")
            elif fixed is None:
                fixed = tres["latency_rate"]
            elif tres["max_rate"] // 2 < fixed and self.left() > 2 * a.fixed + 40:
                # Tandem's max below twice the common rate: both at the lower rate
                low = max(self.RATE_STEP, (tres["max_rate"] // 2 // self.RATE_STEP) * self.RATE_STEP)
                R["notes"].append(f"fixed rate lowered to {low}/s (half of Tandem's max)")
                try:
                    kres["cpu_run"] = self.cpu_only(kfed, TRANSPORT, low)
                except Unavailable as e:
                    raise BenchError(f"the Kamailio yardstick failed: {e}") from e
                tres["cpu_run"] = tres["latency_run"]
                fixed = low
        for kind, res in (("kamailio", kres), ("tandem", tres)):
            if res is not None:
                res["fixed_rate"] = fixed
                R["servers"][kind]["federation"] = res

        # the baseline of the extra hop: A alone, straight to the UAS, at the common rate
        for kind, fed in (("kamailio", kres), ("tandem", tres)):
            if kind not in setups:
                continue
            single = {"transport": TRANSPORT, "fixed_rate": fixed}
            if not fed or fed.get("status") != "measured" or not fixed:
                single["status"] = f"not run: the federation was not measured ({(fed or {}).get('status')})"
            elif self.left() < a.fixed + 40:
                single["status"] = "skipped: time budget"
            else:
                try:
                    run = self.cpu_only(setups[kind]["single"], TRANSPORT, fixed)
                    single.update(status="measured", cpu_run=run, latency_run=run)
                    log(f"{kind}/single fixed {fixed}/s for {a.fixed:g}s: cpu {run['server_cpu_s']} s, "
                        f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, "
                        + ("clean" if run["clean"] else why_not_clean(run) + f" {run.get('relay_check', '')}"))
                except Unavailable as e:
                    single["status"] = f"not available: {e}"
            R["servers"][kind]["single"] = single
        if tandem_status and "tandem" in a.servers:
            R["servers"]["tandem"]["status"] = tandem_status

        R["max_other_load_cpus"] = self.max_other_load
        if self.max_other_load > 0.15:
            R["notes"].append(f"other processes kept up to {self.max_other_load} CPUs busy during the runs: "
                              f"the machine was not quiet, rerun for figures worth keeping")
        R["elapsed_s"] = round(time.monotonic() - self.t0, 1)
        return R


# ---------------------------------------------------------------- report

def table(results, args):
    """The side-by-side table (text) and the ratios (dict)."""
    servers = results["servers"]
    notes = pb.Notes()
    cell = notes.cell
    kf = servers.get("kamailio", {}).get("federation")
    tf = servers.get("tandem", {}).get("federation")
    ks = servers.get("kamailio", {}).get("single")
    ts = servers.get("tandem", {}).get("single")
    fixed = pick(kf, "fixed_rate") or pick(tf, "fixed_rate")
    at = f" @ {fixed:,}/s" if fixed else ""
    rows, summary = [], {"fixed_rate": fixed}

    def row(label, key, kv, tv, kres, tres, spec, unit, target="", test=None, prefix=("", ""), compare=True):
        # no ratio of differences of mixed sign, nor of figures taken at different rates (compare=False)
        r = ratio(tv, kv) if compare and (kv or 0) > 0 and (tv or 0) > 0 else None
        rows.append((label, prefix[0] + cell("Kamailio", kres, kv, spec, unit),
                     prefix[1] + cell("Tandem", tres, tv, spec, unit), r, target,
                     None if r is None or test is None else test(r)))
        if key:
            summary[key] = r
        return r

    bound = {}  # "a floor" when SIPp, not the servers, ran out of CPU at the first failing rate
    for name, res in (("Kamailio", kf), ("Tandem", tf), ("Kamailio single", ks), ("Tandem single", ts)):
        for run_key in ("cpu_run", "latency_run"):
            if pick(res, run_key) and not pick(res, run_key, "clean"):
                notes.append(f"{name}: the run at {pick(res, run_key, 'rate')}/s had failures: "
                             f"{why_not_clean(res[run_key])} {res[run_key].get('relay_check', '')}".rstrip())
        lim = pick(res, "max_rate_limited_by") or ""
        if lim:
            bound[name] = lim.startswith("SIPp")
            notes.append(f"{name} max rate: at the first failing rate, {lim}"
                         + (" (not the servers: the max is higher)" if bound[name] else ""))

    rc = row(f"federation CPU s per 10k MESSAGEs{at}, A + B", "cpu_ratio",
             pick(kf, "cpu_run", "cpu_s_per_10k"), pick(tf, "cpu_run", "cpu_s_per_10k"), kf, tf, ".3f", " s",
             "<= 0.67", lambda r: r <= 2 / 3)
    summary["cpu_target_met"] = None if rc is None else rc <= 2 / 3
    for role in ("A", "B"):
        row(f"  of which partition {role}", f"cpu_ratio_{role}", pick(kf, "cpu_run", "node_cpu_s_per_10k", role),
            pick(tf, "cpu_run", "node_cpu_s_per_10k", role), kf, tf, ".3f", " s")
    row("federation max rate, 0 failures (A + B on one CPU)", "max_rate_ratio", pick(kf, "max_rate"),
        pick(tf, "max_rate"), kf, tf, ",", "/s",
        prefix=tuple(">= " if bound.get(n) else "" for n in ("Kamailio", "Tandem")))
    for q in ("p50", "p99"):
        row(f"federation {q}{at}, client -> A -> B -> client", f"{q}_ratio", pick(kf, "cpu_run", f"{q}_ms"),
            pick(tf, "cpu_run", f"{q}_ms"), kf, tf, ".3f", " ms")
    row(f"single server CPU s per 10k{at}, A alone", "single_cpu_ratio", pick(ks, "cpu_run", "cpu_s_per_10k"),
        pick(ts, "cpu_run", "cpu_s_per_10k"), ks, ts, ".3f", " s")
    for q in ("p50", "p99"):
        row(f"single server {q}{at}, client -> A -> client", f"single_{q}_ratio",
            pick(ks, "cpu_run", f"{q}_ms"), pick(ts, "cpu_run", f"{q}_ms"), ks, ts, ".3f", " ms")
    for q in ("p50", "p99"):
        k_extra = t_extra = None
        if pick(kf, "cpu_run", f"{q}_ms") is not None and pick(ks, "cpu_run", f"{q}_ms") is not None:
            k_extra = kf["cpu_run"][f"{q}_ms"] - ks["cpu_run"][f"{q}_ms"]
        if pick(tf, "cpu_run", f"{q}_ms") is not None and pick(ts, "cpu_run", f"{q}_ms") is not None:
            t_extra = tf["cpu_run"][f"{q}_ms"] - ts["cpu_run"][f"{q}_ms"]
        row(f"extra hop, {q} federation - {q} single", f"extra_hop_{q}_ratio", k_extra, t_extra,
            ks if k_extra is None else kf, ts if t_extra is None else tf, "+.3f", " ms")
        summary[f"extra_hop_{q}_ms"] = {"kamailio": k_extra, "tandem": t_extra}
    kl, tl = pick(kf, "latency_rate"), pick(tf, "latency_rate")
    row(f"federation CPU s per 10k at max/2 (at {kl or '-'} / {tl or '-'}/s)", None,
        pick(kf, "latency_run", "cpu_s_per_10k"), pick(tf, "latency_run", "cpu_s_per_10k"), kf, tf, ".3f", " s",
        compare=False)
    for q in ("p50", "p99"):
        row(f"federation {q} at max/2", None, pick(kf, "latency_run", f"{q}_ms"), pick(tf, "latency_run", f"{q}_ms"),
            kf, tf, ".3f", " ms")
    return pb.format_table(rows, notes), summary


def main():
    ap = pb.common_arguments(__doc__, "federation_bench.json", start_rate=1000, max_rate_cap=64000, budget=720.0,
                             quick_help="short runs, for trying the harness out (about 2 minutes)")
    args = ap.parse_args()
    if args.quick:
        args.fixed, args.step, args.max_steps = 5.0, 2.0, 4
    pb.finish_arguments(args)

    bench = Bench(args)
    settings = {
        "server_cpus": args.server_cpus or "any", "sipp_cpus": args.sipp_cpus or "any", "workers": args.workers,
        "fixed_run_s": args.fixed, "step_s": args.step, "start_rate": args.start_rate, "transport": TRANSPORT,
        "sipp_fine_clock": bool(bench.shim),
        "addresses": {"A": f"{A_ADDR}:{PORT}", "B": f"{B_ADDR}:{PORT}", "uas (bob)": f"{pb.UAS_ADDR}:{pb.UAS_PORT}",
                      "uac (alice)": f"{pb.UAC_ADDR}:{pb.UAC_PORT}", "registering client": f"{REG_ADDR}:{REG_PORT}"},
        "bob_contact": BOB_CONTACT,
    }

    def report(results):
        text, summary = table(results, args)
        results["ratios"] = summary
        print(text)
        for kind in ("kamailio", "tandem"):
            w = results["servers"].get(kind, {}).get("federation", {}).get("workers")
            if w:
                print(f"  {w}")
        for note in results["notes"]:
            print(f"  note: {note}")
        print(f"  other load: up to {results.get('max_other_load_cpus')} CPUs during the runs, "
              f"{results['machine']['idle_check_busy_cpus']} before ({results.get('elapsed_s')} s)")

    placement = (f"A and B both on CPU {settings['server_cpus']}, SIPp on CPU {settings['sipp_cpus']}, "
                 f"{args.workers} worker(s) per server, {TRANSPORT.upper()}")
    return pb.run_main(bench, args, "federation bench", settings, report, placement)


if __name__ == "__main__":
    sys.exit(main())
