"""What the benchmarks share: their server (one nginx worker on 127.0.0.1
with an sslbind-made certificate, HTTP/2 and HTTP/1.1 on two ports, serving
hello.txt) and the table of medians and ratios they print."""
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

PW = "foobar"

# Variables that would make a client trust another CA or go through a proxy:
# cleared for every client, so each one sees only the CA it is given.
CLEARED_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
               "NODE_EXTRA_CA_CERTS", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
               "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY")


def clean_env():
    """Removes CLEARED_ENV from this process's environment (so children and
    in-process clients inherit none of it) and returns the cleaned copy."""
    for k in CLEARED_ENV:
        os.environ.pop(k, None)
    return dict(os.environ)


def server_cpu_prefix():
    """["taskset", "-c", CPU] when SSLB_BENCH_SERVER_CPU names the server's
    core (bench/run sets it), else []."""
    cpu = os.environ.get("SSLB_BENCH_SERVER_CPU")
    return ["taskset", "-c", cpu] if cpu else []


def sh(*a):
    return subprocess.run([str(x) for x in a], check=True, capture_output=True, text=True)


def free_ports(n):
    """n distinct ports free now: every socket is held open until all are
    bound, so the kernel cannot hand out one port twice."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LocalNginx:
    """Starts at construction; .h2 and .h1 are ports, .ca the CA's PEM path.
    stop() ends it and removes its directory."""

    def __init__(self, build, body="hello\n", connections=1024):
        self.d = d = Path(tempfile.mkdtemp(prefix="sslb-bench-"))
        ks = Path(build) / "sslb-keystore"
        sh(ks, "generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--password", PW)
        sh(ks, "generate", d / "server.p12", "--alias", "server", "--sign-with",
           f"{d}/ca.p12:ca", "--password", PW)
        sh(ks, "export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
        sh(ks, "convert", d / "server.p12", d / "server.pem", "--format", "pem",
           "--password", PW, "--no-out-password")
        (d / "htdocs").mkdir()
        (d / "htdocs" / "hello.txt").write_text(body)
        self.ca = d / "ca.pem"
        self.h2, self.h1 = free_ports(2)
        user = "user root root;" if os.geteuid() == 0 else ""
        (d / "nginx.conf").write_text(f"""{user}
worker_processes 1;
error_log {d}/error.log;
pid {d}/nginx.pid;
events {{ worker_connections {connections}; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  http2_max_concurrent_streams 128;
  server {{
    listen 127.0.0.1:{self.h2} ssl http2;
    listen 127.0.0.1:{self.h1} ssl;
    ssl_certificate {d}/server.pem;
    ssl_certificate_key {d}/server.pem;
    root {d}/htdocs;
  }}
}}
""")
        sh(*server_cpu_prefix(), "nginx", "-c", d / "nginx.conf", "-p", d)
        time.sleep(0.3)

    def stop(self):
        try:
            os.kill(int((self.d / "nginx.pid").read_text()), signal.SIGTERM)
            time.sleep(0.2)
        finally:
            shutil.rmtree(self.d, ignore_errors=True)


def write_json(path, rows, rounds, **extra):
    """rows as print_table takes them, written as JSON (for bench/run)."""
    import json
    Path(path).write_text(json.dumps({"rounds": rounds, "rows": rows, **extra}, indent=1))


def print_table(rows, rounds):
    """rows: {case: {client: [requests/s per round]}}, sslbind's own rows
    first; prints medians and sslbind / peer ratios."""
    print(f"# loopback, nginx 1 worker, {rounds} rounds, median requests/s; "
          "ratio = sslbind / peer")
    print(f"{'case':44} {'client':16} {'req/s':>9} {'ratio':>7}")
    for case, by in rows.items():
        ours = statistics.median(by["sslbind"])
        for who, values in by.items():
            v = statistics.median(values)
            ratio = "" if who.startswith("sslbind") else f"{ours / v:7.2f}"
            print(f"{case:44} {who:16} {v:9.0f} {ratio:>7}")
