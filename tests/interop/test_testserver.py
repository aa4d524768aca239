"""The client core against the project's own test server (sslb-testserver:
GnuTLS + nghttp2, HTTP/1.1 and HTTP/2, mutual TLS, fault modes), which the
tests start on 127.0.0.1. Every fault ends in its documented error code,
well within the request's deadline; stalls end in TIMEOUT at the deadline.
Under the sanitizer build (scripts/test runs this file again with it) the
client and the server must also exit without a leak report."""
import hashlib
import zlib
import re
import signal
import subprocess

import pytest

from conftest import BUILD, PW, SANITIZER_REPORT, ListeningProcess

SERVER = BUILD / "sslb-testserver"
GET = BUILD / "sslb-get"
H1, H2 = "--http1.1", "--http2"
VERSION = {H1: "1.1", H2: "2"}
class ServerProcess(ListeningProcess):
    """sslb-testserver as a child process; stop() checks its exit."""

    def __init__(self, log_path, *args):
        super().__init__(log_path, [SERVER, "--quiet", *args])

    def stop(self):
        self.stop_clean()


@pytest.fixture(scope="module")
def server(pki, tmp_path_factory):
    d, _ = pki
    srv = ServerProcess(tmp_path_factory.mktemp("srv") / "server.log",
                     "--keystore", d / "server.jks", "--password", PW)
    srv.ca = d / "ca.pem"
    yield srv
    srv.stop()


def get(srv, path, *args, check=True, timeout=120):
    p = subprocess.run([str(GET), f"https://localhost:{srv.port}{path}", "--cacert", str(srv.ca),
                        *map(str, args)], capture_output=True, timeout=timeout)
    assert not SANITIZER_REPORT.search(p.stderr), p.stderr.decode(errors="replace")
    if check and p.returncode != 0:
        raise AssertionError(f"sslb-get failed: {p.stderr.decode(errors='replace')}")
    return p


def fields(p):
    """status, version, error and its message from sslb-get's stderr."""
    out = {}
    for line in p.stderr.decode(errors="replace").splitlines():
        f = line.split("\t")
        if f[0] in ("status", "version"):
            out[f[0]] = f[1]
        elif f[0] == "error":
            out["error"], out["message"] = f[1], "\t".join(f[2:])
        elif f[0] == "header":
            out.setdefault("headers", {})[f[1]] = f[2]
    return out


def pattern(n):
    """The body of /bytes/N: byte i is 'a' + i % 26."""
    alphabet = bytes(range(ord("a"), ord("z") + 1))
    return (alphabet * (n // 26 + 1))[:n]


@pytest.mark.parametrize("proto", [H1, H2])
def test_hello_echo_and_headers(server, proto):
    p = get(server, "/", proto)
    f = fields(p)
    assert f["status"] == "200" and f["version"] == VERSION[proto]
    assert p.stdout == b"hello from sslb-testserver\n"
    p = get(server, "/echo", proto, "-X", "PUT", "-d", "payload \u00e9",
            "-H", "Content-Type: text/x-demo")
    f = fields(p)
    assert p.stdout == "payload \u00e9".encode()
    assert f["headers"]["x-method"] == "PUT" and f["headers"]["content-type"] == "text/x-demo"
    p = get(server, "/headers", proto, "-H", "X-Trace: 42")
    assert b"x-trace: 42\n" in p.stdout and b"user-agent: sslbind/" in p.stdout


@pytest.mark.parametrize("proto,query", [(H1, ""), (H1, "?chunked"), (H2, "")])
def test_sized_bodies(server, proto, query):
    n = 5 * 1024 * 1024 + 3
    p = get(server, f"/bytes/{n}{query}", proto)
    assert len(p.stdout) == n
    assert hashlib.sha256(p.stdout).digest() == hashlib.sha256(pattern(n)).digest()
    # the same streamed to a sink rather than buffered
    p = get(server, f"/bytes/{n}{query}", proto, "--stream")
    assert len(p.stdout) == n and p.stdout[:52] == pattern(52)


@pytest.mark.parametrize("proto", [H1, H2])
def test_slow_reader_pauses_and_resumes(server, proto):
    """A streamed 64 MiB body whose reader stops three times: the head
    callback reports the status first; each time 4 MiB are queued the
    request is paused, the reader holds still for 100 ms, then empties the
    queue and resumes it. The queue never holds more than the mark plus what
    was in flight (a read's worth over HTTP/1.1, one 8 MiB stream window
    over HTTP/2); after the last resume the client must be reading again on
    its own (a lost wake-up stalls into a TIMEOUT); and the body arrives
    whole (its length and CRC-32)."""
    n = 64 << 20
    want = ["body", str(n), "crc32", f"{zlib.crc32(pattern(n)):08x}"]
    in_flight = (1 << 20) if proto == H1 else (9 << 20)
    for _ in range(2):
        p = get(server, f"/bytes/{n}", proto, "--slow-reader", "--max-time", 20000)
        lines = [l.split("\t") for l in p.stderr.decode().splitlines()]
        heads = [l for l in lines if l[0] == "head"]
        assert heads == [["head", "200", VERSION[proto]]], p.stderr
        (end,) = [l for l in lines if l[0] == "pauses"]
        pauses, most = int(end[1]), int(end[3])
        assert pauses == 3 and most <= (4 << 20) + in_flight, end
        assert [l for l in lines if l[0] == "body"] == [want]


@pytest.mark.parametrize("proto", [H1, H2])
def test_status_codes_and_redirects(server, proto):
    for code in (201, 404, 418, 503):
        f = fields(get(server, f"/status/{code}", proto))
        assert f["status"] == str(code)
    assert fields(get(server, "/status/204", proto))["status"] == "204"
    p = get(server, "/redirect/3", proto, "--location", 5)
    assert fields(p)["status"] == "200" and p.stdout == b"redirected\n"
    p = get(server, "/redirect/3", proto, "--location", 2, check=False)
    assert p.returncode == 2 and fields(p)["error"] == "TOO_MANY_REDIRECTS"


def test_delayed_streams_share_one_connection(server):
    """20 concurrent requests that each wait half a second on the server go
    over one HTTP/2 connection: the server's delays do not serialise them."""
    p = get(server, "/delay/500", H2, "-n", 20, "-c", 20)
    assert p.stdout.decode().split() == ["requests", "20", "ok", "20", "failed", "0",
                                         "connections", "1"]


def test_mutual_tls(pki, tmp_path):
    d, _ = pki
    srv = ServerProcess(tmp_path / "mtls.log", "--keystore", d / "server.jks", "--password", PW,
                     "--client-ca", d / "ca.pem", "--require-client-cert")
    srv.ca = d / "ca.pem"
    try:
        for proto in (H1, H2):
            p = get(srv, "/client-cert", proto, "--identity", f"{d / 'client.p12'}:client",
                    "--password", PW)
            assert b"CN=sslbind client" in p.stdout
            p = get(srv, "/client-cert", proto, check=False)
            f = fields(p)
            assert p.returncode == 2 and f["error"] in ("TLS", "CONNECTION_CLOSED"), f
            # the client says that the server's side ended the handshake
            assert "localhost" in f["message"] or "handshake" in f["message"].lower(), f
    finally:
        srv.stop()


# path, protocol, the error sslb-get must report, text its message must hold
FAULTS = [
    ("/fault/close-mid-body", H1, "CONNECTION_CLOSED", "after 1000 of 100000 body bytes"),
    ("/fault/close-mid-body?chunked", H1, "CONNECTION_CLOSED", "middle of a chunked body"),
    ("/fault/close-mid-body", H2, "CONNECTION_CLOSED", "closed the connection"),
    ("/fault/bad-chunk", H1, "PROTOCOL", "chunk size"),
    ("/fault/bad-chunk", H2, "PROTOCOL", "broke HTTP/2 rules"),
    ("/fault/rst", H1, "CONNECTION_CLOSED", "reset"),
    ("/fault/rst", H2, "PROTOCOL", "reset stream 1: INTERNAL_ERROR"),
    ("/fault/refuse", H2, "PROTOCOL", "refused the request 6 times"),
    # "refused" after part of the answer: not retried (the parts of two
    # answers would make one body)
    ("/fault/refuse-late", H2, "PROTOCOL", "refused stream 1 after sending part"),
    ("/fault/refuse-late", H1, "CONNECTION_CLOSED", "after 1000 of 100000"),
    ("/fault/goaway", H1, "CONNECTION_CLOSED", "after 1000 of 100000"),
    ("/fault/goaway", H2, "CONNECTION_CLOSED", "GOAWAY (INTERNAL_ERROR, last stream 1)"),
    ("/fault/garbage", H1, "PROTOCOL", "malformed HTTP/1.1 response"),
    ("/fault/garbage", H2, "PROTOCOL", "DATA: stream_id == 0"),
    ("/fault/stall", H1, "TIMEOUT", ""),
    ("/fault/stall", H2, "TIMEOUT", ""),
    ("/fault/stall-body", H1, "TIMEOUT", ""),
    ("/fault/stall-body", H2, "TIMEOUT", ""),
]


@pytest.mark.parametrize("path,proto,code,text", FAULTS,
                         ids=[f"{p}-{VERSION[v]}" for p, v, _, _ in FAULTS])
def test_fault_modes_end_in_their_error(server, path, proto, code, text):
    """A 3-second request deadline: faults other than stalls must end with
    their own error before it (a TIMEOUT there would mean the client missed
    the fault and waited); stalls end in TIMEOUT."""
    p = get(server, path, proto, "--max-time", 3000, check=False, timeout=60)
    f = fields(p)
    assert p.returncode == 2, p.stderr
    assert f.get("error") == code, f
    assert text in f["message"], f
    # the connection that went bad does not poison the client's next request
    p = get(server, "/", proto)
    assert fields(p)["status"] == "200"


def test_goaway_before_processing_is_retried_on_a_new_connection(server):
    p = get(server, "/fault/goaway-once", H2, "--repeat", 1)
    assert b"request\t0\tstatus\t200" in p.stdout
    assert b"connections\t2" in p.stdout


def test_windowed_requests_keep_at_most_n_in_flight(server):
    """sslb-get --async --window 20: each completion submits the next, so
    the server never holds more than 20 of the 2,000 streams at once."""
    # the peak counts from here; streams other tests left open count too
    before = get(server, "/stats", H1).stdout
    already = int(re.search(rb"streams_open (\d+)", before).group(1))
    p = get(server, "/delay/5", H2, "-n", 2000, "--async", "--window", 20,
            "--connect-timeout", 60000, "--max-time", 120000)
    assert b"ok\t2000\tfailed\t0\tbad\t0\tconnections\t1" in p.stdout, p.stdout
    peak = int(re.search(rb"streams_peak (\d+)", get(server, "/stats", H1).stdout).group(1))
    assert 1 <= peak <= 20 + already, (peak, already)


def test_refused_http1_request_gets_the_503(server):
    assert fields(get(server, "/fault/refuse", H1))["status"] == "503"


def test_server_counts_connections(server):
    """10,000 concurrent GETs complete over one HTTP/2 connection, as the
    server's own counter shows, and every response is right."""
    before = int(re.search(rb"connections (\d+)", get(server, "/stats", H1).stdout).group(1))
    p = get(server, "/bytes/100", H2, "-n", 10000, "--async", "--expect-length", 100,
            "--connect-timeout", 60000, "--max-time", 120000)
    assert b"ok\t10000\tfailed\t0\tbad\t0\tconnections\t1" in p.stdout, p.stdout
    after = int(re.search(rb"connections (\d+)", get(server, "/stats", H1).stdout).group(1))
    # one for the load, one for the second /stats request
    assert after - before == 2, (before, after)
