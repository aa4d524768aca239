#!/usr/bin/env python3
"""Benchmark: requests/s of sslbind beside h2load (HTTP/2) and curl
(HTTP/1.1 keep-alive) against the same local nginx, in the same run, as
ratios. Loopback only; bounded counts. Not a test: figures vary with the
machine, so nothing here asserts a speed.

  bench/run [--n-h2 N] [--n-h1 N] [--rounds R]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from localnginx import LocalNginx

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))




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
    srv = LocalNginx(BUILD)
    d, h2, h1 = srv.d, srv.h2, srv.h1
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
        srv.stop()
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
