#!/usr/bin/env python3
"""The benchmark: every workload of the performance targets, sslbind and
its peers alternating within each round, against the same local servers in
the same run, printed as medians, ratios and targets; also written as JSON
and drawn as a chart. Loopback only. Not a test: figures vary with the
machine, so nothing here asserts a speed; "met"/"not met" only compares the
medians of this run with the targets.

  bench/run [--quick] [--rounds R] [--only GROUPS] [--json FILE] [--chart FILE]
            [--n-h2 N] [--n-h1 N] [--body-mib N] [--py-seq N] [--py-conc N]
            [--node-seq N] [--node-conc N] [--idle-conns K] [--streams N]
            [--requests N]

GROUPS (comma-separated): c, body, handshake, python, node, memory.

Servers: h2o (one worker thread, a 100-byte file) for the C rows and the
handshakes; nginx (one worker, bench/localnginx.py) for the Python and Node
rows, as bench/python.py and bench/node.py run them; build/sslb-testserver
for the 1 GiB body and the in-flight streams. With two CPUs or more every
server runs on the first (taskset) and every client on the second."""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from localnginx import PW, clean_env, free_ports  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))
GET = BUILD / "sslb-get"
GROUPS = ("c", "body", "handshake", "python", "node", "memory")
GIB = 1 << 30


# ---------------------------------------------------------------- pinning

def pick_cpus():
    """(server CPU, client CPU) or (None, None) with fewer than two CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return None, None
    return str(cpus[0]), str(cpus[1])


SERVER_CPU, CLIENT_CPU = pick_cpus()


def spin(cpu):
    return ["taskset", "-c", cpu] if cpu else []


def client(cmd):
    return spin(CLIENT_CPU) + [str(x) for x in cmd]


# ---------------------------------------------------------------- running

class Failed(Exception):
    pass


def run_measured(cmd, stdout=subprocess.DEVNULL, stdin=None, timeout=1200, ok=(0,)):
    """Runs cmd (a client), returns (wall seconds, user+sys CPU seconds,
    stderr text). Exit status other than 0 raises Failed."""
    with tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=stdout, stderr=err, stdin=stdin)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        dt = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if p.returncode not in ok:
        raise Failed(f"{' '.join(map(str, cmd))[:200]}: exit {p.returncode}: {text[-400:]}")
    return dt, ru.ru_utime + ru.ru_stime, text


def wait_port(port, proc, what, secs=10):
    end = time.time() + secs
    while time.time() < end:
        if proc.poll() is not None:
            raise Failed(f"{what} exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise Failed(f"{what} did not listen on {port}")


def stop(proc):
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- servers

class Servers:
    """A certificate made with sslb-keystore (CA + localhost), then servers
    started on first use, all stopped by close()."""

    def __init__(self, idle_ports=0):
        self.d = d = Path(tempfile.mkdtemp(prefix="sslb-bench-"))
        ks = BUILD / "sslb-keystore"
        for args in (("generate", d / "ca.p12", "--alias", "ca", "--type", "ca"),
                     ("generate", d / "server.p12", "--alias", "server", "--sign-with",
                      f"{d}/ca.p12:ca"),
                     ("export", d / "ca.p12", "ca", d / "ca.pem"),
                     ("convert", d / "server.p12", d / "server.pem", "--format", "pem",
                      "--no-out-password")):
            subprocess.run([str(ks), *map(str, args), "--password", PW], check=True,
                           capture_output=True)
        self.ca = d / "ca.pem"
        self.pem = d / "server.pem"
        self.idle_ports = idle_ports
        self._h2o = self._ts = None
        self.procs = []

    def h2o(self):
        """(port, [idle ports]) of one h2o: one worker thread, 127.0.0.1
        only, /hello.txt of 100 bytes; extra ports for idle connections."""
        if self._h2o and self._h2o_proc.poll() is None:
            return self._h2o
        if self._h2o:  # it died since the last group: say why, start another
            log = self.d / "h2o-error.log"
            tail = log.read_text(errors="replace")[-300:] if log.exists() else ""
            print(f"# note: h2o exited ({self._h2o_proc.returncode}); restarted. {tail}",
                  file=sys.stderr)
        # free_ports() only finds ports free now: another process may take
        # one first, and h2o then exits; try again with fresh ports
        for attempt in range(3):
            try:
                port, extra = self._start_h2o()
                break
            except Failed:
                if attempt == 2:
                    raise
        self._h2o = (port, extra)
        self._h2o_proc = self.procs[-1]
        return self._h2o

    def _start_h2o(self):
        d = self.d
        (d / "www").mkdir(exist_ok=True)
        (d / "www" / "hello.txt").write_text("x" * 100)
        port, *extra = free_ports(1 + self.idle_ports)
        # one host per port: h2o takes one listen per host (each host
        # serves the same directory)
        hosts = "".join(f"""  "localhost:{p}":
    listen:
      host: 127.0.0.1
      port: {p}
      ssl:
        certificate-file: {self.pem}
        key-file: {self.pem}
    paths:
      "/":
        file.dir: {d}/www
""" for p in [port] + extra)
        user = "user: root\n" if os.geteuid() == 0 else ""
        (d / "h2o.conf").write_text(f"""{user}num-threads: 1
max-connections: 4096
pid-file: {d}/h2o.pid
error-log: {d}/h2o-error.log
http2-max-concurrent-requests-per-connection: 100
hosts:
{hosts}""")
        p = subprocess.Popen(spin(SERVER_CPU) + ["h2o", "-c", str(d / "h2o.conf")],
                             stdout=subprocess.DEVNULL, stderr=open(d / "h2o-error.log", "ab"))
        self.procs.append(p)
        try:
            wait_port(port, p, "h2o")
            for x in extra[-1:]:
                wait_port(x, p, "h2o")
        except Failed as e:
            stop(p)
            log = d / "h2o-error.log"
            tail = log.read_text(errors="replace")[-400:] if log.exists() else ""
            raise Failed(f"{e}: {tail}") from None
        return port, extra

    def testserver(self):
        """Port of build/sslb-testserver (the project's server), allowing
        10,000 concurrent streams per connection."""
        if self._ts:
            return self._ts
        p = subprocess.Popen(spin(SERVER_CPU) + [
            str(BUILD / "sslb-testserver"), "--cert", str(self.pem), "--key", str(self.pem),
            "--port", "0", "--quiet", "--max-streams", "10000"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        line = p.stdout.readline().split()
        if len(line) < 3 or line[0] != "listening":
            raise Failed(f"sslb-testserver: {line}")
        self._ts = int(line[2])
        return self._ts

    def close(self):
        for p in self.procs:
            stop(p)
        shutil.rmtree(self.d, ignore_errors=True)


# ---------------------------------------------------------------- results

class Results:
    """Rows of the table: each compares sslbind's median with one peer's."""

    def __init__(self):
        self.rows = []
        self.samples = {}   # (group, case, who) -> [values]
        self.notes = []

    def add(self, key, value):
        self.samples.setdefault(key, []).append(value)

    def med(self, key):
        v = self.samples.get(key)
        return statistics.median(v) if v else None

    def row(self, group, name, unit, ours, peer_name, peer, op=None, target=None,
            aim=None, higher=True, note=""):
        """op '>=' or '<=' against target (a ratio ours/peer); None: reported only."""
        ratio = ours / peer if ours is not None and peer else None
        if op is None or ratio is None:
            verdict = "reported" if ratio is not None or ours is not None else "missing"
        else:
            ok = ratio >= target if op == ">=" else ratio <= target
            verdict = "met" if ok else "not met"
        self.rows.append({"group": group, "row": name, "unit": unit, "sslbind": ours,
                          "peer": peer_name, "peer_value": peer, "ratio": ratio,
                          "target": f"{op} {target}" + (f" (aim {aim})" if aim else "")
                          if op else "—", "target_op": op, "target_ratio": target,
                          "higher_is_better": higher, "verdict": verdict, "note": note})


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.3f}G"
    if a >= 1e6:
        return f"{v / 1e6:.2f}M"
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def print_table(res, a):
    pin = (f"server on CPU {SERVER_CPU}, clients on CPU {CLIENT_CPU} (taskset)"
           if SERVER_CPU else "NOT pinned: fewer than 2 CPUs")
    print()
    print(f"# sslbind benchmark: loopback, {a.rounds} round(s), medians; {pin}")
    print("# ratio = sslbind / peer. req/s and MB/s are whole-process figures for the C "
          "rows (process start, TLS handshake, all requests; every client timed the same "
          "way); Python and Node rows time the requests after a warm-up inside the process.")
    print("# Ir = instructions of the whole client process (valgrind callgrind).")
    w = max(len(r["row"]) for r in res.rows) if res.rows else 20
    print(f"{'row':{w}} {'unit':8} {'sslbind':>9} {'peer':18} {'peer val':>9} "
          f"{'ratio':>7} {'target':17} verdict")
    for r in res.rows:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        print(f"{r['row']:{w}} {r['unit']:8} {fmt(r['sslbind']):>9} {r['peer']:18} "
              f"{fmt(r['peer_value']):>9} {ratio:>7} {r['target']:17} {r['verdict']}"
              + (f"  ({r['note']})" if r["note"] else ""))
    for n in res.notes:
        print(f"# note: {n}")


# ---------------------------------------------------------------- C rows

def c_rows(srv, res, a):
    port, _ = srv.h2o()
    url = f"https://localhost:{port}/hello.txt"
    ca = srv.ca
    cfg = srv.d / "curl-h2.cfg"
    cfg.write_text(f'url = "{url}"\noutput = "/dev/null"\n' * a.n_h2)
    cfg1 = srv.d / "curl-h1.cfg"
    cfg1.write_text(f'url = "{url}"\noutput = "/dev/null"\n' * a.n_h1)
    h2 = {
        "sslbind": [GET, url, "--cacert", ca, "--http2", "-n", a.n_h2, "--async",
                    "--expect-length", 100],
        "h2load": ["h2load", "-n", a.n_h2, "-c", 1, "-m", 100, url],
        "curl --parallel": ["curl", "-s", "--http2", "--parallel", "--parallel-max", 100,
                            "--cacert", ca, "-K", cfg],
    }
    h1 = {
        "sslbind": [GET, url, "--cacert", ca, "--http1.1", "-n", a.n_h1, "-c", 1],
        "h2load --h1": ["h2load", "--h1", "-n", a.n_h1, "-c", 1, "-m", 1, url],
        "curl": ["curl", "-s", "--http1.1", "--cacert", ca, "-K", cfg1],
    }
    for r in range(a.rounds):
        for case, n, clients in (("h2", a.n_h2, h2), ("h1", a.n_h1, h1)):
            order = list(clients.items())
            if r % 2:
                order.reverse()   # alternate who goes first
            for who, cmd in order:
                dt, _, _ = run_measured(client(cmd))
                res.add(("c", case, who), n / dt)
        print(f"  c: round {r + 1}/{a.rounds} done", file=sys.stderr)
    s = res.med(("c", "h2", "sslbind"))
    res.row("c", f"C h2, 1 conn, 100 streams ({a.n_h2})", "req/s", s, "h2load -m100",
            res.med(("c", "h2", "h2load")), ">=", 0.8, aim=1.0)
    res.row("c", f"C h2, 1 conn, 100 streams ({a.n_h2})", "req/s", s, "curl --parallel",
            res.med(("c", "h2", "curl --parallel")), ">=", 5)
    s = res.med(("c", "h1", "sslbind"))
    res.row("c", f"C h1 keep-alive sequential ({a.n_h1})", "req/s", s, "h2load --h1 -m1",
            res.med(("c", "h1", "h2load --h1")), ">=", 1.0)
    res.row("c", f"C h1 keep-alive sequential ({a.n_h1})", "req/s", s, "curl",
            res.med(("c", "h1", "curl")))


# ---------------------------------------------------------------- 1 GiB body

def aes_gcm_cost():
    """CPU seconds per GiB of AES-128-GCM on this machine, from
    gnutls-cli --benchmark-ciphers (stopped once its AEAD part is printed)."""
    if not shutil.which("gnutls-cli"):
        return None, None
    p = subprocess.Popen(client(["gnutls-cli", "--benchmark-ciphers"]), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    found = {}
    try:
        end = time.time() + 60
        for line in p.stdout:
            m = re.match(r"\s*(AES-(?:128|256)-GCM)\s+([\d.]+)\s+(GB|MB)/sec", line)
            if m:
                found[m.group(1)] = float(m.group(2)) * (1e9 if m.group(3) == "GB" else 1e6)
            if "CHACHA20" in line or "cipher-MAC" in line or time.time() > end:
                break
    finally:
        p.kill()
        p.wait()
    name = "AES-256-GCM" if "AES-256-GCM" in found else "AES-128-GCM"
    if name not in found:
        return None, None
    return name, GIB / found[name]


def body_rows(srv, res, a):
    port = srv.testserver()
    size = a.body_mib << 20
    url = f"https://localhost:{port}/bytes/{size}"
    clients = {
        "sslbind": [GET, url, "--cacert", srv.ca, "--stream", "--max-time", 600000],
        "curl": ["curl", "-s", "-o", "/dev/null", "--cacert", srv.ca, url],
    }
    cipher = None
    for r in range(a.rounds):
        order = list(clients.items())
        if r % 2:
            order.reverse()
        for who, cmd in order:
            dt, cpu, err = run_measured(client(cmd))
            res.add(("body", "mbps", who), size / dt / 1e6)
            res.add(("body", "cpu", who), cpu * GIB / size)
            m = re.search(r"^tls\t(\S+)\t(\S+)", err, re.M)
            if m:
                cipher = f"{m.group(1)} {m.group(2)}"
        print(f"  body: round {r + 1}/{a.rounds} done", file=sys.stderr)
    label = f"{a.body_mib} MiB body, TLS 1.3"
    res.row("body", label, "MB/s", res.med(("body", "mbps", "sslbind")), "curl",
            res.med(("body", "mbps", "curl")), ">=", 1.0, note=f"sslbind: {cipher}")
    res.row("body", label + ", CPU per GiB", "s/GiB", res.med(("body", "cpu", "sslbind")),
            "curl", res.med(("body", "cpu", "curl")), higher=False,
            note="client user+sys")
    name, cost = aes_gcm_cost()
    res.row("body", label + ", CPU per GiB", "s/GiB", res.med(("body", "cpu", "sslbind")),
            f"{name or 'AES-GCM'} alone", cost, higher=False,
            note="gnutls-cli --benchmark-ciphers")


# ---------------------------------------------------------------- handshakes

def callgrind_ir(cmd, d, tag, stdin_data=None, ok=(0,)):
    out = d / f"callgrind.{tag}.out"
    full = client(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd])
    if stdin_data is None:
        run_measured(full, timeout=300, ok=ok)
    else:
        # the request goes in, stdin stays open until the server closes
        p = subprocess.Popen(full, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        p.stdin.write(stdin_data)
        p.stdin.flush()
        try:
            p.wait(300)
        finally:
            p.stdin.close()
        if p.returncode != 0:
            raise Failed(f"{cmd[0]} under callgrind: exit {p.returncode}")
    for line in out.read_text(errors="replace").splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise Failed(f"no totals in {out}")


def handshake_rows(srv, res, a):
    if not shutil.which("valgrind"):
        res.notes.append("valgrind missing: no handshake rows")
        return
    port, _ = srv.h2o()
    url = f"https://localhost:{port}/hello.txt"
    ca = srv.ca
    d = srv.d
    rounds = 1 if a.quick else min(a.rounds, 2)  # instruction counts barely vary
    for _ in range(rounds):
        res.add(("hs", "sslbind"), callgrind_ir(
            [GET, url, "--cacert", ca, "--http1.1", "--repeat", 1, "--pause", 0], d, "s1"))
        res.add(("hs", "gnutls-cli"), callgrind_ir(
            ["gnutls-cli", "--x509cafile", ca, "-p", port, "localhost"], d, "g",
            stdin_data=b"GET /hello.txt HTTP/1.0\r\nHost: localhost\r\n\r\n"))
        res.add(("hs", "curl"), callgrind_ir(
            ["curl", "-s", "--http1.1", "-o", "/dev/null", "--cacert", ca, url], d, "curl"))
        res.add(("hs", "sslbind x2"), callgrind_ir(
            [GET, url, "--cacert", ca, "--http1.1", "--repeat", 2, "--pause", 0], d, "s2"))
        res.add(("hs", "sslbind none"), callgrind_ir(
            [GET, "https://localhost:1/", "--cacert", ca, "--http1.1", "--repeat", 1,
             "--pause", 0], d, "s0", ok=(2,)))
    # the second connection must have resumed
    out = subprocess.run(client([GET, url, "--cacert", ca, "--http1.1", "--repeat", 2,
                                 "--pause", 0]), capture_output=True, text=True).stdout
    resumed = re.search(r"^request\t1\t.*resumed\t1", out, re.M) is not None
    s = res.med(("hs", "sslbind"))
    res.row("handshake", "TLS 1.3 full handshake + 1 GET", "Ir", s, "gnutls-cli",
            res.med(("hs", "gnutls-cli")), "<=", 1.0, higher=False, note="whole process")
    res.row("handshake", "TLS 1.3 full handshake + 1 GET", "Ir", s, "curl",
            res.med(("hs", "curl")), higher=False, note="whole process")
    one, two, none = s, res.med(("hs", "sslbind x2")), res.med(("hs", "sslbind none"))
    full, again = one - none, two - one
    res.row("handshake", "resumed vs full handshake (+GET)", "Ir", again, "full handshake",
            full, "<=", 0.5, higher=False,
            note=("2nd connection resumed" if resumed else "2nd connection NOT resumed")
            + "; full = 1 request - refused connect, resumed = 2 requests - 1")


# ---------------------------------------------------------------- Python / Node

def sub_rows(script, args, a):
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = dict(os.environ)
    if SERVER_CPU:
        env["SSLB_BENCH_SERVER_CPU"] = SERVER_CPU
    cmd = client([sys.executable, BENCH / script, "--rounds", a.rounds, "--json", out, *args])
    p = subprocess.run(cmd, env=env, stdout=sys.stderr, timeout=3600)
    if p.returncode != 0:
        raise Failed(f"{script} failed")
    data = json.loads(out.read_text())
    out.unlink()
    return data["rows"]


def pick(rows, prefix, who):
    for case, by in rows.items():
        if case.startswith(prefix) and who in by:
            return statistics.median(by[who])
    return None


def python_rows(srv, res, a):
    rows = sub_rows("python.py", ["--seq", a.py_seq, "--conc", a.py_conc], a)
    conc = f"Py {a.py_conc} concurrent GETs"
    for ours, label in (("sslbind", "batch"), ("sslbind asyncio", "asyncio")):
        s = pick(rows, "concurrent", ours)
        res.row("python", f"{conc}, {label}", "req/s", s, "httpx async h2",
                pick(rows, "concurrent", "httpx"), ">=", 20)
        res.row("python", f"{conc}, {label}", "req/s", s, "curl --parallel",
                pick(rows, "concurrent", "curl --parallel"), ">=", 1.0)
    seq = f"Py {a.py_seq} sequential GETs (h1)"
    s = pick(rows, "sequential", "sslbind")
    res.row("python", seq, "req/s", s, "pycurl (1 handle)", pick(rows, "sequential", "pycurl"),
            ">=", 1.0)
    res.row("python", seq, "req/s", s, "requests Session",
            pick(rows, "sequential", "requests"))
    res.row("python", seq, "req/s", s, "httpx Client", pick(rows, "sequential", "httpx"))


def node_rows(srv, res, a):
    rows = sub_rows("node.py", ["--seq", a.node_seq, "--conc", a.node_conc], a)
    conc = f"Node {a.node_conc} concurrent GETs"
    s = pick(rows, "concurrent", "sslbind")
    res.row("node", conc, "req/s", s, "node:http2", pick(rows, "concurrent", "node-http2"),
            ">=", 2)
    res.row("node", conc, "req/s", s, "undici request",
            pick(rows, "concurrent", "undici-request"))
    seq = f"Node {a.node_seq} sequential GETs (h1)"
    s = pick(rows, "sequential", "sslbind")
    res.row("node", seq, "req/s", s, "node:https k-a", pick(rows, "sequential", "node-https"),
            ">=", 2)
    res.row("node", seq, "req/s", s, "undici request",
            pick(rows, "sequential", "undici-request"))


# ---------------------------------------------------------------- memory

def sample_rss(cmd, every=0.2):
    """Runs cmd, sampling its RSS; returns [(seconds, KiB)], stdout."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = []
    t0 = time.perf_counter()
    reader = threading.Thread(target=lambda: out.append(p.communicate()))
    reader.start()
    samples = []
    while p.poll() is None:
        k = rss_kib(p.pid)
        if k:
            samples.append((time.perf_counter() - t0, k))
        time.sleep(every)
    reader.join()
    if p.returncode != 0:
        raise Failed(f"{cmd[2:4]}: exit {p.returncode}: {out[0][1][-300:]}")
    return samples, out[0][0]


def memory_rows(srv, res, a):
    # idle HTTP/2 connections: one Python client to K h2o ports
    port, extra = srv.h2o()
    env = dict(os.environ, SSLBIND_LIBRARY=str(BUILD / "libsslbind.so.0"))
    p = subprocess.run(client([sys.executable, BENCH / "mem_idle.py", srv.ca, port,
                               *extra]), capture_output=True, text=True, env=env, timeout=600)
    if p.returncode == 0:
        m = json.loads(p.stdout)
        per = (m["after_kib"] - m["before_kib"]) / m["connections"]
        res.row("memory", f"RSS per idle h2 connection ({m['connections']})", "KiB", per,
                "", None, note=f"Python client, {m['connections']} origins; "
                f"RSS {m['before_kib']} -> {m['after_kib']} KiB")
    else:
        res.notes.append(f"idle-connection memory failed: {p.stderr[-300:]}")
    # in-flight streams: sslb-get --async, N requests held 3 s by the server
    ts = srv.testserver()
    url = f"https://localhost:{ts}/delay/3000"
    base, _ = sample_rss(client([GET, url, "--cacert", srv.ca, "--http2", "-n", 1, "--async"]))
    many, out = sample_rss(client([GET, url, "--cacert", srv.ca, "--http2", "-n", a.streams,
                                   "--async", "--max-time", 60000]))
    b, m = max(k for _, k in base), max(k for _, k in many)
    conns = re.search(r"connections\t(\d+)", out)
    res.row("memory", f"RSS per in-flight stream ({a.streams})", "bytes",
            (m - b) * 1024 / (a.streams - 1), "", None,
            note=f"sslb-get --async, RSS {b} -> {m} KiB, "
            f"{conns.group(1) if conns else '?'} connection(s), includes request objects")
    # a long run: RSS sampled while sslb-get makes N requests
    url = f"https://localhost:{port}/hello.txt"
    t = time.perf_counter()
    samples, _ = sample_rss(client([GET, url, "--cacert", srv.ca, "--http2", "-n", a.requests,
                                    "-c", 4]), every=0.5)
    dt = time.perf_counter() - t
    # the first half second is process start (taskset, loading, connecting)
    samples = [x for x in samples if x[0] >= 0.5] or samples[-1:]
    ks = [k for _, k in samples]
    half = len(ks) // 2
    growth = max(ks[half:]) - max(ks[:half]) if half else 0
    n = len(samples)
    if n > 2:
        mt = statistics.mean(s for s, _ in samples)
        mk = statistics.mean(ks)
        num = sum((s - mt) * (k - mk) for s, k in samples)
        den = sum((s - mt) ** 2 for s, _ in samples)
        slope = num / den if den else 0.0          # KiB per second
        per100k = slope * dt / a.requests * 100000  # KiB per 100,000 requests
    else:
        per100k = 0.0
    res.samples[("memory", "rss_series")] = samples
    r = {"group": "memory", "row": f"RSS over {a.requests} requests (h2, 4 threads)",
         "unit": "KiB", "sslbind": ks[-1] if ks else None, "peer": "RSS at 0.5 s",
         "peer_value": ks[0] if ks else None, "ratio": None, "target": "flat",
         "target_op": None, "target_ratio": None, "higher_is_better": False,
         "verdict": "met" if growth <= 1024 else "not met",
         "note": f"max {max(ks) if ks else '?'} KiB, 2nd-half max - 1st-half max "
                 f"{growth} KiB (flat: <= 1024), slope {per100k:.1f} KiB/100k req, "
                 f"{a.requests / dt:.0f} req/s"}
    res.rows.append(r)


# ---------------------------------------------------------------- machine

def version(cmd, pattern=None):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        text = (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if pattern:
        m = re.search(pattern, text)
        return m.group(1) if m else None
    return text.splitlines()[0] if text else None


def machine_info():
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model, "cpus": os.cpu_count(), "kernel": platform.release(),
        "pinning": {"server": SERVER_CPU, "client": CLIENT_CPU},
        "gnutls": version(["pkg-config", "--modversion", "gnutls"]),
        "nghttp2": version(["pkg-config", "--modversion", "libnghttp2"]),
        "curl": version(["curl", "--version"], r"curl (\S+)"),
        "h2o": version(["h2o", "--version"], r"h2o version (\S+)"),
        "nginx": version(["nginx", "-v"], r"nginx/(\S+)"),
        "h2load": version(["h2load", "--version"], r"nghttp2/(\S+)"),
        "gnutls-cli": version(["gnutls-cli", "--version"], r"gnutls-cli (\S+)"),
        "node": version(["node", "--version"]),
        "python": platform.python_version(),
        "valgrind": version(["valgrind", "--version"]),
    }


# ---------------------------------------------------------------- chart

def chart(res, path):
    sys.path.insert(0, str(BENCH / ".peers"))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib missing (bench/install-peers installs it): no chart"
    rows = [r for r in res.rows if r["ratio"] is not None and r["target_op"]]
    if not rows:
        return "no ratios to draw"
    labels = [f"{r['row']}\nvs {r['peer']}" for r in rows]
    # "lower is better" rows are drawn inverted, so right is always better
    vals = [r["ratio"] if r["target_op"] == ">=" else 1 / r["ratio"] for r in rows]
    goals = [r["target_ratio"] if r["target_op"] == ">=" else 1 / r["target_ratio"]
             for r in rows]
    colors = ["tab:green" if r["verdict"] == "met" else "tab:red" for r in rows]
    fig, ax = plt.subplots(figsize=(10, 0.55 * len(rows) + 1.5))
    y = list(range(len(rows)))[::-1]
    ax.barh(y, vals, color=colors)
    for yi, g in zip(y, goals):
        ax.plot([g, g], [yi - 0.4, yi + 0.4], color="black", linewidth=2)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("sslbind advantage over the peer (ratio; log scale; black bar = target)")
    ax.set_title("sslbind vs peers, loopback (green: target met)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return None


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 round and small counts (a few minutes)")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--only", help="comma-separated groups: " + ",".join(GROUPS))
    ap.add_argument("--json", default=str(BENCH / "results" / "latest.json"))
    ap.add_argument("--chart", default=str(BENCH / "results" / "latest.png"))
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("--n-h2", type=int, help="C HTTP/2 GETs (default 20000)")
    ap.add_argument("--n-h1", type=int, help="C HTTP/1.1 GETs (default 5000)")
    ap.add_argument("--body-mib", type=int, help="body size in MiB (default 1024)")
    ap.add_argument("--py-seq", type=int, help="default 2000")
    ap.add_argument("--py-conc", type=int, help="default 10000")
    ap.add_argument("--node-seq", type=int, help="default 2000")
    ap.add_argument("--node-conc", type=int, help="default 10000")
    ap.add_argument("--idle-conns", type=int, help="idle connections (default 200)")
    ap.add_argument("--streams", type=int, help="in-flight streams (default 10000)")
    ap.add_argument("--requests", type=int, help="long-run requests (default 1000000)")
    a = ap.parse_args()
    q = a.quick
    defaults = {"rounds": (1, 3), "n_h2": (5000, 20000), "n_h1": (1000, 5000),
                "body_mib": (256, 1024), "py_seq": (500, 2000), "py_conc": (10000, 10000),
                "node_seq": (500, 2000), "node_conc": (10000, 10000),
                "idle_conns": (50, 200), "streams": (10000, 10000),
                "requests": (100000, 1000000)}
    for k, (quick, full) in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, quick if q else full)
    groups = a.only.split(",") if a.only else list(GROUPS)
    for g in groups:
        if g not in GROUPS:
            sys.exit(f"--only: unknown group {g} ({','.join(GROUPS)})")
    needed = {"c": ["h2o", "h2load", "curl"], "body": ["curl"], "handshake": ["h2o", "curl"],
              "python": ["nginx", "curl"], "node": ["nginx", "node"], "memory": ["h2o"]}
    clean_env()
    res = Results()
    if not SERVER_CPU:
        res.notes.append("fewer than 2 CPUs: server and clients not pinned")
    srv = Servers(idle_ports=a.idle_conns if "memory" in groups else 0)
    started = time.time()
    try:
        for g in groups:
            missing = [t for t in needed[g] if not shutil.which(t)]
            if missing:
                res.notes.append(f"{g}: skipped, missing {', '.join(missing)} "
                                 "(scripts/bootstrap installs them)")
                continue
            print(f"== {g}", file=sys.stderr)
            try:
                {"c": c_rows, "body": body_rows, "handshake": handshake_rows,
                 "python": python_rows, "node": node_rows, "memory": memory_rows}[g](srv, res, a)
            except (Failed, subprocess.TimeoutExpired) as e:
                res.notes.append(f"{g}: failed: {e}")
    finally:
        srv.close()
    print_table(res, a)
    info = machine_info()
    print("# machine: " + ", ".join(f"{k} {v}" for k, v in info.items() if k != "pinning"))
    print(f"# took {time.time() - started:.0f} s")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps({
            "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": q, "rounds": a.rounds,
            "sizes": {k: getattr(a, k) for k in defaults}, "machine": info,
            "rows": res.rows, "notes": res.notes,
            "samples": {"/".join(map(str, k)): v for k, v in res.samples.items()}},
            indent=1))
        print(f"# JSON: {a.json}")
    if a.chart and not a.no_chart:
        Path(a.chart).parent.mkdir(parents=True, exist_ok=True)
        why = chart(res, a.chart)
        print(f"# chart: {why}" if why else f"# chart: {a.chart}")


if __name__ == "__main__":
    main()
