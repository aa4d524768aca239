#!/usr/bin/env python3
"""Benchmark of the Node binding beside undici (request and fetch),
node:https with a keep-alive agent and node:http2, against the same local
nginx in the same run, printed as ratios. Loopback only; bounded counts.
Not a test: figures vary with the machine, so nothing here asserts a speed.

  bench/run-node [--seq N] [--conc N] [--rounds R]

Each measurement is its own node process (bench/node-client.js), clients
alternating within every round; the table shows medians. undici is
installed by bench/run-node into bench/.peers-node, never globally."""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from localnginx import LocalNginx, clean_env, print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))
CLIENT = ROOT / "bench" / "node-client.js"


def measure(who, mode, url, n, ca):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NODE_EXTRA_CA_CERTS", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
                        "http_proxy", "NO_PROXY", "no_proxy", "SSL_CERT_FILE")}
    p = subprocess.run(["node", str(CLIENT), who, mode, url, str(n), str(ca)],
                       capture_output=True, text=True, env=env, timeout=600)
    if p.returncode != 0:
        sys.exit(f"{who} {mode} failed:\n{p.stderr}")
    return json.loads(p.stdout)["rate"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq", type=int, default=2000, help="sequential GETs")
    ap.add_argument("--conc", type=int, default=10000, help="concurrent GETs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", help="also write the medians' inputs to this file")
    a = ap.parse_args()
    clean_env()
    srv = LocalNginx(BUILD, body="x" * 100, connections=4096)
    url2 = f"https://localhost:{srv.h2}/hello.txt"
    url1 = f"https://localhost:{srv.h1}/hello.txt"
    cases = [
        (f"sequential GETs, HTTP/1.1 keep-alive ({a.seq})", "seq", url1, a.seq,
         ["sslbind", "node-https", "undici-request", "undici-fetch"]),
        (f"concurrent GETs, HTTP/2 ({a.conc})", "conc", url2, a.conc,
         ["sslbind", "node-http2", "undici-request", "undici-fetch"]),
    ]
    rows = {}
    try:
        for _ in range(a.rounds):
            for case, mode, url, n, who in cases:
                for w in who:
                    rows.setdefault(case, {}).setdefault(w, []).append(
                        measure(w, mode, url, n, srv.ca))
    finally:
        srv.stop()
    print_table(rows, a.rounds)
    if a.json:
        write_json(a.json, rows, a.rounds, seq=a.seq, conc=a.conc)


if __name__ == "__main__":
    main()
