"""Fixtures for the Python binding's tests: the library from the build tree,
keystores made by keytool and sslb-keystore, and sslb-testserver processes on
127.0.0.1. Nothing leaves this machine.

The library is $SSLBIND_LIBRARY when set, else $SSLB_BUILD_DIR/libsslbind.so.0,
else <repo>/build/libsslbind.so.0; bindings/python is put on sys.path so the
tests run without installing the package."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", REPO / "build"))
os.environ.setdefault("SSLBIND_LIBRARY", str(BUILD / "libsslbind.so.0"))
sys.path.insert(0, str(HERE.parent))

SERVER = BUILD / "sslb-testserver"
TOOL = BUILD / "sslb-keystore"
PW = "foobar"


def run(*args, check=True):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"{args[0]} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def keytool(*args):
    return run("keytool", *args)


def sk(*args):
    return run(TOOL, *args)


def make_jks(path, san, org):
    """keytool -genkeypair, as the Ktor page's keystore.jks (alias sampleAlias)."""
    keytool("-genkeypair", "-keystore", path, "-storetype", "JKS", "-storepass", PW,
            "-keypass", PW, "-alias", "sampleAlias", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", f"CN=localhost, O={org}", "-ext", f"SAN={san}", "-validity", "30")


class ServerProcess:
    """sslb-testserver as a child process: prints "listening ADDR PORT"."""

    def __init__(self, log_path, *args):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.p = subprocess.Popen([str(SERVER), "--quiet", *map(str, args)],
                                  stdout=subprocess.PIPE, stderr=self.log)
        line = self.p.stdout.readline().decode()
        m = re.match(r"listening (\S+) (\d+)$", line.strip())
        if not m:
            self.p.kill()
            self.p.wait()
            self.log.close()
            raise AssertionError(f"sslb-testserver did not start: {line!r}\n"
                                 f"{Path(log_path).read_text(errors='replace')}")
        self.port = int(m.group(2))

    def url(self, path="/", host="localhost"):
        return f"https://{host}:{self.port}{path}"

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        rc = self.p.wait(timeout=60)
        self.p.stdout.close()
        self.log.close()
        assert rc == 0, Path(self.log_path).read_text(errors="replace")


@pytest.fixture(scope="session", autouse=True)
def built():
    for f in (Path(os.environ["SSLBIND_LIBRARY"]), SERVER, TOOL):
        assert f.exists(), f"{f} missing: build first (scripts/build build)"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """keystore.jks (localhost + 127.0.0.1), localhost-only.jks, stranger.jks
    (another self-signed localhost), a CA with a server and a client identity
    it signed, and another CA nobody trusts."""
    d = tmp_path_factory.mktemp("pki")
    make_jks(d / "keystore.jks", "dns:localhost,ip:127.0.0.1", "Ktor page")
    make_jks(d / "localhost-only.jks", "dns:localhost", "named only")
    make_jks(d / "stranger.jks", "dns:localhost,ip:127.0.0.1", "stranger")
    sk("generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--subject", "CN=Py CA",
       "--password", PW)
    sk("export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sk("generate", d / "client.p12", "--alias", "client", "--type", "client",
       "--subject", "CN=sslbind client", "--sign-with", f"{d / 'ca.p12'}:ca", "--password", PW)
    sk("generate", d / "other-ca.p12", "--alias", "ca", "--type", "ca",
       "--subject", "CN=Other CA", "--password", PW)
    sk("generate", d / "unknown-ca.jks", "--format", "jks", "--alias", "server",
       "--sign-with", f"{d / 'other-ca.p12'}:ca", "--password", PW)
    return d


@pytest.fixture(scope="session")
def servers(pki, tmp_path_factory):
    """main: keystore.jks, h2 + http/1.1, optional client certificates from
    the CA; named: localhost-only.jks; mtls: requires a client certificate;
    unknown: a chain from a CA nobody trusts; h1: no h2 offered."""
    d = tmp_path_factory.mktemp("servers")
    s = {
        "main": ServerProcess(d / "main.log", "--keystore", pki / "keystore.jks",
                              "--password", PW, "--client-ca", pki / "ca.pem"),
        "named": ServerProcess(d / "named.log", "--keystore", pki / "localhost-only.jks",
                               "--password", PW),
        "mtls": ServerProcess(d / "mtls.log", "--keystore", pki / "keystore.jks",
                              "--password", PW, "--client-ca", pki / "ca.pem",
                              "--require-client-cert"),
        "unknown": ServerProcess(d / "unknown.log", "--keystore", pki / "unknown-ca.jks",
                                 "--password", PW),
        "h1": ServerProcess(d / "h1.log", "--keystore", pki / "keystore.jks", "--password", PW,
                            "--alpn", "http/1.1"),
    }
    yield s
    for srv in s.values():
        srv.stop()


@pytest.fixture(scope="session")
def settings(pki):
    import sslbind
    s = sslbind.SslSettings(pki / "keystore.jks", PW)
    yield s
    s.close()


@pytest.fixture
def fresh_server(pki, tmp_path):
    """A server of its own, for tests that count its connections."""
    srv = ServerProcess(tmp_path / "fresh.log", "--keystore", pki / "keystore.jks",
                        "--password", PW)
    yield srv
    srv.stop()
