"""The client core against real servers on loopback: nghttpd, nginx (h2,
http/1.1), h2o, and Java's HttpsServer loading a keytool-made keystore.jks
that sslbind trusts by loading the same file (the Ktor page's scenario)."""
import hashlib
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, free_port, free_ports, keytool, need, run, sk

PW = "foobar"
GET = BUILD / "sslb-get"
# Load tests check counts, not speed: their deadlines are far beyond what a
# busy machine needs (half a second is usual), yet turn a stall into a
# TIMEOUT failure rather than a hang.
NO_DEADLINES = ("--connect-timeout", 60000, "--max-time", 120000)


def sslb_get(*args, check=True, timeout=600):
    p = subprocess.run([str(GET), *map(str, args)], capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"sslb-get failed: {p.stderr.decode(errors='replace')}")
    return p


def info(p):
    """status/version/tls/alpn lines that sslb-get prints on stderr."""
    out = {}
    for line in p.stderr.decode().splitlines():
        f = line.split("\t")
        if f[0] in ("status", "version"):
            out[f[0]] = f[1]
        elif f[0] == "tls":
            out["tls_version"], out["cipher"], out["alpn"] = f[1], f[2], f[4]
        elif f[0] == "error":
            out["error"] = f[1]
    return out


def headers(p):
    return {l.split("\t")[1]: l.split("\t")[2] for l in p.stderr.decode().splitlines()
            if l.startswith("header\t")}


def wait_port(port, host="127.0.0.1", deadline=20.0):
    end = time.time() + deadline
    while time.time() < end:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {host}:{port}")


@pytest.fixture(scope="module")
def nginx(pki):
    need("nginx")
    d, _ = pki
    h2, h1, mtls = free_ports(3)
    conf = d / "nginx.conf"
    # workers run as root when the tests do: the pytest tree is private
    user = "user root root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
{user}
worker_processes 1;
error_log {d}/nginx-error.log;
pid {d}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  log_format conn '$server_port $connection $status';
  access_log {d}/access.log conn;
  keepalive_requests 100000;
  http2_max_concurrent_streams 128;
  gzip on;
  gzip_min_length 1000;
  gzip_types text/plain;
  server {{
    listen 127.0.0.1:{h2} ssl http2;
    listen 127.0.0.1:{h1} ssl;
    ssl_certificate {d}/server.pem;
    ssl_certificate_key {d}/server.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root {d}/htdocs;
    location = /redirect {{ return 302 /index.html; }}
    location = /see-other {{ return 303 /index.html; }}
    location = /temp {{ return 307 /index.html; }}
    location = /loop {{ return 301 /loop; }}
    location = /to-http {{ return 302 http://localhost:1/; }}
  }}
  server {{
    listen 127.0.0.1:{mtls} ssl http2;
    ssl_certificate {d}/server.pem;
    ssl_certificate_key {d}/server.pem;
    ssl_verify_client on;
    ssl_client_certificate {d}/ca.pem;
    root {d}/htdocs;
    location = /dn {{ return 200 "$ssl_client_s_dn\n"; }}
  }}
}}
""")
    run("nginx", "-c", conf, "-p", d)
    wait_port(h2)
    (d / "mtls.port").write_text(str(mtls))
    yield d, h2, h1
    pid = int((d / "nginx.pid").read_text())
    os.kill(pid, signal.SIGTERM)


@pytest.fixture(scope="module")
def nghttpd(pki):
    need("nghttpd")
    d, _ = pki
    port = free_port()
    p = subprocess.Popen(["nghttpd", "--address=127.0.0.1", "-d", str(d / "htdocs"), str(port),
                          str(d / "server.pem"), str(d / "server.pem")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    yield d, port
    p.terminate()
    p.wait(timeout=10)


def connections_in_log(d, port):
    lines = [l.split() for l in (d / "access.log").read_text().splitlines()]
    mine = [l for l in lines if l[0] == str(port)]
    return len(mine), len({l[1] for l in mine}), {l[2] for l in mine}


def test_nghttpd_h2(nghttpd):
    d, port = nghttpd
    p = sslb_get(f"https://localhost:{port}/index.html", "--cacert", d / "ca.pem")
    i = info(p)
    assert p.stdout == b"hello\n"
    assert i["status"] == "200" and i["version"] == "2" and i["alpn"] == "h2"
    assert i["tls_version"] in ("TLS1.3", "TLS1.2") and i["cipher"].startswith("TLS_")


@pytest.mark.parametrize("proto", ["h2", "h1"])
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_nginx_get_big_body(nginx, pki, proto, host):
    d, h2, h1 = nginx
    port = h2 if proto == "h2" else h1
    p = sslb_get(f"https://{host}:{port}/big.bin", "--cacert", d / "ca.pem")
    i = info(p)
    assert i["status"] == "200"
    assert hashlib.sha256(p.stdout).hexdigest() == pki[1]
    assert i["version"] == ("2" if proto == "h2" else "1.1")
    assert i["alpn"] == ("h2" if proto == "h2" else "http/1.1")


def test_mutual_tls_with_a_keystore_identity(nginx):
    """nginx with ssl_verify_client on: refused without a client
    certificate, served with the keystore's client entry."""
    d, _, _ = nginx
    port = int((d / "mtls.port").read_text())
    url = f"https://localhost:{port}/index.html"
    without = sslb_get(url, "--cacert", d / "ca.pem")
    assert info(without)["status"] == "400"  # nginx: no required SSL certificate
    ok = sslb_get(url, "--cacert", d / "ca.pem", "--identity", f"{d / 'client.p12'}:client",
                  "--password", PW)
    assert info(ok)["status"] == "200" and ok.stdout == b"hello\n"
    bad = sslb_get(url, "--cacert", d / "ca.pem", "--identity", f"{d / 'client.p12'}:nobody",
                   "--password", PW, check=False)
    assert bad.returncode == 2 and info(bad)["error"] == "NOT_FOUND"


def test_http2_policy_refuses_http1_server(nginx):
    d, _, h1 = nginx
    p = sslb_get(f"https://localhost:{h1}/index.html", "--cacert", d / "ca.pem", "--http2",
                 check=False)
    assert p.returncode == 2 and info(p)["error"] == "PROTOCOL"


def test_alpn_policy_per_request(nginx):
    """One client, requests with their own policies against a server that
    speaks both: each gets the protocol it asked for, and connections are
    pooled per policy (an http/1.1-only request never rides the h2 one)."""
    d, h2, h1 = nginx
    p = sslb_get(f"https://localhost:{h2}/index.html", "--cacert", d / "ca.pem",
                 "--repeat", 6, "--pause", 1, "--request-policy", "any,1.1,2")
    lines = [l.split("\t") for l in p.stdout.decode().splitlines()]
    versions = [l[7] for l in lines if l[0] == "request"]
    assert versions == ["2", "1.1", "2", "2", "1.1", "2"], p.stdout
    assert ["connections", "3"] in lines
    # an h2-only request to an http/1.1-only server fails; the client's
    # default policy (any) still serves the next request there
    p = sslb_get(f"https://localhost:{h1}/index.html", "--cacert", d / "ca.pem",
                 "--repeat", 2, "--pause", 1, "--request-policy", "any,2", check=False)
    assert b"request\t0\tstatus\t200" in p.stdout
    assert info(p)["error"] == "PROTOCOL"


def test_10000_concurrent_gets_over_one_h2_connection(nginx):
    d, h2, _ = nginx
    before = connections_in_log(d, h2)
    p = sslb_get(f"https://localhost:{h2}/index.html", "--cacert", d / "ca.pem", "-n", 10000,
                 "--async", "--expect-length", 6, *NO_DEADLINES)
    assert b"ok\t10000\tfailed\t0\tbad\t0\tconnections\t1" in p.stdout, p.stdout
    time.sleep(0.5)  # nginx writes its log lines as the responses leave
    n, conns, statuses = connections_in_log(d, h2)
    assert n - before[0] == 10000
    assert conns - before[1] == 1, "the server saw more than one connection"
    assert statuses == {"200"}


def test_10000_concurrent_gets_through_the_http1_pool(nginx):
    d, _, h1 = nginx
    p = sslb_get(f"https://localhost:{h1}/index.html", "--cacert", d / "ca.pem", "-n", 10000,
                 "--async", "--expect-length", 6, *NO_DEADLINES)
    m = re.search(rb"ok\t(\d+)\tfailed\t(\d+)\tbad\t(\d+)\tconnections\t(\d+)", p.stdout)
    assert m and m.group(1) == b"10000" and m.group(2) == b"0" and m.group(3) == b"0"
    assert 1 <= int(m.group(4)) <= 16
    time.sleep(0.5)
    n, conns, _ = connections_in_log(d, h1)
    assert n >= 10000 and conns <= 16 + 8  # earlier tests used a few too


def test_threads_share_one_client(nghttpd):
    d, port = nghttpd
    p = sslb_get(f"https://localhost:{port}/index.html", "--cacert", d / "ca.pem", "-n", 2000,
                 "-c", 8, *NO_DEADLINES)
    assert b"ok\t2000\tfailed\t0\tconnections\t1" in p.stdout


def test_threads_share_one_http1_pool(nginx):
    """8 threads issue blocking GETs on one client over HTTP/1.1: each runs
    its request on its own thread whenever an idle connection is free, and
    through the I/O thread otherwise; the pool stays within its limit."""
    d, _, h1 = nginx
    p = sslb_get(f"https://localhost:{h1}/index.html", "--cacert", d / "ca.pem", "-n", 4000,
                 "-c", 8, "--http1.1", *NO_DEADLINES)
    m = re.search(rb"ok\t(\d+)\tfailed\t(\d+)\tconnections\t(\d+)", p.stdout)
    assert m and m.group(1) == b"4000" and m.group(2) == b"0", p.stdout
    assert 1 <= int(m.group(3)) <= 16


def test_h2o(pki):
    need("h2o")
    d, digest = pki
    port = free_port()
    conf = d / "h2o.conf"
    user = "user: root\n" if os.geteuid() == 0 else ""
    conf.write_text(f"""{user}
listen:
  host: 127.0.0.1
  port: {port}
  ssl:
    certificate-file: {d}/server.pem
    key-file: {d}/server.pem
hosts:
  default:
    paths:
      /:
        file.dir: {d}/htdocs
        compress: ON
error-log: {d}/h2o-error.log
""")
    p = subprocess.Popen(["h2o", "-c", str(conf)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        for policy, version in (("--http2", "2"), ("--http1.1", "1.1")):
            r = sslb_get(f"https://localhost:{port}/big.bin", "--cacert", d / "ca.pem", policy)
            assert info(r)["status"] == "200"
            assert hashlib.sha256(r.stdout).hexdigest() == digest
            assert info(r)["version"] == version
        # h2o compresses text with brotli when offered; sslbind undoes it
        r = sslb_get(f"https://localhost:{port}/text.txt", "--cacert", d / "ca.pem")
        assert r.stdout == (d / "htdocs" / "text.txt").read_bytes()
        assert headers(r).get("content-encoding") in ("br", "gzip")
    finally:
        p.terminate()
        p.wait(timeout=10)


JAVA_SERVER = r"""
import com.sun.net.httpserver.*;
import java.io.*;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import javax.net.ssl.*;

public class Server {
  public static void main(String[] a) throws Exception {
    char[] pw = a[1].toCharArray();
    KeyStore ks = KeyStore.getInstance("JKS");
    try (InputStream in = new FileInputStream(a[0])) { ks.load(in, pw); }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(ks, pw);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(a[2])), 0);
    s.setHttpsConfigurator(new HttpsConfigurator(ctx));
    s.createContext("/", x -> {
      byte[] b = "Hello from Java\n".getBytes();
      x.sendResponseHeaders(200, b.length);
      try (OutputStream o = x.getResponseBody()) { o.write(b); }
    });
    s.start();
    System.out.println("ready");
    System.out.flush();
  }
}
"""


def test_java_https_server_ktor_scenario(tmp_path):
    """keytool makes keystore.jks (password foobar) for the server; sslbind
    loads the same keystore.jks as its trust store."""
    need("java")
    ks = tmp_path / "keystore.jks"
    keytool("-genkeypair", "-alias", "sampleAlias", "-keyalg", "RSA", "-keysize", "2048",
            "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1",
            "-validity", "30", "-keystore", ks, "-storetype", "JKS", "-storepass", PW)
    (tmp_path / "Server.java").write_text(JAVA_SERVER)
    port = free_port()
    p = subprocess.Popen(["java", str(tmp_path / "Server.java"), str(ks), PW, str(port)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        r = sslb_get(f"https://localhost:{port}/", "--keystore", ks, "--password", PW)
        assert r.stdout == b"Hello from Java\n"
        assert info(r)["version"] == "1.1"
        # the same server is refused without that trust
        other = sslb_get(f"https://localhost:{port}/", "--cacert", tmp_path / "Server.java",
                         check=False)
        assert other.returncode == 2
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_untrusted_server_names_the_reason(nghttpd, tmp_path):
    d, port = nghttpd
    sk("generate", tmp_path / "other.p12", "--alias", "o", "--type", "ca", "--password", PW)
    sk("export", tmp_path / "other.p12", "o", tmp_path / "other.pem", "--password", PW)
    p = sslb_get(f"https://localhost:{port}/index.html", "--cacert", tmp_path / "other.pem",
                 check=False)
    err = p.stderr.decode()
    assert p.returncode == 2 and info(p)["error"] == "CERT_UNKNOWN_ISSUER"
    assert "host: localhost" in err and "CN=localhost" in err and "CN=Interop CA" in err


def test_connection_refused(tmp_path):
    port = free_port()  # nothing listens there
    p = sslb_get(f"https://127.0.0.1:{port}/", check=False)
    assert p.returncode == 2 and info(p)["error"] == "CONNECT"


def test_stalled_handshake_times_out():
    port = free_port()
    with socket.socket() as s:  # accepts TCP, never speaks TLS
        s.bind(("127.0.0.1", port))
        s.listen(8)
        t0 = time.time()
        p = sslb_get(f"https://127.0.0.1:{port}/", "--connect-timeout", 500, check=False)
        assert p.returncode == 2 and info(p)["error"] == "TIMEOUT"
        assert time.time() - t0 < 20


def test_tls_sessions_resume_across_connections(nginx):
    """Each request says Connection: close (HTTP/1.1), so each needs a new
    connection; the second and third resume the first one's session."""
    d, _, h1 = nginx
    p = sslb_get(f"https://localhost:{h1}/index.html", "--cacert", d / "ca.pem", "--http1.1",
                 "--repeat", 3)
    lines = [l.split("\t") for l in p.stdout.decode().splitlines()]
    resumed = [l[5] for l in lines if l[0] == "request"]
    assert resumed == ["0", "1", "1"], p.stdout
    assert ["connections", "3"] in lines


def test_resolve_override_keeps_the_name_verified(nginx):
    d, h2, _ = nginx
    ok = sslb_get(f"https://localhost:{h2}/index.html", "--cacert", d / "ca.pem",
                  "--resolve", f"localhost:{h2}:127.0.0.1")
    assert ok.stdout == b"hello\n"
    # the connection goes to 127.0.0.1, but the name checked is the URL's
    bad = sslb_get(f"https://example.test:{h2}/index.html", "--cacert", d / "ca.pem",
                   "--resolve", f"example.test:{h2}:127.0.0.1", check=False)
    assert bad.returncode == 2 and info(bad)["error"] == "CERT_HOSTNAME_MISMATCH"
    assert "host: example.test" in bad.stderr.decode()


def test_connect_to_dials_elsewhere_and_keeps_the_name(nginx):
    """--connect-to (curl's syntax): the request for a port nothing listens
    on is dialled to nginx's, by name or with the names left empty, while
    SNI, the verified name and Host stay the URL's."""
    d, h2, h1 = nginx
    dead = free_port()
    ok = sslb_get(f"https://localhost:{dead}/index.html", "--cacert", d / "ca.pem",
                  "--connect-to", f"localhost:{dead}:127.0.0.1:{h2}")
    assert ok.stdout == b"hello\n" and info(ok)["version"] == "2"
    ok = sslb_get(f"https://localhost:{dead}/index.html", "--cacert", d / "ca.pem",
                  "--connect-to", f"::localhost:{h1}")
    assert ok.stdout == b"hello\n" and info(ok)["version"] == "1.1"
    bad = sslb_get(f"https://example.test:{dead}/index.html", "--cacert", d / "ca.pem",
                   "--connect-to", f"example.test:{dead}:127.0.0.1:{h2}", check=False)
    assert bad.returncode == 2 and info(bad)["error"] == "CERT_HOSTNAME_MISMATCH"
    for arg in ("a:1:b", "a:1:b c:2", f"a:99999:b:1"):
        p = sslb_get(f"https://localhost:{dead}/", "--connect-to", arg, check=False)
        assert p.returncode == 2 and b"--connect-to" in p.stderr, arg


def stalling_h2_server(pki_dir, port, ready):
    """Speaks TLS with ALPN h2, sends its SETTINGS, then answers nothing:
    requests on it can only end by their deadline."""
    import ssl
    import threading
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(pki_dir / "server.pem"), str(pki_dir / "server.pem"))
    ctx.set_alpn_protocols(["h2"])
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    srv.settimeout(30)
    conns = []

    def run():
        ready.set()
        try:
            raw, _ = srv.accept()
            tls = ctx.wrap_socket(raw, server_side=True)
            tls.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # empty SETTINGS
            conns.append(tls)
            tls.settimeout(30)
            while tls.recv(65536):
                pass
        except OSError:
            pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return srv, t, conns


def test_http2_request_deadline(pki):
    import threading
    d, _ = pki
    port = free_port()
    ready = threading.Event()
    srv, t, conns = stalling_h2_server(d, port, ready)
    ready.wait(5)
    try:
        t0 = time.time()
        p = sslb_get(f"https://localhost:{port}/slow", "--cacert", d / "ca.pem", "--max-time",
                     700, check=False)
        assert p.returncode == 2 and info(p)["error"] == "TIMEOUT", p.stderr
        assert time.time() - t0 < 60
    finally:
        srv.close()
        for c in conns:
            c.close()


@pytest.mark.parametrize("proto", ["--http2", "--http1.1"])
def test_gzip_bodies_are_decoded(nginx, proto):
    d, _, _ = nginx
    port = nginx[1] if proto == "--http2" else nginx[2]
    plain = (d / "htdocs" / "text.txt").read_bytes()
    p = sslb_get(f"https://localhost:{port}/text.txt", "--cacert", d / "ca.pem", proto)
    assert headers(p).get("content-encoding") == "gzip"
    assert p.stdout == plain
    # asking for an encoding yourself gets the body as sent
    raw = sslb_get(f"https://localhost:{port}/text.txt", "--cacert", d / "ca.pem", proto,
                   "-H", "Accept-Encoding: gzip")
    assert raw.stdout[:2] == b"\x1f\x8b" and len(raw.stdout) < len(plain) // 5
    # a decoded body past the limit is refused (the compressed one is small)
    big = sslb_get(f"https://localhost:{port}/text.txt", "--cacert", d / "ca.pem", proto,
                   "--max-body", 100000, check=False)
    assert big.returncode == 2 and info(big)["error"] == "TOO_LARGE"


def test_stale_keepalive_connection_is_retried_once(pki):
    """A server that answers the first request of each connection and drops
    the connection on the second without a byte (as a server closing an
    idle connection at the wrong moment does): the second GET runs again on
    a new connection; a POST is not retried."""
    import ssl
    import threading
    d, _ = pki
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(d / "server.pem"), str(d / "server.pem"))
    ctx.set_alpn_protocols(["http/1.1"])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(30)
    port = srv.getsockname()[1]
    accepted = []

    def read_request(s):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                return False
            data += chunk
        return True

    def serve():
        try:
            while True:
                raw, _ = srv.accept()
                accepted.append(1)
                s = ctx.wrap_socket(raw, server_side=True)
                if read_request(s):
                    s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
                    read_request(s)
                s.close()
        except OSError:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        p = sslb_get(f"https://localhost:{port}/", "--cacert", d / "ca.pem", "--repeat", 2,
                     "--pause", 100)
        assert b"request\t1\tstatus\t200" in p.stdout
        assert b"connections\t2" in p.stdout
        post = sslb_get(f"https://localhost:{port}/", "--cacert", d / "ca.pem", "-X", "POST",
                        "-d", "x", "--repeat", 2, "--pause", 100, check=False)
        assert post.returncode == 2 and info(post)["error"] == "CONNECTION_CLOSED"
    finally:
        srv.close()


@pytest.mark.parametrize("proto", ["--http2", "--http1.1"])
def test_redirects_are_opt_in_and_bounded(nginx, proto):
    d, h2, h1 = nginx
    base = f"https://localhost:{h2 if proto == '--http2' else h1}"
    ca = ("--cacert", d / "ca.pem", proto)
    plain = sslb_get(f"{base}/redirect", *ca)
    assert info(plain)["status"] == "302"  # not followed unless asked
    followed = sslb_get(f"{base}/redirect", *ca, "--location", 5)
    assert info(followed)["status"] == "200" and followed.stdout == b"hello\n"
    # 303 turns a POST into a GET; 307 keeps it (a static file refuses POST)
    see = sslb_get(f"{base}/see-other", *ca, "--location", 5, "-X", "POST", "-d", "x")
    assert info(see)["status"] == "200"
    temp = sslb_get(f"{base}/temp", *ca, "--location", 5, "-X", "POST", "-d", "x")
    assert info(temp)["status"] == "405"
    loop = sslb_get(f"{base}/loop", *ca, "--location", 3, check=False)
    assert loop.returncode == 2 and info(loop)["error"] == "TOO_MANY_REDIRECTS"
    down = sslb_get(f"{base}/to-http", *ca, "--location", 3, check=False)
    assert down.returncode == 2 and info(down)["error"] == "PROTOCOL"
    assert "https to http" in down.stderr.decode()


class RawH2Server:
    """A minimal HTTP/2 server speaking raw frames, for the faults real
    servers rarely show: GOAWAY before a stream starts, REFUSED_STREAM, and
    a reset of a stream in progress. A normal answer is HEADERS with the
    HPACK static entry ':status: 200' (0x88) and DATA 'ok'."""

    def __init__(self, pki_dir, behave):
        import ssl
        import threading
        self.behave = behave  # behave(conn_index, stream_id) -> action
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(str(pki_dir / "server.pem"), str(pki_dir / "server.pem"))
        self.ctx.set_alpn_protocols(["h2"])
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.srv.settimeout(30)
        self.port = self.srv.getsockname()[1]
        self.conns = 0
        self.counting = {}  # stream -> request body bytes so far
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    @staticmethod
    def frame(ftype, flags, stream, payload=b""):
        return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + \
            stream.to_bytes(4, "big") + payload

    def run(self):
        try:
            while True:
                raw, _ = self.srv.accept()
                index = self.conns
                self.conns += 1
                try:
                    self.serve(self.ctx.wrap_socket(raw, server_side=True), index)
                except OSError:
                    pass
        except OSError:
            pass

    def serve(self, s, index):
        s.settimeout(30)
        buf = b""
        while len(buf) < 24:
            buf += s.recv(4096)
        buf = buf[24:]  # client preface
        s.sendall(self.frame(4, 0, 0))
        while True:
            while len(buf) < 9:
                more = s.recv(65536)
                if not more:
                    return
                buf += more
            length = int.from_bytes(buf[:3], "big")
            while len(buf) < 9 + length:
                buf += s.recv(65536)
            ftype, flags = buf[3], buf[4]
            stream = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            buf = buf[9 + length:]
            if ftype == 4 and not flags & 1:
                s.sendall(self.frame(4, 1, 0))
            elif ftype == 0 and stream in self.counting:
                self.counting[stream] += length
                if flags & 1:
                    body = str(self.counting.pop(stream)).encode()
                    s.sendall(self.frame(1, 4, stream, b"\x88") +
                              self.frame(0, 1, stream, body))
            elif ftype == 1:
                action = self.behave(index, stream)
                if action == "count":
                    self.counting[stream] = 0
                if action == "answer":
                    s.sendall(self.frame(1, 4, stream, b"\x88") +
                              self.frame(0, 1, stream, b"ok"))
                elif action == "goaway":
                    s.sendall(self.frame(7, 0, 0, (0).to_bytes(4, "big") +
                                         (0).to_bytes(4, "big")))
                elif action == "refuse":
                    s.sendall(self.frame(3, 0, stream, (7).to_bytes(4, "big")))
                elif action == "reset":
                    s.sendall(self.frame(1, 4, stream, b"\x88") +
                              self.frame(3, 0, stream, (2).to_bytes(4, "big")))

    def close(self):
        self.srv.close()


def test_goaway_before_a_stream_started_is_retried(pki):
    d, _ = pki
    srv = RawH2Server(d, lambda conn, stream: "goaway" if conn == 0 else "answer")
    try:
        p = sslb_get(f"https://localhost:{srv.port}/", "--cacert", d / "ca.pem")
        assert info(p)["status"] == "200" and p.stdout == b"ok"
        assert srv.conns == 2
    finally:
        srv.close()


def test_refused_stream_is_retried(pki):
    d, _ = pki
    srv = RawH2Server(d, lambda conn, stream: "refuse" if stream == 1 else "answer")
    try:
        p = sslb_get(f"https://localhost:{srv.port}/", "--cacert", d / "ca.pem")
        assert info(p)["status"] == "200" and p.stdout == b"ok"
    finally:
        srv.close()


def test_reset_of_a_started_stream_fails_clearly(pki):
    d, _ = pki
    srv = RawH2Server(d, lambda conn, stream: "reset")
    try:
        p = sslb_get(f"https://localhost:{srv.port}/", "--cacert", d / "ca.pem", check=False)
        assert p.returncode == 2 and info(p)["error"] == "PROTOCOL"
        assert "reset stream 1" in p.stderr.decode() and "INTERNAL_ERROR" in p.stderr.decode()
    finally:
        srv.close()


def test_cancel_resets_a_running_http2_stream(pki):
    import threading
    d, _ = pki
    port = free_port()
    ready = threading.Event()
    srv, t, conns = stalling_h2_server(d, port, ready)
    ready.wait(5)
    try:
        t0 = time.time()
        p = sslb_get(f"https://localhost:{port}/slow", "--cacert", d / "ca.pem",
                     "--cancel-after", 300, check=False)
        assert p.returncode == 2 and info(p)["error"] == "CANCELLED", p.stderr
        assert time.time() - t0 < 30
    finally:
        srv.close()
        for c in conns:
            c.close()


def test_idle_timeout_and_peer_chain(pki, nghttpd):
    import threading
    d, _ = pki
    port = free_port()
    ready = threading.Event()
    srv, t, conns = stalling_h2_server(d, port, ready)
    ready.wait(5)
    try:
        p = sslb_get(f"https://localhost:{port}/slow", "--cacert", d / "ca.pem",
                     "--idle-timeout", 400, check=False)
        assert p.returncode == 2 and info(p)["error"] == "TIMEOUT"
        assert "no data from localhost" in p.stderr.decode()
    finally:
        srv.close()
        for c in conns:
            c.close()
    # the chain the server presented travels with the response
    _, nport = nghttpd
    ok = sslb_get(f"https://localhost:{nport}/index.html", "--cacert", d / "ca.pem")
    peers = [l.split("\t") for l in ok.stderr.decode().splitlines() if l.startswith("peer\t")]
    assert [p[2] for p in peers][:2] == ["CN=localhost", "CN=Interop CA"]
    assert all(p[3].startswith("sha256/") for p in peers)


class ConnectProxy:
    """An HTTP CONNECT proxy on loopback that tunnels only to 127.0.0.1 and
    records what it was asked for; refuse=True answers 407 instead."""

    def __init__(self, refuse=False):
        import threading
        self.refuse = refuse
        self.targets = []
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.srv.settimeout(30)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        import threading
        try:
            while True:
                s, _ = self.srv.accept()
                threading.Thread(target=self.tunnel, args=(s,), daemon=True).start()
        except OSError:
            pass

    def tunnel(self, s):
        import select
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = s.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ")[1].decode()
            self.targets.append(target)
            if self.refuse:
                s.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                          b"Content-Length: 0\r\n\r\n")
                return
            port = int(target.rsplit(":", 1)[1])
            up = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            socks = [s, up]
            while True:
                r, _, _ = select.select(socks, [], [], 30)
                if not r:
                    return
                for x in r:
                    data = x.recv(65536)
                    if not data:
                        return
                    (up if x is s else s).sendall(data)
        except OSError:
            pass
        finally:
            s.close()

    def close(self):
        self.srv.close()


@pytest.mark.parametrize("proto", ["--http2", "--http1.1"])
def test_connect_proxy_tunnels_verified_tls(nginx, proto, tmp_path):
    d, h2, h1 = nginx
    sk("generate", tmp_path / "other.p12", "--alias", "o", "--type", "ca", "--password", PW)
    sk("export", tmp_path / "other.p12", "o", tmp_path / "other.pem", "--password", PW)
    port = h2 if proto == "--http2" else h1
    proxy = ConnectProxy()
    try:
        p = sslb_get(f"https://localhost:{port}/index.html", "--cacert", d / "ca.pem", proto,
                     "--proxy", f"http://127.0.0.1:{proxy.port}")
        assert p.stdout == b"hello\n"
        assert proxy.targets == [f"localhost:{port}"]
        # the tunnel's TLS is verified like any other
        bad = sslb_get(f"https://localhost:{port}/index.html", "--cacert",
                       tmp_path / "other.pem", proto, "--proxy",
                       f"http://127.0.0.1:{proxy.port}", check=False)
        assert bad.returncode == 2 and info(bad)["error"] == "CERT_UNKNOWN_ISSUER"
        # no_proxy sends the host direct
        direct = sslb_get(f"https://localhost:{port}/index.html", "--cacert", d / "ca.pem",
                          proto, "--proxy", f"http://127.0.0.1:{proxy.port}",
                          "--noproxy", "example.com,localhost")
        assert direct.stdout == b"hello\n" and len(proxy.targets) == 2
    finally:
        proxy.close()


def test_environment_proxy_and_refusal(nginx):
    d, h2, _ = nginx
    proxy = ConnectProxy(refuse=True)
    try:
        env = dict(os.environ, https_proxy=f"127.0.0.1:{proxy.port}", no_proxy="")
        p = subprocess.run([str(GET), f"https://localhost:{h2}/index.html", "--cacert",
                            str(d / "ca.pem"), "--env-proxy"], capture_output=True, env=env,
                           timeout=60)
        assert p.returncode == 2 and info(p)["error"] == "CONNECT"
        assert "407" in p.stderr.decode()
        # without --env-proxy the environment is ignored
        q = subprocess.run([str(GET), f"https://localhost:{h2}/index.html", "--cacert",
                            str(d / "ca.pem")], capture_output=True, env=env, timeout=60)
        assert q.returncode == 0 and q.stdout == b"hello\n"
    finally:
        proxy.close()


@pytest.mark.parametrize("proto", ["--http2", "--http1.1"])
def test_streamed_body_sink(nginx, pki, proto):
    d, h2, h1 = nginx
    port = h2 if proto == "--http2" else h1
    p = sslb_get(f"https://localhost:{port}/big.bin", "--cacert", d / "ca.pem", proto,
                 "--stream", "--max-body", 1000)  # the limit is for buffered bodies
    assert info(p)["status"] == "200"
    assert hashlib.sha256(p.stdout).hexdigest() == pki[1]


def upload_server(pki_dir):
    """HTTP/1.1 over TLS: reads a request body (Content-Length or chunked)
    and answers with its size and SHA-256."""
    import ssl
    import threading
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(pki_dir / "server.pem"), str(pki_dir / "server.pem"))
    ctx.set_alpn_protocols(["http/1.1"])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(30)

    def handle(raw):
        s = ctx.wrap_socket(raw, server_side=True)
        f = s.makefile("rb")
        head = {}
        f.readline()
        while True:
            line = f.readline().strip()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            head[k.lower()] = v.strip()
        body = b""
        if "content-length" in head:
            body = f.read(int(head["content-length"]))
        elif head.get("transfer-encoding") == "chunked":
            while True:
                size = int(f.readline().strip(), 16)
                if size == 0:
                    f.readline()
                    break
                body += f.read(size)
                f.readline()
        out = f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
        s.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " +
                  str(len(out)).encode() + b"\r\n\r\n" + out)
        s.close()

    def run():
        try:
            while True:
                raw, _ = srv.accept()
                threading.Thread(target=handle, args=(raw,), daemon=True).start()
        except OSError:
            pass

    threading.Thread(target=run, daemon=True).start()
    return srv


def pattern(n):
    return bytes((ord("a") + (n - i) % 26) for i in range(n))


@pytest.mark.parametrize("chunked", [False, True])
def test_streamed_request_body_http1(pki, chunked):
    d, _ = pki
    srv = upload_server(d)
    try:
        n = 1_000_003
        args = ["--upload", n] + (["--chunked"] if chunked else [])
        p = sslb_get(f"https://localhost:{srv.getsockname()[1]}/up", "--cacert", d / "ca.pem",
                     "-X", "POST", *args)
        size, digest = p.stdout.decode().split()
        assert int(size) == n and digest == hashlib.sha256(pattern(n)).hexdigest()
    finally:
        srv.close()


def test_streamed_request_body_http2(pki):
    d, _ = pki
    srv = RawH2Server(d, lambda conn, stream: "count")
    try:
        p = sslb_get(f"https://localhost:{srv.port}/up", "--cacert", d / "ca.pem", "-X", "POST",
                     "--upload", 50000)
        assert p.stdout == b"50000"
    finally:
        srv.close()
