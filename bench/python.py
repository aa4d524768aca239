#!/usr/bin/env python3
"""Benchmark of the Python binding beside httpx (HTTP/2 and HTTP/1.1),
requests, pycurl and curl --parallel, against the same local nginx in the
same run, printed as ratios. Loopback only; bounded counts. Not a test:
figures vary with the machine, so nothing here asserts a speed.

  bench/run-python [--seq N] [--conc N] [--rounds R]

The peers are installed by bench/run-python into bench/.peers (pip
--target), never into the system."""
import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(ROOT / "bindings" / "python"))
os.environ.setdefault("SSLBIND_LIBRARY", str(BUILD / "libsslbind.so.0"))
sys.path.insert(0, str(ROOT / "bench" / ".peers"))

import sslbind  # noqa: E402
from localnginx import LocalNginx, clean_env, print_table, write_json  # noqa: E402


def rate(n, fn):
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq", type=int, default=2000, help="sequential GETs")
    ap.add_argument("--conc", type=int, default=10000, help="concurrent GETs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", help="also write the medians' inputs to this file")
    a = ap.parse_args()
    clean_env()
    try:
        import httpx
        import pycurl
        import requests
    except ImportError as e:
        sys.exit(f"{e}: run bench/run-python, which installs the peers into bench/.peers")
    srv = LocalNginx(BUILD, body="x" * 100, connections=4096)
    d, h2, h1, ca = srv.d, srv.h2, srv.h1, str(srv.ca)
    url2, url1 = f"https://localhost:{h2}/hello.txt", f"https://localhost:{h1}/hello.txt"
    tm = sslbind.TrustManager.builder().replace_defaults().add_file(ca).build()
    ctx = sslbind.SSLContext(trust_manager=tm)
    rows = {}

    def add(case, who, value):
        rows.setdefault(case, {}).setdefault(who, []).append(value)

    try:
        for _ in range(a.rounds):
            # sequential single GETs, keep-alive, HTTP/1.1
            case = f"sequential GETs, HTTP/1.1 keep-alive ({a.seq})"
            with sslbind.HttpClient(ssl_context=ctx, http="http/1.1") as c:
                add(case, "sslbind", rate(a.seq, lambda: [c.get(url1) for _ in range(a.seq)]))
            h = pycurl.Curl()
            h.setopt(pycurl.CAINFO, ca)
            h.setopt(pycurl.URL, url1)
            h.setopt(pycurl.WRITEFUNCTION, lambda b: None)
            add(case, "pycurl", rate(a.seq, lambda: [h.perform() for _ in range(a.seq)]))
            h.close()
            with requests.Session() as s:
                add(case, "requests", rate(a.seq, lambda: [s.get(url1, verify=ca)
                                                            for _ in range(a.seq)]))
            with httpx.Client(verify=ca) as c:
                add(case, "httpx", rate(a.seq, lambda: [c.get(url1) for _ in range(a.seq)]))
            # concurrent GETs over HTTP/2
            case = f"concurrent GETs, HTTP/2 ({a.conc})"
            with sslbind.HttpClient(ssl_context=ctx) as c:
                add(case, "sslbind", rate(a.conc, lambda: c.batch([("GET", url2)] * a.conc)))

            async def sslb_async():
                async with sslbind.AsyncHttpClient(ssl_context=ctx) as c:
                    await asyncio.gather(*(c.get(url2) for _ in range(a.conc)))
            add(case, "sslbind asyncio", rate(a.conc, lambda: asyncio.run(sslb_async())))

            async def httpx_async():
                limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
                async with httpx.AsyncClient(http2=True, verify=ca, limits=limits) as c:
                    await asyncio.gather(*(c.get(url2) for _ in range(a.conc)))
            add(case, "httpx", rate(a.conc, lambda: asyncio.run(httpx_async())))
            cfg = d / "curl.cfg"
            cfg.write_text("".join(f'url = "{url2}"\noutput = "/dev/null"\n'
                                   for _ in range(a.conc)))
            add(case, "curl --parallel", rate(a.conc, lambda: subprocess.run(
                ["curl", "-s", "--http2", "--parallel", "--parallel-max", "100", "--cacert", ca,
                 "-K", str(cfg)], check=True, capture_output=True)))
    finally:
        srv.stop()
    print_table(rows, a.rounds)
    if a.json:
        write_json(a.json, rows, a.rounds, seq=a.seq, conc=a.conc)


if __name__ == "__main__":
    main()
