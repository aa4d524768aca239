#!/usr/bin/env python3
"""Benchmark: requests/s of sslbind beside h2load (HTTP/2) and curl
(HTTP/1.1 keep-alive) against the same local nginx, in the same run, as
ratios. Loopback only; bounded counts. Not a test: figures vary with the
machine, so nothing here asserts a speed.

  bench/run [--n-h2 N] [--n-h1 N] [--rounds R]
"""
import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))
PW = "foobar"


def sh(*a, **kw):
    return subprocess.run([str(x) for x in a], check=True, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(*cmd):
    t = time.perf_counter()
    p = subprocess.run([str(x) for x in cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {p.stderr[-500:]}")
    return dt, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-h2", type=int, default=20000)
    ap.add_argument("--n-h1", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    for tool in ("nginx", "h2load", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (scripts/bootstrap installs it)")
    d = Path(tempfile.mkdtemp(prefix="sslb-bench-"))
    ks = BUILD / "sslb-keystore"
    sh(ks, "generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--password", PW)
    sh(ks, "generate", d / "server.p12", "--alias", "server", "--sign-with", f"{d}/ca.p12:ca",
       "--password", PW)
    sh(ks, "export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sh(ks, "convert", d / "server.p12", d / "server.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    (d / "htdocs").mkdir()
    (d / "htdocs" / "hello.txt").write_text("hello\n")
    h2, h1 = free_port(), free_port()
    user = "user root root;" if os.geteuid() == 0 else ""
    (d / "nginx.conf").write_text(f"""{user}
worker_processes 1;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  http2_max_concurrent_streams 128;
  server {{
    listen 127.0.0.1:{h2} ssl http2;
    listen 127.0.0.1:{h1} ssl;
    ssl_certificate {d}/server.pem;
    ssl_certificate_key {d}/server.pem;
    root {d}/htdocs;
  }}
}}
""")
    sh("nginx", "-c", d / "nginx.conf", "-p", d)
    time.sleep(0.3)
    get = BUILD / "sslb-get"
    url2 = f"https://localhost:{h2}/hello.txt"
    url1 = f"https://localhost:{h1}/hello.txt"
    (d / "curl.cfg").write_text("".join(f'url = "{url1}"\noutput = "/dev/null"\n'
                                        for _ in range(a.n_h1)))
    rows = {"h2": {"sslbind": [], "h2load": []}, "h1": {"sslbind": [], "curl": []}}
    try:
        for _ in range(a.rounds):
            dt, _ = timed(get, url2, "--cacert", d / "ca.pem", "-n", a.n_h2, "--async",
                          "--expect-length", 6)
            rows["h2"]["sslbind"].append(a.n_h2 / dt)
            dt, out = timed("h2load", "-n", a.n_h2, "-c", 1, "-m", 128, url2)
            rows["h2"]["h2load"].append(a.n_h2 / dt)
            dt, _ = timed(get, url1, "--cacert", d / "ca.pem", "--http1.1", "-n", a.n_h1, "-c", 1)
            rows["h1"]["sslbind"].append(a.n_h1 / dt)
            dt, _ = timed("curl", "--http1.1", "-s", "--cacert", d / "ca.pem", "-K", d / "curl.cfg")
            rows["h1"]["curl"].append(a.n_h1 / dt)
    finally:
        os.kill(int((d / "nginx.pid").read_text()), signal.SIGTERM)
        time.sleep(0.2)
        shutil.rmtree(d, ignore_errors=True)
    print(f"# loopback, nginx 1 worker, {a.rounds} rounds, median requests/s "
          "(whole process: start, TLS handshake, all requests)")
    print(f"{'case':44} {'sslbind':>10} {'peer':>10} {'ratio':>7}")
    for case, peer, label in (("h2", "h2load", f"HTTP/2, {a.n_h2} GETs, 1 connection"),
                              ("h1", "curl", f"HTTP/1.1 keep-alive, {a.n_h1} GETs, sequential")):
        s = statistics.median(rows[case]["sslbind"])
        p = statistics.median(rows[case][peer])
        print(f"{label + ' vs ' + peer:44} {s:10.0f} {p:10.0f} {s / p:7.2f}")


if __name__ == "__main__":
    main()
