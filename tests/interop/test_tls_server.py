"""A keystore from sslbind's builder serves TLS from a real server
(nghttpd, loopback only) and gnutls-cli and curl verify it against the CA
that sslbind exported."""
import subprocess
import time

import pytest

from conftest import free_port, need, run, sk

PW = "foobar"


@pytest.fixture
def server(tmp_path):
    need("nghttpd")
    d = tmp_path
    sk("generate", d / "ca.p12", "--alias", "ca", "--type", "ca", "--subject", "CN=Demo CA",
       "--password", PW)
    # Server defaults: localhost, 127.0.0.1 and ::1
    sk("generate", d / "server.jks", "--format", "jks", "--alias", "server",
       "--sign-with", f"{d / 'ca.p12'}:ca", "--password", PW)
    sk("export", d / "ca.p12", "ca", d / "ca.pem", "--password", PW)
    sk("convert", d / "server.jks", d / "server.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    (d / "htdocs").mkdir()
    (d / "htdocs" / "index.html").write_text("hello from nghttpd\n")
    port = free_port()
    procs = []
    for addr in ("127.0.0.1", "::1"):
        procs.append(subprocess.Popen(
            ["nghttpd", f"--address={addr}", "-d", str(d / "htdocs"), str(port),
             str(d / "server.pem"), str(d / "server.pem")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    deadline = time.time() + 10
    while time.time() < deadline:
        if run("bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}", check=False).returncode == 0:
            break
        time.sleep(0.1)
    yield d, port
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_gnutls_cli_verifies(server, host):
    d, port = server
    connect = "localhost" if host == "localhost" else host
    p = run("gnutls-cli", f"--x509cafile={d / 'ca.pem'}", f"--port={port}",
            f"--verify-hostname={host}", connect, input="", check=False)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "The certificate is trusted" in out


def test_gnutls_cli_rejects_other_ca(server, tmp_path):
    d, port = server
    sk("generate", tmp_path / "other.p12", "--alias", "o", "--type", "ca", "--password", PW)
    sk("export", tmp_path / "other.p12", "o", tmp_path / "other.pem", "--password", PW)
    p = run("gnutls-cli", f"--x509cafile={tmp_path / 'other.pem'}", f"--port={port}",
            "localhost", input="", check=False)
    assert p.returncode != 0
    assert "issuer is unknown" in (p.stdout + p.stderr)


@pytest.mark.parametrize("url_host", ["localhost", "127.0.0.1", "[::1]"])
def test_curl_verifies_over_http2(server, url_host):
    d, port = server
    p = run("curl", "-sS", "--http2", "--cacert", d / "ca.pem", "-o", "-", "-w",
            "|%{http_version}", f"https://{url_host}:{port}/index.html", check=False)
    assert p.returncode == 0, p.stderr
    body, version = p.stdout.rsplit("|", 1)
    assert body == "hello from nghttpd\n" and version == "2"
