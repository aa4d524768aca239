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
sys.path.insert(0, str(ROOT / "bindings" / "python"))
os.environ.setdefault("SSLBIND_LIBRARY", str(BUILD / "libsslbind.so.0"))
sys.path.insert(0, str(ROOT / "bench" / ".peers"))

import sslbind  # noqa: E402


def sh(*a):
    return subprocess.run([str(x) for x in a], check=True, capture_output=True, text=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(d):
    ks = BUILD / "sslb-keystore"
    sh(ks, "generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--password", PW)
    sh(ks, "generate", d / "server.p12", "--alias", "server", "--sign-with", f"{d}/ca.p12:ca",
       "--password", PW)
    sh(ks, "export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sh(ks, "convert", d / "server.p12", d / "server.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    (d / "htdocs").mkdir()
    (d / "htdocs" / "hello.txt").write_text("x" * 100)
    h2, h1 = free_port(), free_port()
    user = "user root root;" if os.geteuid() == 0 else ""
    (d / "nginx.conf").write_text(f"""{user}
worker_processes 1;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections 4096; }}
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
    return h2, h1


def rate(n, fn):
    t = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq", type=int, default=2000, help="sequential GETs")
    ap.add_argument("--conc", type=int, default=10000, help="concurrent GETs")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    try:
        import httpx
        import pycurl
        import requests
    except ImportError as e:
        sys.exit(f"{e}: run bench/run-python, which installs the peers into bench/.peers")
    d = Path(tempfile.mkdtemp(prefix="sslb-pybench-"))
    h2, h1 = start_nginx(d)
    ca = str(d / "ca.pem")
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
            add(case, "curl --parallel", rate(a.conc, lambda: sh(
                "curl", "-s", "--http2", "--parallel", "--parallel-max", "100", "--cacert", ca,
                "-K", cfg)))
    finally:
        os.kill(int((d / "nginx.pid").read_text()), signal.SIGTERM)
        time.sleep(0.2)
        shutil.rmtree(d, ignore_errors=True)
    print(f"# loopback, nginx 1 worker, {a.rounds} rounds, median requests/s; "
          "ratio = sslbind / peer")
    print(f"{'case':44} {'client':16} {'req/s':>9} {'ratio':>7}")
    for case, by in rows.items():
        ours = statistics.median(by["sslbind"])
        for who, values in by.items():
            v = statistics.median(values)
            ratio = "" if who == "sslbind" else f"{ours / v:7.2f}"
            print(f"{case:44} {who:16} {v:9.0f} {ratio:>7}")


if __name__ == "__main__":
    main()
