"""The sslbind command-line tool: get/post/head, verify, keystore and serve,
against servers it and sslb-testserver run on loopback. Trust comes from a
keytool-made keystore.jks (password foobar, Ktor's example) or from the
interop PKI; no name is ever resolved off this machine (--resolve and
--connect-to keep test names on 127.0.0.1)."""
import hashlib
import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BUILD, PW, ListeningProcess, keytool, keytool_list, need, run

CLI = BUILD / "sslbind"
ENGINES = ["native", "apache", "java", "jetty", "cio", "android", "okhttp"]
# Jetty's client speaks h2 only; CIO and Android http/1.1 only.
ENGINE_PROTO = {"jetty": "2", "cio": "1.1", "android": "1.1"}


def cli(*args, check=None, **kw):
    p = subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True,
                       timeout=120, **kw)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


class Serve(ListeningProcess):
    """`sslbind serve` (or sslb-testserver) as a child on 127.0.0.1; `serve`
    prints a url line after the listening one."""

    def __init__(self, log, *args, prog=None):
        cmd = [CLI, "serve"] if prog is None else [prog]
        super().__init__(log, cmd + ["--port", "0", *args])
        self.url_line = self.p.stdout.readline().decode().strip() if prog is None else ""


@pytest.fixture(scope="module")
def ktor(tmp_path_factory):
    """keystore.jks as the Ktor page makes it with keytool: one RSA key pair
    for localhost, password foobar, serving and trusted at once."""
    need("keytool")
    d = tmp_path_factory.mktemp("ktor")
    ks = d / "keystore.jks"
    keytool("-genkeypair", "-keystore", ks, "-storetype", "JKS", "-storepass", PW,
            "-keypass", PW, "-alias", "sampleAlias", "-keyalg", "RSA", "-keysize", "2048",
            "-validity", "30", "-dname", "CN=localhost",
            "-ext", "SAN=dns:localhost,ip:127.0.0.1")
    return ks


@pytest.fixture(scope="module")
def srv(ktor, tmp_path_factory):
    s = Serve(tmp_path_factory.mktemp("serve") / "serve.log", "--keystore", ktor,
              "--password", PW, "--quiet")
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def pki_srv(pki, tmp_path_factory):
    """sslb-testserver with the interop PKI's server.jks (CA-signed), mutual
    TLS requested (not required) against the interop CA."""
    d, _ = pki
    s = Serve(tmp_path_factory.mktemp("pkisrv") / "srv.log", "--keystore", d / "server.jks",
              "--password", PW, "--client-ca", d / "ca.pem", "--quiet",
              prog=BUILD / "sslb-testserver")
    yield s
    assert s.stop() == 0


def trust(ktor):
    return ["--keystore", ktor, "--password", PW]


# ---------------------------------------------------------------- help, usage

@pytest.mark.parametrize("args", [["get"], ["post"], ["head"], ["verify"], ["serve"],
                                  ["keystore"], ["keystore", "list"],
                                  ["keystore", "generate"], ["keystore", "convert"],
                                  ["keystore", "pin"]])
def test_help_of_every_subcommand(args):
    p = cli(*args, "--help", check=0)
    assert p.stdout.startswith("usage: sslbind"), p.stdout
    assert p.stderr == ""


def test_version_help_and_exit_code_table():
    p = cli("--version", check=0)
    assert re.match(r"sslbind \d+\.\d+\.\d+", p.stdout)
    table = cli("help", "exit-codes", check=0).stdout
    for code in range(11):
        assert re.search(rf"^  {code}\s", table, re.M), table
    full = cli("help", check=0).stdout
    for word in ("get|post|head", "verify HOST", "keystore COMMAND", "serve", "Exit status"):
        assert word in full
    assert cli("frobnicate").returncode == 2
    assert cli("help", "nonsense").returncode == 2


def test_man_page_covers_every_command():
    root = Path(__file__).resolve().parents[2]
    man = (root / "docs" / "sslbind.1").read_text().replace("\\-", "-")
    assert man.startswith(".TH SSLBIND 1") or ".TH SSLBIND 1" in man
    for word in ("get", "verify", "keystore", "serve", "EXIT STATUS", "--insecure",
                 "--connect-to", "--engine"):
        assert word in man, word


# ----------------------------------------------------------- get, post, head

def test_get_with_ktor_keystore_trust(srv, ktor):
    p = cli("get", srv.url(), *trust(ktor), check=0)
    assert p.stdout == "hello from sslb-testserver\n"
    assert p.stderr == ""


@pytest.mark.parametrize("proto", ["--http1.1", "--http2"])
def test_http_versions(srv, ktor, proto):
    p = cli("get", srv.url(), *trust(ktor), proto, "-i", check=0)
    want = "HTTP/1.1 200" if proto == "--http1.1" else "HTTP/2 200"
    # (text mode reads the CRLF line ends as \n)
    assert p.stdout.startswith(want + "\n"), p.stdout
    assert "content-length: 27\n" in p.stdout.lower()
    assert p.stdout.endswith("\n\nhello from sslb-testserver\n")
    raw = subprocess.run([str(CLI), "get", srv.url(), *map(str, trust(ktor)), proto, "-i"],
                         capture_output=True, timeout=60).stdout
    assert raw.startswith(want.encode() + b"\r\n") and b"\r\n\r\nhello" in raw


@pytest.mark.parametrize("engine", ENGINES)
def test_every_engine(srv, ktor, engine):
    p = cli("get", srv.url(), *trust(ktor), "--engine", engine, "-v", check=0)
    assert p.stdout == "hello from sslb-testserver\n"
    assert f"HTTP/{ENGINE_PROTO.get(engine, '2')}," in p.stderr, p.stderr
    # each engine verifies: the system store alone does not trust this server
    p = cli("get", srv.url(), "--engine", engine)
    assert p.returncode == 6, p.stderr
    assert p.stderr.startswith("sslbind: CERT_SELF_SIGNED: ") or \
        p.stderr.startswith("sslbind: CERT_UNKNOWN_ISSUER: "), p.stderr


def test_engine_pins(srv, ktor):
    pin = cli("keystore", "pin", ktor, "--password", PW, check=0).stdout.split()[0]
    for engine in ("okhttp", "native", "cio"):
        cli("get", srv.url(), *trust(ktor), "--engine", engine, "--pin", pin, check=0)
        p = cli("get", srv.url(), *trust(ktor), "--engine", engine,
                "--pin", "localhost=sha256/" + "A" * 43 + "=")
        assert p.returncode == 6 and "CERT_PIN_MISMATCH" in p.stderr, p.stderr


def test_cacert_and_pins(pki_srv, pki):
    d, _ = pki
    ca = d / "ca.pem"
    assert cli("get", pki_srv.url(), "--cacert", ca, check=0).stdout.startswith("hello")
    fmt = run(BUILD / "sslb-keystore", "list", d / "ca.p12", "--password", PW).stdout
    ca_pin = re.search(r"^cert\tca\t0\t\S+\t(\S+)", fmt, re.M).group(1)
    cli("get", pki_srv.url(), "--cacert", ca, "--pin", ca_pin, check=0)
    cli("get", pki_srv.url(), "--cacert", ca, "--pin", "localhost=" + ca_pin, check=0)
    # a pin for another host pattern does not apply here
    cli("get", pki_srv.url(), "--cacert", ca, "--pin",
        "other.test=sha256/" + "B" * 43 + "=", check=0)
    p = cli("get", pki_srv.url(), "--cacert", ca, "--pin", "sha256/" + "B" * 43 + "=")
    assert p.returncode == 6
    assert p.stderr.startswith("sslbind: CERT_PIN_MISMATCH: ")
    assert p.stdout == ""
    p = cli("get", pki_srv.url(), "--cacert", ca, "--pin", "md5/zzz")
    assert p.returncode == 2, p.stderr


def test_insecure_warns_every_run(srv):
    for _ in range(2):
        p = cli("get", srv.url(), "--insecure", check=0)
        assert p.stdout == "hello from sslb-testserver\n"
        # one warning a run, from the library, naming what would have failed
        assert p.stderr.count("WARNING: certificate verification is disabled") == 1
        assert "would have failed with CERT_" in p.stderr
    assert cli("get", srv.url(), "-k", "--cacert", "/nonexistent").returncode == 2


def test_mutual_tls_identities(pki, pki_srv, tmp_path):
    d, _ = pki
    ca = d / "ca.pem"
    p = cli("get", pki_srv.url("/client-cert"), "--cacert", ca,
            "--identity-keystore", d / "client.p12", "--identity-password", PW, check=0)
    assert "CN=sslbind client" in p.stdout, p.stdout
    # the same identity as PEM files
    pem = tmp_path / "client.pem"
    run(BUILD / "sslb-keystore", "convert", d / "client.p12", pem, "--format", "pem",
        "--password", PW, "--no-out-password")
    text = pem.read_text()
    key = re.search(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----\n",
                    text, re.S).group(0)
    (tmp_path / "key.pem").write_text(key)
    (tmp_path / "cert.pem").write_text(text.replace(key, ""))
    for engine in ("native", "cio", "okhttp"):
        p = cli("get", pki_srv.url("/client-cert"), "--cacert", ca, "--engine", engine,
                "--cert", tmp_path / "cert.pem", "--key", tmp_path / "key.pem", check=0)
        assert "CN=sslbind client" in p.stdout, (engine, p.stdout)
    # no identity: the server sees none
    p = cli("get", pki_srv.url("/client-cert"), "--cacert", ca, check=0)
    assert "CN=sslbind client" not in p.stdout
    # wrong identity password: keystore class
    p = cli("get", pki_srv.url("/client-cert"), "--cacert", ca,
            "--identity-keystore", d / "client.p12", "--identity-password", "nope")
    assert p.returncode == 3 and p.stderr.startswith("sslbind: BAD_PASSWORD: "), p.stderr
    p = cli("get", pki_srv.url("/client-cert"), "--cacert", ca,
            "--identity-keystore", d / "client.p12", "--identity-password", PW,
            "--alias", "nobody")
    assert p.returncode == 3 and "NOT_FOUND" in p.stderr, p.stderr


def test_headers_data_method_output(srv, ktor, tmp_path):
    t = trust(ktor)
    p = cli("get", srv.url("/headers"), *t, "-H", "X-Demo: one two", "-H", "x-other:3", check=0)
    assert "x-demo: one two" in p.stdout.lower() and "x-other: 3" in p.stdout.lower()
    p = cli("post", srv.url("/echo"), *t, "-d", "payload=1", check=0)
    assert p.stdout == "payload=1"
    body = tmp_path / "body.bin"
    body.write_bytes(os.urandom(70000))
    out = tmp_path / "out.bin"
    cli("post", srv.url("/echo"), *t, "-d", f"@{body}", "-o", out, check=0)
    assert out.read_bytes() == body.read_bytes()
    p = cli("get", srv.url("/echo"), *t, "-X", "PUT", "-d", "via put", check=0)
    assert p.stdout == "via put"
    # get with -d posts, as curl does
    assert cli("get", srv.url("/echo"), *t, "-d", "x", check=0).stdout == "x"
    p = cli("head", srv.url("/bytes/5000"), *t, "-i", check=0)
    assert re.match(r"HTTP/2 200\n", p.stdout) and "content-length: 5000" in p.stdout
    assert p.stdout.endswith("\n\n")
    p = cli("get", srv.url("/nonexistent"), *t, "-d", "@/nonexistent/file")
    assert p.returncode == 10, p.stderr


def test_redirects_and_fail(srv, ktor):
    t = trust(ktor)
    p = cli("get", srv.url("/redirect/3"), *t, "-i", check=0)
    assert re.match(r"HTTP/2 30[1-8]", p.stdout), p.stdout
    p = cli("get", srv.url("/redirect/3"), *t, "-L", "-i", check=0)
    assert p.stdout.startswith("HTTP/2 200"), p.stdout
    p = cli("get", srv.url("/redirect/3"), *t, "-L", "--max-redirs", "1")
    assert p.returncode == 8 and "TOO_MANY_REDIRECTS" in p.stderr, p.stderr
    p = cli("get", srv.url("/status/404"), *t, check=0)  # without --fail: ok
    p = cli("get", srv.url("/status/404"), *t, "--fail")
    assert p.returncode == 9 and p.stdout == ""
    assert "404" in p.stderr
    assert cli("get", srv.url("/status/503"), *t, "-f").returncode == 9


def test_timeout(srv, ktor):
    t0 = time.monotonic()
    p = cli("get", srv.url("/delay/5000"), *trust(ktor), "--timeout", "0.5")
    assert p.returncode == 7 and p.stderr.startswith("sslbind: TIMEOUT: "), p.stderr
    assert time.monotonic() - t0 < 4
    cli("get", srv.url("/delay/100"), *trust(ktor), "--timeout", "10", check=0)


def test_resolve_and_connect_to_keep_the_verified_name(pki, tmp_path):
    d, _ = pki
    ks = tmp_path / "named.p12"
    cli("keystore", "generate", ks, "--alias", "named", "--password", PW,
        "--domain", "www.sslbind.test", "--sign-with", f"{d / 'ca.p12'}:ca", check=0)
    s = Serve(tmp_path / "named.log", "--keystore", ks, "--password", PW, "--quiet")
    try:
        ca = d / "ca.pem"
        url = f"https://www.sslbind.test:{s.port}/"
        p = cli("get", url, "--cacert", ca, "--resolve", f"www.sslbind.test:{s.port}:127.0.0.1",
                check=0)
        assert p.stdout.startswith("hello")
        p = cli("get", "https://www.sslbind.test/", "--cacert", ca,
                "--connect-to", f"www.sslbind.test:443:127.0.0.1:{s.port}", check=0)
        assert p.stdout.startswith("hello")
        # empty parts: any host, any port
        p = cli("get", "https://www.sslbind.test/", "--cacert", ca,
                "--connect-to", f"::127.0.0.1:{s.port}", check=0)
        # the name verified stays the URL's: 127.0.0.1 is not in this certificate
        p = cli("get", f"https://127.0.0.1:{s.port}/", "--cacert", ca)
        assert p.returncode == 6 and "CERT_HOSTNAME_MISMATCH" in p.stderr, p.stderr
        p = cli("get", "https://other.sslbind.test/", "--cacert", ca,
                "--connect-to", f"other.sslbind.test:443:127.0.0.1:{s.port}")
        assert p.returncode == 6 and "CERT_HOSTNAME_MISMATCH" in p.stderr, p.stderr
        assert cli("get", url, "--resolve", "bad").returncode == 2
    finally:
        assert s.stop() == 0


def test_verbose_shows_connection_chain_and_headers(pki_srv, pki):
    d, _ = pki
    p = cli("get", pki_srv.url(), "--cacert", d / "ca.pem", "-v", "-H", "X-Trace: 1", check=0)
    e = p.stderr
    assert p.stdout.startswith("hello")
    assert re.search(r"\* connected: HTTP/2, TLS1\.[23], \S+, ALPN h2", e), e
    assert "server certificate chain (2)" in e
    assert "subject:     CN=localhost" in e and "subject:     CN=Interop CA" in e
    assert re.search(r"not before:  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", e)
    assert re.search(r"not after:   \d{4}-\d\d-\d\d", e)
    assert "DNS:localhost" in e
    assert len(re.findall(r"pin:         sha256/[A-Za-z0-9+/]{43}=", e)) == 2
    assert re.search(r"SHA-256:     ([0-9A-F]{2}:){31}[0-9A-F]{2}", e)
    assert "> GET " in e and "> X-Trace: 1" in e
    assert "< HTTP/2 200" in e and "< content-type: text/plain" in e
    # the chain's fingerprints are the keystore's
    fmt = run(BUILD / "sslb-keystore", "list", d / "server.jks", "--password", PW).stdout
    for fp in re.findall(r"^cert\t\S+\t\d\t(\S+)", fmt, re.M):
        assert fp in e


# ------------------------------------------------------ progress and memory

def run_on_pty(args, timeout=60):
    """Runs with stderr on a terminal; returns (exit, terminal output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([str(CLI), *map(str, args)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    rc = p.wait(timeout=timeout)
    os.close(master)
    return rc, out.decode(errors="replace")


def test_progress_bar_only_on_a_terminal(srv, ktor, tmp_path):
    out = tmp_path / "dl.bin"
    url = srv.url("/bytes/20000000")
    rc, term = run_on_pty(["get", url, *trust(ktor), "-o", out])
    assert rc == 0, term
    assert out.stat().st_size == 20000000
    assert "100%" in term and "[###" in term and "MiB" in term, term
    # -s silences it; a pipe never shows it
    rc, term = run_on_pty(["get", url, *trust(ktor), "-o", out, "-s"])
    assert rc == 0 and "%" not in term, term
    p = cli("get", url, *trust(ktor), "-o", out, check=0)
    assert p.stderr == ""
    # no -o: the body goes to stdout, no bar even on a terminal
    rc, term = run_on_pty(["get", srv.url("/bytes/100000"), *trust(ktor)])
    assert rc == 0 and "%" not in term, term


def max_rss_kb(args):
    # under AddressSanitizer freed memory waits in a quarantine (256 MiB by
    # default), which would count as peak memory: keep it small
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
               ":quarantine_size_mb=4:thread_local_quarantine_size_kb=256")
    p = subprocess.run(["/usr/bin/time", "-v", str(CLI), *map(str, args)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))


def test_100mb_download_at_bounded_memory(srv, ktor, tmp_path):
    if not os.path.exists("/usr/bin/time"):
        pytest.skip("/usr/bin/time is needed to measure the peak memory")
    size = 100 * 1024 * 1024
    out = tmp_path / "big.bin"
    for proto in ("--http2", "--http1.1"):
        rss = max_rss_kb(["get", srv.url(f"/bytes/{size}"), *trust(ktor), proto, "-o", out])
        assert out.stat().st_size == size
        assert rss < 40 * 1024, f"{proto}: peak RSS {rss} KiB for a 100 MiB download"
    # to stdout too
    rss = max_rss_kb(["get", srv.url(f"/bytes/{size}"), *trust(ktor)])
    assert rss < 40 * 1024, rss


# ----------------------------------------------------------- exit classes

def test_exit_code_classes(srv, ktor, pki, tmp_path):
    d, _ = pki
    # refused port: connect class
    p = cli("get", f"https://127.0.0.1:{free_port_closed()}/", *trust(ktor))
    assert p.returncode == 4 and p.stderr.startswith("sslbind: CONNECT: "), p.stderr
    assert p.stderr.count("\n") == 1
    # unknown CA: certificate class, with the reason
    p = cli("get", srv.url(), "--cacert", d / "ca.pem")
    assert p.returncode == 6, p.stderr
    assert re.match(r"sslbind: CERT_(UNKNOWN_ISSUER|SELF_SIGNED): .*CN=localhost", p.stderr)
    assert p.stderr.count("\n") == 1
    # bad password: keystore class
    p = cli("get", srv.url(), "--keystore", ktor, "--password", "Xyzzy-not-it")
    assert p.returncode == 3 and p.stderr.startswith("sslbind: BAD_PASSWORD: ")
    assert "Xyzzy" not in p.stderr
    p = cli("get", srv.url(), "--keystore", tmp_path / "missing.jks", "--password", PW)
    assert p.returncode == 3 and p.stderr.startswith("sslbind: IO: ")
    # bad option, bad URL: usage
    p = cli("get", srv.url(), "--no-such-option", "x")
    assert p.returncode == 2 and "--no-such-option" in p.stderr
    assert cli("get").returncode == 2
    assert cli("get", "ftp://localhost/").returncode == 2
    assert cli("get", srv.url(), "--engine", "netty").returncode == 2
    assert cli("get", srv.url(), "--timeout", "soon").returncode == 2
    # TLS class: a plain-text port
    import socket
    import threading
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)

    def garbage():
        c, _ = ls.accept()
        c.recv(1024)
        c.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n" * 10)
        c.close()
    th = threading.Thread(target=garbage)
    th.start()
    p = cli("get", f"https://127.0.0.1:{ls.getsockname()[1]}/", *trust(ktor))
    th.join()
    ls.close()
    assert p.returncode == 5 and p.stderr.startswith("sslbind: TLS: "), p.stderr
    # -o into a directory that does not exist: file class
    p = cli("get", srv.url(), *trust(ktor), "-o", tmp_path / "no" / "such" / "file")
    assert p.returncode == 10, p.stderr


def free_port_closed():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------- verify

def verdict(p):
    return p.stdout.rstrip("\n").splitlines()[-1]


def test_verify_trusted(pki_srv, pki, srv, ktor):
    d, _ = pki
    p = cli("verify", f"localhost:{pki_srv.port}", "--cacert", d / "ca.pem", check=0)
    out = p.stdout
    assert verdict(p) == "trusted"
    assert "[0] was issued by [1] (CN=Interop CA)" in out
    assert "[1] is self-signed" in out
    assert re.search(r"the issuer of \[0\], CN=Interop CA, is an anchor|\[1\] CN=Interop CA "
                     r"is itself an anchor", out), out
    assert "match\n" in out and "[0] valid (" in out
    # Ktor's case: the keystore that serves is the one that trusts
    p = cli("verify", f"127.0.0.1:{srv.port}", *trust(ktor), check=0)
    assert verdict(p) == "trusted"
    # (keytool keeps JKS aliases in lower case)
    assert 'is itself an anchor (entry "samplealias")' in p.stdout, p.stdout


def test_verify_unknown_issuer(pki_srv, tmp_path):
    other = tmp_path / "other.p12"
    cli("keystore", "generate", other, "--alias", "ca", "--ca", "--subject", "CN=Other CA",
        "--password", PW, check=0)
    cli("keystore", "export", other, "ca", tmp_path / "other.pem", "--password", PW, check=0)
    p = cli("verify", f"localhost:{pki_srv.port}", "--cacert", tmp_path / "other.pem")
    assert p.returncode == 6
    assert verdict(p).startswith("NOT trusted: CERT_UNKNOWN_ISSUER — ")
    assert "CN=Interop CA" in verdict(p)
    assert "the path reaches no anchor" in p.stdout
    assert "Hint: if this server is yours, trust its CA" in p.stdout


def test_verify_self_signed(srv, pki):
    d, _ = pki
    p = cli("verify", f"localhost:{srv.port}", "--cacert", d / "ca.pem")
    assert p.returncode == 6, p.stdout + p.stderr
    assert verdict(p) == ("NOT trusted: CERT_SELF_SIGNED — certificate [0] CN=localhost "
                          "is self-signed and is not a trust anchor"), verdict(p)
    assert "[0] is self-signed (issuer = subject)" in p.stdout


def test_verify_hostname_mismatch(pki_srv, pki):
    d, _ = pki
    p = cli("verify", f"127.0.0.1:{pki_srv.port}", "--servername", "www.example.test",
            "--cacert", d / "ca.pem")
    assert p.returncode == 6
    assert verdict(p) == ('NOT trusted: CERT_HOSTNAME_MISMATCH — certificate [0] is not '
                          'valid for "www.example.test"')
    assert 'Host name: "www.example.test"' in p.stdout
    assert "the leaf carries: localhost, 127.0.0.1" in p.stdout
    assert "NO MATCH" in p.stdout


def test_verify_pins(pki_srv, pki):
    d, _ = pki
    p = cli("verify", f"localhost:{pki_srv.port}", "--cacert", d / "ca.pem",
            "--pin", "sha256/" + "C" * 43 + "=")
    assert p.returncode == 6 and verdict(p).startswith("NOT trusted: CERT_PIN_MISMATCH — ")
    assert "on no presented certificate" in p.stdout


def test_verify_expired_at_a_later_date(pki_srv, pki):
    d, _ = pki
    p = cli("verify", f"localhost:{pki_srv.port}", "--cacert", d / "ca.pem",
            "--at", "2999-01-01")
    assert p.returncode == 6
    assert re.match(r"NOT trusted: CERT_EXPIRED — certificate \[\d\] CN=\S+ expired on "
                    r"\d{4}-", verdict(p)), verdict(p)
    assert "EXPIRED on" in p.stdout


def test_verify_expired_with_faketime(pki_srv, pki):
    need("faketime")
    d, _ = pki
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
               ":verify_asan_link_order=0")  # faketime is preloaded before ASan
    p = subprocess.run(["faketime", "+400 days", str(CLI), "verify", f"localhost:{pki_srv.port}",
                        "--cacert", str(d / "ca.pem")], capture_output=True, text=True,
                       timeout=120, env=env)
    assert p.returncode == 6, p.stdout + p.stderr
    assert verdict(p).startswith("NOT trusted: CERT_EXPIRED — ")


def test_verify_connect_failure_and_usage():
    p = cli("verify", f"127.0.0.1:{free_port_closed()}")
    assert p.returncode == 4 and p.stderr.startswith("sslbind: CONNECT: ")
    assert cli("verify").returncode == 2
    assert cli("verify", "localhost:notaport").returncode == 2
    assert cli("verify", "localhost", "--at", "yesterday").returncode == 2


# ----------------------------------------------------------------- keystore

def test_keystore_generate_list_agrees_with_keytool(tmp_path):
    need("keytool")
    ks = tmp_path / "gen.jks"
    cli("keystore", "generate", ks, "--alias", "web", "--password", PW, "--domain",
        "localhost", "--domain", "www.sslbind.test", "--ip", "127.0.0.1", "--days", "10",
        "--key", "rsa2048", "--format", "jks", check=0)
    kt = keytool_list(ks, PW)
    assert kt["web"][0] == "PrivateKeyEntry"
    tsv = cli("keystore", "list", ks, "--password", PW, "--tsv", check=0).stdout
    legacy = run(BUILD / "sslb-keystore", "list", ks, "--password", PW).stdout
    assert tsv == legacy
    fps = re.findall(r"^cert\tweb\t\d\t(\S+)", tsv, re.M)
    assert fps == kt["web"][1]
    human = cli("keystore", "list", ks, "--password", PW, "-v", check=0).stdout
    assert "Format:   JKS" in human and "Alias:    web" in human
    assert "Kind:     PrivateKeyEntry" in human
    assert fps[0] in human
    assert "DNS:www.sslbind.test" in human and "IP:127.0.0.1" in human
    assert re.search(r"key:\s+RSA 2048 bits", human)
    kv = keytool("-list", "-v", "-keystore", ks, "-storepass", PW).stdout
    assert re.search(r"Valid from: .* until: ", kv)


def test_keystore_ca_signing_and_convert_read_by_keytool(tmp_path, ktor):
    need("keytool")
    ca = tmp_path / "ca.p12"
    cli("keystore", "generate", ca, "--alias", "root", "--ca", "--subject", "CN=CLI Root",
        "--password", PW, "--key", "ec384", check=0)
    leaf = tmp_path / "leaf.p12"
    cli("keystore", "generate", leaf, "--alias", "leaf", "--password", PW,
        "--sign-with", f"{ca}:root", check=0)
    kt = keytool_list(leaf, PW)
    assert len(kt["leaf"][1]) == 2
    # keytool's JKS to PKCS#12 (default) and back to JKS with another password
    p12 = tmp_path / "ktor.p12"
    cli("keystore", "convert", ktor, p12, "--password", PW, check=0)
    assert keytool_list(p12, PW) == keytool_list(ktor, PW)
    jks = tmp_path / "again.jks"
    cli("keystore", "convert", p12, jks, "--password", PW, "--out-password", "changeit",
        "--format", "jks", check=0)
    assert keytool_list(jks, "changeit") == keytool_list(ktor, PW)
    pem = tmp_path / "ktor.pem"
    cli("keystore", "convert", ktor, pem, "--password", PW, "--format", "pem",
        "--out-password", "pempass", check=0)
    assert "ENCRYPTED PRIVATE KEY" in pem.read_text()
    assert PW not in pem.read_text()


def test_keystore_pin(tmp_path, ktor, pki):
    d, _ = pki
    out = cli("keystore", "pin", ktor, "--password", PW, check=0).stdout
    pin = re.match(r"(sha256/[A-Za-z0-9+/]{43}=)  samplealias\[0\]  CN=localhost$", out.strip())
    assert pin, out
    # openssl computes the same SPKI pin
    der = subprocess.run(
        "keytool -exportcert -rfc -alias sampleAlias -keystore %s -storepass %s | "
        "openssl x509 -pubkey -noout | openssl pkey -pubin -outform der" % (ktor, PW),
        shell=True, capture_output=True, check=True).stdout
    import base64
    assert pin.group(1) == "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    # a PEM certificate file
    out = cli("keystore", "pin", d / "ca.pem", check=0).stdout
    assert re.match(r"sha256/\S+  \S+\[0\]  CN=Interop CA", out), out


def test_keystore_errors():
    p = cli("keystore", "list", "/nonexistent.jks")
    assert p.returncode == 3 and p.stderr.startswith("sslbind: IO: ")
    assert cli("keystore").returncode == 2
    assert cli("keystore", "frob").returncode == 2
    assert cli("keystore", "generate", "x.p12", "--key", "rsa512x").returncode == 2
    assert cli("keystore", "list", "x.jks", "--bogus").returncode == 2


def test_keystore_bad_password(ktor):
    p = cli("keystore", "list", ktor, "--password", "nope")
    assert p.returncode == 3 and p.stderr.startswith("sslbind: BAD_PASSWORD: ")
    # the legacy program keeps its format
    p = run(BUILD / "sslb-keystore", "list", ktor, "--password", "nope", check=False)
    assert p.returncode == 2 and p.stderr.startswith("error\tBAD_PASSWORD\t")


# -------------------------------------------------------------------- serve

@pytest.mark.parametrize("proto,alpn", [("--http2", "h2"), ("--http1.1", "http/1.1")])
def test_serve_keytool_keystore(srv, ktor, proto, alpn):
    assert srv.addr == "127.0.0.1"
    assert srv.url_line == f"url https://127.0.0.1:{srv.port}/"
    p = cli("get", srv.url(), *trust(ktor), proto, "-v", check=0)
    assert f"ALPN {alpn}" in p.stderr


def test_serve_mutual_tls_and_ipv6(ktor, pki, tmp_path):
    d, _ = pki
    s = Serve(tmp_path / "mtls.log", "--keystore", ktor, "--password", PW,
              "--require-client-cert", "--client-ca", d / "ca.pem", "--address", "::1")
    try:
        assert s.addr == "::1"
        assert s.url_line == f"url https://[::1]:{s.port}/"
        url = f"https://localhost:{s.port}/client-cert"
        six = ["--resolve", f"localhost:{s.port}:[::1]"]
        p = cli("get", url, *six, *trust(ktor), "--http1.1", "--identity-keystore",
                d / "client.p12", "--identity-password", PW, check=0)
        assert "CN=sslbind client" in p.stdout
        p = cli("get", url, *six, *trust(ktor), "--http2", "--identity-keystore",
                d / "client.p12", "--identity-password", PW, check=0)
        assert "CN=sslbind client" in p.stdout
        p = cli("get", url, *six, *trust(ktor))
        assert p.returncode in (5, 8), p.stderr
    finally:
        assert s.stop(signal.SIGINT) == 0
    assert "/client-cert" in (tmp_path / "mtls.log").read_text()


def test_serve_refuses_non_loopback_and_bad_options(ktor):
    for addr in ("0.0.0.0", "192.0.2.1", "::", "example.com"):
        p = subprocess.run([str(CLI), "serve", "--keystore", str(ktor), "--password", PW,
                            "--address", addr, "--port", "0"], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 2, (addr, p.stdout, p.stderr)
        assert p.stderr.startswith("sslbind serve: --address"), p.stderr
        assert p.stdout == ""
    p = cli("serve", "--keystore", ktor, "--password", "bad", "--port", "0")
    assert p.returncode != 0 and p.stderr.startswith("sslbind serve: ")
    assert "bad" not in p.stderr.replace("sslbind serve", "")
    assert "default 8443" in cli("serve", "--help", check=0).stdout


# -------------------------------------------------------------------- proxy

def test_proxy_and_noproxy(srv, ktor):
    """A CONNECT proxy on 127.0.0.1 that counts its tunnels."""
    import socket
    import threading
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    tunnels = []

    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            try:
                b.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def serve():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = c.recv(4096)
                if not chunk:
                    break
                head += chunk
            target = head.split(b" ")[1].decode()
            tunnels.append(target)
            host, port = target.rsplit(":", 1)
            assert host in ("localhost", "127.0.0.1")
            u = socket.create_connection(("127.0.0.1", int(port)))
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=pipe, args=(c, u), daemon=True).start()
            threading.Thread(target=pipe, args=(u, c), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    proxy = f"http://127.0.0.1:{ls.getsockname()[1]}"
    try:
        p = cli("get", srv.url(), *trust(ktor), "--proxy", proxy, check=0)
        assert p.stdout.startswith("hello")
        assert tunnels == [f"localhost:{srv.port}"]
        cli("get", srv.url(), *trust(ktor), "--proxy", proxy, "--noproxy", "localhost",
            check=0)
        assert len(tunnels) == 1
        assert cli("get", srv.url(), "--proxy", "ftp://x").returncode == 2
    finally:
        ls.close()
