"""examples/python/*.py, one per engine: each prints the same line as its C
counterpart (examples/c, built as build/engine-*) against the same server,
and fails the same way ("error CODE message" on stderr, exit 2)."""
import os
import subprocess
import sys

import pytest

from conftest import BUILD, PW, REPO

EXAMPLES = REPO / "examples" / "python"
ENGINES = {"apache": "2", "java": "2", "jetty": "2", "okhttp": "2", "native": "2",
           "cio": "1.1", "android": "1.1"}


def run(cmd):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))


def line(p):
    for ln in p.stdout.splitlines():
        if ln.startswith("engine\t"):
            f = ln.split("\t")
            return dict(zip(f[0::2], f[1::2]))
    raise AssertionError(p.stdout + p.stderr)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_example_matches_its_c_counterpart(servers, pki, name):
    url = servers["main"].url()
    py = run([sys.executable, EXAMPLES / f"{name}.py", url, pki / "keystore.jks", PW])
    assert py.returncode == 0, py.stderr
    r = line(py)
    assert r["status"] == "200" and r["verified"] == "yes" and r["version"] == ENGINES[name]
    assert "hello from sslb-testserver" in py.stdout
    c_prog = BUILD / f"engine-{name}"
    if c_prog.exists():
        c = run([c_prog, url, pki / "keystore.jks", PW])
        assert c.returncode == 0, c.stderr
        assert line(c) == r
        assert c.stdout == py.stdout


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_example_fails_like_c(servers, pki, name):
    url = servers["main"].url()
    py = run([sys.executable, EXAMPLES / f"{name}.py", url, pki / "stranger.jks", PW])
    assert py.returncode == 2
    assert "error\tCERT_SELF_SIGNED\t" in py.stderr, py.stderr
    bad = run([sys.executable, EXAMPLES / f"{name}.py", url, pki / "keystore.jks", "Xyzzy-42"])
    assert bad.returncode == 2 and "error\tBAD_PASSWORD\t" in bad.stderr
    assert "Xyzzy-42" not in bad.stderr


def test_example_extras(servers, pki):
    """The optional arguments mirror the C examples': CIO serverName, Jetty
    without identification, OkHttp pins."""
    named = servers["named"].url(host="127.0.0.1")
    only = pki / "localhost-only.jks"
    p = run([sys.executable, EXAMPLES / "cio.py", named, only, PW, "localhost"])
    assert p.returncode == 0 and line(p)["status"] == "200"
    p = run([sys.executable, EXAMPLES / "jetty.py", named, only, PW, "no-identification"])
    assert p.returncode == 0, p.stderr
    p = run([sys.executable, EXAMPLES / "okhttp.py", servers["main"].url(), pki / "keystore.jks",
             PW, "localhost", "sha256/" + "A" * 43 + "="])
    assert p.returncode == 2 and "error\tCERT_PIN_MISMATCH\t" in p.stderr
    p = run([sys.executable, EXAMPLES / "apache.py", named, only, PW, "client"])
    assert p.returncode == 2 and "checked by the client after the handshake" in p.stderr
    p = run([sys.executable, EXAMPLES / "cio.py", servers["mtls"].url("/client-cert"),
             pki / "keystore.jks", PW, "-", pki / "client.p12", "client"])
    assert p.returncode == 0 and "CN=sslbind client" in p.stdout, p.stderr
