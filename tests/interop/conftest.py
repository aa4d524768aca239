"""Helpers for interop tests: run keytool and sslb-keystore, parse their
listings, find free loopback ports. Everything runs on this machine only."""
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("SSLB_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))
TOOL = BUILD / "sslb-keystore"
SANITIZER_REPORT = re.compile(rb"ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:")


class ListeningProcess:
    """A server command as a child process (sslb-testserver, `sslbind
    serve`): started, it has printed `listening ADDR PORT` (.addr, .port);
    its stderr goes to log_path. stop() sends a signal and returns the exit
    status; stop_clean() also requires status 0 and no sanitizer report."""

    def __init__(self, log_path, argv, cwd=None):
        self.log_path = Path(log_path)
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen([str(a) for a in argv], cwd=cwd,
                                  stdout=subprocess.PIPE, stderr=self.log)
        line = self.p.stdout.readline().decode()
        m = re.match(r"listening (\S+) (\d+)$", line.strip())
        if not m:
            self.p.kill()
            self.p.wait()
            self.log.close()
            raise AssertionError(f"{argv[0]} {list(map(str, argv[1:]))} did not start: "
                                 f"{line!r}\n{self.log_path.read_text(errors='replace')}")
        self.addr, self.port = m.group(1), int(m.group(2))

    def url(self, path="/", host="localhost"):
        return f"https://{host}:{self.port}{path}"

    def stop(self, sig=signal.SIGTERM):
        self.p.send_signal(sig)
        rc = self.p.wait(timeout=60)
        self.p.stdout.close()
        self.log.close()
        return rc

    def stop_clean(self):
        rc = ListeningProcess.stop(self)
        log = self.log_path.read_bytes()
        assert not SANITIZER_REPORT.search(log), log.decode(errors="replace")
        assert rc == 0, log.decode(errors="replace")


def run(*args, check=True, **kw):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def keytool(*args, check=True):
    return run("keytool", *args, check=check)


def sk(*args, check=True):
    return run(TOOL, *args, check=check)


def keytool_list(path, password):
    """Entries of `keytool -list -v`: {alias: (kind, [sha256 per chain cert])}."""
    out = keytool("-list", "-v", "-keystore", path, "-storepass", password).stdout
    entries, alias, kind, fps = {}, None, None, []
    for line in out.splitlines():
        if line.startswith("Alias name:"):
            alias, fps = line.split(":", 1)[1].strip(), []
        elif line.startswith("Entry type:"):
            kind = line.split(":", 1)[1].strip()
        elif line.strip().startswith("SHA256:"):
            fps.append(line.split("SHA256:", 1)[1].strip())
        elif line.startswith("*******") and alias is not None:
            entries[alias.lower()] = (kind, fps)
            alias = None
    return entries


def sslb_list(path, password=None, unlock=()):
    """Entries of `sslb-keystore list`: {alias: dict(kind, chain, locked, ...)}."""
    args = ["list", path]
    if password is not None:
        args += ["--password", password]
    for u in unlock:
        args += ["--unlock", u]
    out = sk(*args).stdout
    entries, fmt = {}, None
    for line in out.splitlines():
        f = line.split("\t")
        if f[0] == "store":
            fmt = f[1]
        elif f[0] == "entry":
            entries[f[1].lower()] = dict(kind=f[2], chain=[], locked=f[4] == "1", alg=f[6])
        elif f[0] == "cert":
            entries[f[1].lower()]["chain"].append(
                dict(sha256=f[3], pin=f[4], serial=f[5], subject=f[6], issuer=f[7], sans=f[8]))
    return fmt, entries


def sslb_error(*args):
    """Runs sslb-keystore expecting failure; returns the error code name."""
    p = sk(*args, check=False)
    assert p.returncode == 2, p.stdout + p.stderr
    m = re.match(r"error\t(\w+)\t(.*)", p.stderr)
    assert m, p.stderr
    return m.group(1), m.group(2)


def free_port():
    return free_ports(1)[0]


def free_ports(n):
    """n distinct ports free now (all held open until all are bound)."""
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


def need(cmd):
    if shutil.which(cmd) is None:
        pytest.fail(f"{cmd} is required (scripts/bootstrap installs it)")


@pytest.fixture(scope="session", autouse=True)
def tool_built():
    assert TOOL.exists(), f"{TOOL} missing: build first (scripts/build build)"


PW = "foobar"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A CA, a server keystore it signed (JKS, and as PEM), a client identity
    (PKCS#12) and a few documents; returns (dir, sha256 of big.bin)."""
    d = tmp_path_factory.mktemp("pki")
    sk("generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--subject", "CN=Interop CA",
       "--password", PW)
    sk("generate", d / "server.jks", "--format", "jks", "--alias", "server",
       "--sign-with", f"{d / 'ca.p12'}:ca", "--password", PW)
    sk("export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sk("convert", d / "server.jks", d / "server.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    sk("generate", d / "client.p12", "--alias", "client", "--type", "client",
       "--subject", "CN=sslbind client", "--sign-with", f"{d / 'ca.p12'}:ca", "--password", PW)
    docs = d / "htdocs"
    docs.mkdir()
    (docs / "index.html").write_text("hello\n")
    (docs / "text.txt").write_text("".join(f"line {i}: the quick brown fox\n"
                                           for i in range(20000)))
    big = os.urandom(3 * 1024 * 1024 + 17)
    (docs / "big.bin").write_bytes(big)
    return d, hashlib.sha256(big).hexdigest()
