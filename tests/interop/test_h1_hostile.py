"""HTTP/1.1 responses a hostile or broken server sends: each ends the
request with a specific error that names what is wrong, and none is read
as a valid response. The server is a raw TLS socket on 127.0.0.1 that
answers each path with fixed bytes, so nothing on its side corrects them.
The client is sslb-get (the C library)."""
import socket
import ssl
import subprocess
import threading

import pytest

from conftest import BUILD

GET = BUILD / "sslb-get"

OK_HEAD = b"HTTP/1.1 200 OK\r\n"

# path -> (raw response, expected error name, words the message must contain)
CASES = {
    # two lengths: which one frames the body is ambiguous (smuggling)
    "conflicting-length": (OK_HEAD + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                           "PROTOCOL", []),
    # chunked and a length at once: refused rather than guessed
    "chunked-and-length": (OK_HEAD + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
                           b"3\r\nabc\r\n0\r\n\r\n", "PROTOCOL", []),
    # chunked not last: the body's end cannot be known
    "chunked-not-last": (OK_HEAD + b"Transfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n"
                         b"0\r\n\r\n", "PROTOCOL", []),
    "bad-chunk-size": (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                       "PROTOCOL", []),
    "chunk-without-crlf": (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n",
                           "PROTOCOL", []),
    "negative-length": (OK_HEAD + b"Content-Length: -1\r\n\r\n", "PROTOCOL", []),
    "length-not-a-number": (OK_HEAD + b"Content-Length: 1x\r\n\r\nab", "PROTOCOL", []),
    "space-before-colon": (OK_HEAD + b"Content-Length : 2\r\n\r\nok", "PROTOCOL", []),
    "obsolete-folding": (OK_HEAD + b"Content-Length: 2\r\nX-Folded: a\r\n b\r\n\r\nok",
                         "PROTOCOL", []),
    "bare-lf": (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "PROTOCOL", []),
    "nul-in-value": (OK_HEAD + b"Content-Length: 2\r\nX-A: a\x00b\r\n\r\nok", "PROTOCOL", []),
    "bad-status-line": (b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok", "PROTOCOL", []),
    "one-digit-status": (b"HTTP/1.1 2 OK\r\nContent-Length: 2\r\n\r\nok", "PROTOCOL",
                         ["three digits"]),
    "not-http": (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "PROTOCOL", []),
    "oversized-headers": (OK_HEAD + b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 1000)
                                             for i in range(300)) + b"Content-Length: 2\r\n\r\nok",
                          "TOO_LARGE", []),
    "close-in-headers": (OK_HEAD + b"Content-Length: 2\r\nX-A:", "CONNECTION_CLOSED",
                         ["headers"]),
    "close-in-body": (OK_HEAD + b"Content-Length: 10\r\n\r\nabc", "CONNECTION_CLOSED",
                      ["3 of 10"]),
    "close-in-chunk": (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5\r\nab", "CONNECTION_CLOSED",
                       ["chunked"]),
    "close-before-answer": (b"", "CONNECTION_CLOSED", ["without answering"]),
}


@pytest.fixture(scope="module")
def hostile(pki):
    d, _ = pki
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "server.pem")
    ctx.set_alpn_protocols(["http/1.1"])
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.settimeout(0.2)
    stop = threading.Event()

    def serve(conn):
        try:
            with ctx.wrap_socket(conn, server_side=True) as s:
                s.settimeout(10)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = s.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode().lstrip("/")
                drip = path.endswith("?drip")  # one byte a TLS record
                path = path.removesuffix("?drip")
                raw = CASES.get(path, (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",))[0]
                if drip:
                    for i in range(len(raw)):
                        s.sendall(raw[i:i + 1])
                else:
                    s.sendall(raw)
        except (OSError, ssl.SSLError):
            pass

    def accept_loop():
        while not stop.is_set():
            try:
                conn, _ = ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    t = threading.Thread(target=accept_loop, daemon=True)
    t.start()
    yield d, ls.getsockname()[1]
    stop.set()
    t.join(5)
    ls.close()


def fetch(hostile, path):
    d, port = hostile
    p = subprocess.run([str(GET), f"https://localhost:{port}/{path}", "--cacert",
                        str(d / "ca.pem"), "--http1.1"], capture_output=True, timeout=60)
    err = {}
    for line in p.stderr.decode(errors="replace").splitlines():
        f = line.split("\t")
        if f[0] == "error":
            err = {"name": f[1], "message": "\t".join(f[2:])}
    return p, err


@pytest.mark.parametrize("path", sorted(CASES))
def test_hostile_http1_response_is_a_specific_error(hostile, path):
    _, name, words = CASES[path]
    p, err = fetch(hostile, path)
    assert p.returncode != 0, f"{path}: accepted: {p.stdout[:200]!r}"
    assert err.get("name") == name, (path, err, p.stderr[-400:])
    for w in words:
        assert w in err["message"], (path, err)


@pytest.mark.parametrize("path", ["obsolete-folding", "conflicting-length", "bad-chunk-size"])
def test_hostile_response_in_one_byte_records(hostile, path):
    """The same refusals when every byte arrives in a TLS record of its own
    (a folded line must not pass for a value split across reads)."""
    _, name, _ = CASES[path]
    p, err = fetch(hostile, path + "?drip")
    assert p.returncode != 0 and err.get("name") == name, (path, err)


def test_a_sound_response_in_one_byte_records(hostile):
    """A value split across reads is not a folded line."""
    CASES.setdefault("sound-long", (OK_HEAD + b"X-Long: a b  c\td\r\n"
                                    b"Transfer-Encoding:  chunked \r\n\r\n2\r\nok\r\n0\r\n\r\n",
                                    None, []))
    p, err = fetch(hostile, "sound-long?drip")
    assert p.returncode == 0 and p.stdout == b"ok", (err, p.stderr[-300:])


def test_a_sound_response_from_the_same_server(hostile):
    """The control: the server itself works, so the refusals above are the
    responses' doing."""
    CASES.setdefault("sound", (OK_HEAD + b"Content-Length: 2\r\n\r\nok", None, []))
    p, err = fetch(hostile, "sound")
    assert p.returncode == 0 and p.stdout == b"ok", (err, p.stderr[-300:])
