#!/usr/bin/env python3
"""Memory of idle HTTP/2 connections, for bench/all.py: one client of the
Python binding makes one GET to each of the given ports of 127.0.0.1
(distinct origins, so each gets its own connection, which then stays idle)
and prints the process's RSS before and after as JSON.

  mem_idle.py CA PORT0 PORT1 ...   (PORT0 and PORT1 warm up, not counted)"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
os.environ.setdefault("SSLBIND_LIBRARY", str(ROOT / "build" / "libsslbind.so.0"))
import sslbind  # noqa: E402


def rss_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    ca, ports = sys.argv[1], sys.argv[2:]
    warm, counted = ports[:2], ports[2:]
    tm = sslbind.TrustManager.builder().replace_defaults().add_file(ca).build()
    ctx = sslbind.SSLContext(trust_manager=tm)
    urls = [f"https://localhost:{p}/hello.txt" for p in counted]
    with sslbind.HttpClient(ssl_context=ctx, http="h2", idle_timeout=600) as c:
        for p in warm:
            c.get(f"https://localhost:{p}/hello.txt")
        before = rss_kib()
        for u in urls:
            if c.get(u).status != 200:
                sys.exit(f"{u}: not 200")
        after = rss_kib()
    print(json.dumps({"before_kib": before, "after_kib": after, "connections": len(urls)}))


if __name__ == "__main__":
    main()
