"""Requests: bodies and headers, the fault modes, streaming, batches and
asyncio over one HTTP/2 connection, overlapping blocking calls (the GIL is
released), timeouts and cancellation."""
import asyncio
import io
import json
import os
import threading
import time

import pytest

import sslbind
from sslbind import HttpClient


def pattern(n, offset=0):
    return bytes(97 + (offset + i) % 26 for i in range(n))


@pytest.fixture
def client(settings):
    with HttpClient(trust_manager=settings.trust_manager()) as c:
        yield c


def stats(client, srv):
    r = client.get(srv.url("/stats"))
    return dict((k, int(v)) for k, v in (line.split() for line in r.text.splitlines()))


def test_methods_headers_and_bodies(servers, client):
    url = servers["main"].url("/echo")
    r = client.post(url, content=b"\x00binary\xff", headers={"Content-Type": "x/y"})
    assert r.status == 200 and r.content == b"\x00binary\xff"
    assert r.headers["x-method"] == "POST" and r.headers.get("X-Request-Length") == "8"
    assert r.headers.get("CONTENT-TYPE") == "x/y" and ("content-type", "x/y") in r.headers
    assert r.headers.get_all("x-method") == ["POST"] and r.headers.get("nope") is None
    r = client.put(url, json={"a": [1, 2]})
    assert r.json() == {"a": [1, 2]} and r.headers["content-type"] == "application/json"
    assert client.request("PATCH", url, content="héllo").text == "héllo"
    assert client.delete(url).headers["x-method"] == "DELETE"
    r = client.head(servers["main"].url("/bytes/10"))
    assert r.status == 200 and r.content == b"" and r.headers["content-length"] == "10"
    # a file and a generator, streamed through the body reader
    r = client.post(url, content=io.BytesIO(pattern(100000)))
    assert r.content == pattern(100000)
    r = client.post(url, content=(pattern(n) for n in (1, 70000, 3)), http="http/1.1")
    assert r.content == pattern(1) + pattern(70000) + pattern(3) and r.http_version == "1.1"
    r = client.get(servers["main"].url("/headers"), headers=[("X-One", "1"), ("X-Two", "2")])
    assert "x-one: 1" in r.text.lower() and "x-two: 2" in r.text.lower()
    assert client.get(servers["main"].url("/status/418")).status == 418


def test_client_options(servers, settings):
    with HttpClient(trust_manager=settings.trust_manager(), redirects=5, max_body=1000,
                    headers={"X-Default": "yes"}, http="http/1.1",
                    resolve={("example.test", servers["main"].port): "127.0.0.1"},
                    server_name="localhost") as c:
        r = c.get(servers["main"].url("/redirect/3"))
        assert r.status == 200 and r.text == "redirected\n"
        assert r.http_version == "1.1"
        assert "x-default: yes" in c.get(servers["main"].url("/headers")).text.lower()
        with pytest.raises(sslbind.TooLargeError):
            c.get(servers["main"].url("/bytes/2000"))
        assert c.get(f"https://example.test:{servers['main'].port}/").status == 200
    # curl's --connect-to: dialled elsewhere, the URL's name still verified
    with HttpClient(trust_manager=settings.trust_manager(),
                    connect_to={("localhost", 1): ("127.0.0.1", servers["main"].port),
                                "localhost:2": f":{servers['main'].port}"}) as c:
        assert c.get("https://localhost:1/").status == 200
        assert c.get("https://localhost:2/").status == 200  # the name kept, the port not
    with pytest.raises(sslbind.InvalidArgument):
        HttpClient(connect_to={("a b", 1): ("c", 2)})
    with HttpClient(trust_manager=settings.trust_manager(), redirects=1) as c:
        with pytest.raises(sslbind.TooManyRedirects):
            c.get(servers["main"].url("/redirect/3"))
    with HttpClient(trust_manager=settings.trust_manager()) as c:
        assert c.get(servers["main"].url("/redirect/1")).status == 302  # not followed
        with pytest.raises(sslbind.InvalidURL):
            c.get("ftp://localhost/")
        with pytest.raises(sslbind.ConnectionError):
            c.get("https://localhost:1/")


@pytest.mark.parametrize("http", ["h2", "http/1.1"])
def test_fault_modes(servers, settings, http):
    with HttpClient(trust_manager=settings.trust_manager(), request_timeout=0.5, http=http) as c:
        with pytest.raises(sslbind.TimeoutError) as ei:
            c.get(servers["main"].url("/fault/stall"))
        assert isinstance(ei.value, TimeoutError) and ei.value.name == "TIMEOUT"
        with pytest.raises(sslbind.ConnectionError) as ei:
            c.get(servers["main"].url("/fault/close-mid-body"))
        assert isinstance(ei.value, ConnectionError) and ei.value.name == "CONNECTION_CLOSED"
        with pytest.raises(sslbind.ProtocolError) as ei:
            c.get(servers["main"].url("/fault/garbage"))
        assert ei.value.name == "PROTOCOL" and ei.value.message
        assert c.get(servers["main"].url()).status == 200  # the client goes on


def test_per_request_timeout(servers, client):
    t = time.monotonic()
    with pytest.raises(sslbind.TimeoutError):
        client.get(servers["main"].url("/delay/3000"), timeout=0.3)
    assert time.monotonic() - t < 2.5
    assert client.get(servers["main"].url("/delay/10"), timeout=5).status == 200


def test_stream_five_megabytes(servers, client):
    n = 5_000_000
    with client.stream("GET", servers["main"].url(f"/bytes/{n}")) as r:
        chunks = list(r.iter_bytes())
        assert r.status == 200 and r.http_version == "2"
        assert r.headers["content-length"] == str(n)
    assert len(chunks) > 10
    body = b"".join(chunks)
    assert len(body) == n and body == pattern(n)


def test_stream_early_exit_cancels(servers, client):
    with client.stream("GET", servers["main"].url("/bytes/50000000")) as r:
        first = next(iter(r.iter_bytes()))
        assert first
    # the transfer was cancelled, the client still works
    assert client.get(servers["main"].url()).status == 200
    with pytest.raises(sslbind.ProtocolError):
        with client.stream("GET", servers["main"].url("/fault/garbage")) as r:
            r.read()


def test_stream_head_arrives_before_the_body(servers, client):
    """stream() returns with the status and headers while the body is still
    on its way (here it never ends: the server stalls after 1,000 bytes)."""
    url = servers["main"].url("/fault/stall-body")
    with client.stream("GET", url, timeout=10) as r:
        assert r.status == 200 and r.ok and r.http_version == "2"
        assert r.headers["content-length"] == "100000"
        assert r.tls.version.startswith("TLS") and r.tls.chain
        assert not r._p.done  # the body has not ended
        assert next(r.iter_bytes())
    assert client.get(servers["main"].url()).status == 200
    # an error before any head is raised on entering the block
    with pytest.raises(sslbind.ProtocolError):
        with client.stream("GET", servers["main"].url("/fault/garbage")):
            pytest.fail("the block must not run")


def test_stream_head_is_the_final_response(servers, settings):
    """Redirects the client follows are not the head a stream reports, and
    their bodies do not reach the stream."""
    with HttpClient(trust_manager=settings.trust_manager(), redirects=5) as c:
        with c.stream("GET", servers["main"].url("/redirect/3")) as r:
            assert r.status == 200
            body = r.read()
        assert body == c.get(servers["main"].url("/redirect/3")).content


def test_cancelled_streams_give_their_connection_window_back(servers, settings):
    """Thirty 16 MB streams left after their first chunk (each reset with up
    to a stream window, 8 MiB, of its data still on the way), then a 40 MB
    body on the same HTTP/2 connection: the client gives the connection's
    32 MiB window back for data it drops, or this last one would stall."""
    with HttpClient(trust_manager=settings.trust_manager(), request_timeout=30) as c:
        for _ in range(30):
            with c.stream("GET", servers["main"].url("/bytes/16000000")) as r:
                next(r.iter_bytes())
        r = c.get(servers["main"].url("/bytes/40000000"))
        assert r.status == 200 and len(r.content) == 40_000_000
        assert c.connections_opened == 1


def test_stream_lines_and_text(servers, client):
    body = "ligne un\nzwei é\r\nthree"
    with client.stream("POST", servers["main"].url("/echo"), content=body.encode(),
                       headers={"Content-Type": "text/plain; charset=utf-8"}) as r:
        assert r.encoding == "utf-8"
        assert list(r.iter_lines()) == ["ligne un", "zwei é", "three"]


@pytest.mark.parametrize("server", ["main", "h1"])
def test_stream_slow_reader_holds_the_transfer_back(servers, client, server):
    """A reader that stops reading pauses the transfer: while it sleeps, what
    arrives stays within the sink's high-water mark plus what was already in
    flight (one HTTP/2 stream window, or a few TLS records), instead of the
    whole 64 MB; once it reads again the body completes, intact."""
    n = 64 << 20
    srv = servers[server]
    with client.stream("GET", srv.url(f"/bytes/{n}")) as r:
        assert r.http_version == ("2" if server == "main" else "1.1")
        it = r.iter_bytes()
        got = len(next(it))
        time.sleep(1.0)  # enough for the whole body on loopback if not held back
        held = r.bytes_received
        in_flight = (8 << 20) if server == "main" else (1 << 20)
        assert held <= r._sink.HIGH + in_flight, held
        assert r._sink.pauses >= 1
        tail = b""
        for chunk in it:
            got += len(chunk)
            tail = (tail + chunk)[-52:]
    assert got == n and tail == pattern(n)[-52:]
    assert r.bytes_received == n


def test_batch_of_ten_thousand_on_one_connection(fresh_server, settings):
    n = 10_000
    with HttpClient(trust_manager=settings.trust_manager()) as watcher:
        before = stats(watcher, fresh_server)
        with HttpClient(trust_manager=settings.trust_manager()) as c:
            t = time.monotonic()
            results = c.batch([("GET", fresh_server.url("/bytes/100"))] * n)
            elapsed = time.monotonic() - t
            assert c.connections_opened == 1
        after = stats(watcher, fresh_server)
        extra_watcher = watcher.connections_opened - 1  # 0 when it kept its connection
    assert len(results) == n
    bad = [r for r in results if not isinstance(r, sslbind.Response)]
    assert not bad, bad[:3]
    expect = pattern(100)
    assert all(r.status == 200 and r.content == expect and r.http_version == "2"
               for r in results)
    assert after["connections"] == before["connections"] + 1 + extra_watcher
    assert after["requests"] == before["requests"] + n + 1
    print(f"batch: {n} requests in {elapsed:.2f}s")


def test_batch_reports_each_outcome_in_order(servers, client):
    res = client.batch([("GET", servers["main"].url("/bytes/1")),
                        ("GET", "nonsense://x"),
                        ("POST", servers["main"].url("/echo"), {"content": b"hi"}),
                        # on a connection of its own: garbage ends an h2 connection
                        ("GET", servers["main"].url("/fault/garbage"), {"http": "http/1.1"}),
                        ("GET", servers["main"].url("/delay/2000"))], timeout=1.0)
    assert res[0].content == b"a"
    assert isinstance(res[1], sslbind.InvalidURL)
    assert res[2].content == b"hi"
    assert isinstance(res[3], sslbind.ProtocolError)
    assert isinstance(res[4], sslbind.TimeoutError)


def test_asyncio_ten_thousand_gathered(fresh_server, settings):
    n = 10_000
    watcher = HttpClient(trust_manager=settings.trust_manager())
    before = stats(watcher, fresh_server)

    async def main():
        async with sslbind.AsyncHttpClient(trust_manager=settings.trust_manager()) as c:
            url = fresh_server.url("/bytes/100")
            results = await asyncio.gather(*(c.get(url) for _ in range(n)))
            assert c.connections_opened == 1
            return results

    t = time.monotonic()
    results = asyncio.run(main())
    elapsed = time.monotonic() - t
    after = stats(watcher, fresh_server)
    extra_watcher = watcher.connections_opened - 1
    watcher.close()
    assert len(results) == n and all(r.content == pattern(100) for r in results)
    assert after["connections"] == before["connections"] + 1 + extra_watcher
    print(f"asyncio: {n} requests in {elapsed:.2f}s, {threading.active_count()} threads")


def test_asyncio_cancel_and_timeout(servers, client):
    async def main():
        task = asyncio.ensure_future(client.aget(servers["main"].url("/delay/5000")))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(sslbind.TimeoutError):
            await client.aget(servers["main"].url("/delay/5000"), timeout=0.2)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.aget(servers["main"].url("/delay/5000")), 0.2)
        r = await client.apost(servers["main"].url("/echo"), json=[1])
        return r.json()

    t = time.monotonic()
    assert asyncio.run(main()) == [1]
    assert time.monotonic() - t < 4


def test_asyncio_close_ends_requests_in_flight(servers, settings):
    c = sslbind.AsyncHttpClient(trust_manager=settings.trust_manager())

    async def main():
        slow = [asyncio.ensure_future(c.get(servers["main"].url("/delay/10000")))
                for _ in range(20)]
        quick = await c.get(servers["main"].url("/bytes/4"))
        await asyncio.sleep(0.2)
        await c.aclose()
        return quick, await asyncio.gather(*slow, return_exceptions=True)

    t = time.monotonic()
    quick, slow = asyncio.run(main())
    assert time.monotonic() - t < 5
    assert quick.content == b"abcd"
    assert all(isinstance(e, sslbind.CancelledError) for e in slow), slow[:3]


def test_closed_async_clients_leave_no_descriptors(servers, settings):
    """Each client's completion queue (and its descriptor) goes with it."""
    tm = settings.trust_manager()

    async def one():
        c = sslbind.AsyncHttpClient(trust_manager=tm)
        assert (await c.get(servers["main"].url("/bytes/1"))).content == b"a"
        await c.aclose()

    async def main():
        for _ in range(10):
            await one()
        before = len(os.listdir("/proc/self/fd"))
        for _ in range(100):
            await one()
        await asyncio.sleep(0)  # the last close's drain runs on the loop
        return before, len(os.listdir("/proc/self/fd"))

    before, after = asyncio.run(main())
    assert after <= before + 2, (before, after)


def test_asyncio_one_client_across_event_loops(servers, settings):
    c = sslbind.AsyncHttpClient(trust_manager=settings.trust_manager())

    async def some(n):
        rs = await asyncio.gather(*(c.get(servers["main"].url(f"/bytes/{k}"))
                                    for k in range(1, n + 1)))
        return [len(r.content) for r in rs]

    for _ in range(3):  # each asyncio.run has a loop of its own
        assert asyncio.run(some(30)) == list(range(1, 31))
    # a loop closed while its requests still run: close() ends them all
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.sleep(0))
    futs = [loop.create_task(c.get(servers["main"].url("/delay/10000"))) for _ in range(5)]
    loop.run_until_complete(asyncio.sleep(0.2))
    for f in futs:
        f.cancel()
    loop.run_until_complete(asyncio.gather(*futs, return_exceptions=True))
    loop.close()
    assert asyncio.run(some(3)) == [1, 2, 3]
    c.close()
    with pytest.raises(ValueError):
        asyncio.run(some(1))


def test_blocking_calls_overlap_in_threads(servers, client):
    """8 threads each block in GET /delay/300: with the GIL released during
    sslb_client_execute, every call starts before any ends."""
    intervals = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        start = time.monotonic()
        r = client.get(servers["main"].url("/delay/300"))
        end = time.monotonic()
        assert r.status == 200
        with lock:
            intervals.append((start, end))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(intervals) == 8
    assert max(s for s, _ in intervals) < min(e for _, e in intervals), intervals


def close_during_a_blocking_call(c, url):
    """close() while another thread blocks in c.get(url): the call ends in
    CancelledError and close() returns, both within seconds."""
    out = []

    def call():
        try:
            out.append(c.get(url))
        except Exception as e:  # noqa: BLE001
            out.append(e)

    t = threading.Thread(target=call)
    t.start()
    time.sleep(0.3)
    start = time.monotonic()
    c.close()
    t.join(10)
    assert time.monotonic() - start < 5
    assert isinstance(out[0], sslbind.CancelledError), out


def test_close_cancels_calls_in_other_threads(servers, settings):
    c = HttpClient(trust_manager=settings.trust_manager())
    close_during_a_blocking_call(c, servers["main"].url("/delay/10000"))
    with pytest.raises(ValueError):
        c.get(servers["main"].url())


def test_blocking_calls_on_a_kept_alive_connection_end_early(servers, settings):
    """A blocking GET that reuses an idle HTTP/1.1 connection runs on the
    calling thread: close() from another thread and the request timeout
    still end it."""
    c = HttpClient(trust_manager=settings.trust_manager(), http="http/1.1",
                   request_timeout=1.5)
    assert c.get(servers["main"].url("/bytes/2")).content == b"ab"
    t = time.monotonic()
    with pytest.raises(sslbind.TimeoutError):
        c.get(servers["main"].url("/delay/10000"))
    assert time.monotonic() - t < 5
    assert c.get(servers["main"].url("/bytes/3")).content == b"abc"
    close_during_a_blocking_call(c, servers["main"].url("/delay/10000"))


def test_close_cancels_batches_in_other_threads(servers, settings):
    c = HttpClient(trust_manager=settings.trust_manager())
    out = {}

    def run(k):
        out[k] = c.batch([("GET", servers["main"].url("/bytes/3"))] * 10
                         + [("GET", servers["main"].url("/delay/10000"))] * 10)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    start = time.monotonic()
    c.close()  # cancels what runs, waits for the batches to return
    for t in threads:
        t.join(10)
    assert time.monotonic() - start < 5
    for k in range(3):
        res = out[k]
        assert len(res) == 20
        # the quick ones have most likely ended before close(); either way,
        # each request has exactly one outcome
        assert all(isinstance(r, sslbind.CancelledError) or r.content == b"abc"
                   for r in res[:10]), res[:3]
        assert all(isinstance(r, sslbind.CancelledError) for r in res[10:]), res[10:13]
    with pytest.raises(ValueError):
        c.batch([("GET", servers["main"].url())])


def test_batches_from_many_threads_at_once(servers, client):
    out = {}

    def run(k):
        out[k] = client.batch([("GET", servers["main"].url(f"/bytes/{1 + (i + k) % 50}"))
                               for i in range(500)])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for k in range(4):
        assert [len(r.content) for r in out[k]] == [1 + (i + k) % 50 for i in range(500)]


def test_responses_and_tls_facts(servers, client):
    r1 = client.get(servers["main"].url("/bytes/26"))
    with r1:
        assert r1.content == pattern(26) and r1.ok
        assert len(r1.tls.chain) == 1 and r1.tls.chain[0].spki_pin.startswith("sha256/")
        assert r1.tls.resumed in (False, True)
    assert r1.closed and r1.content == pattern(26)  # copied, still readable
    assert "26 bytes" in repr(r1)


class Broken(Exception):
    pass


def test_a_raising_body_reader_surfaces_its_exception(servers, client):
    def body():
        yield b"first part"
        raise Broken("disk on fire")

    with pytest.raises(Broken, match="disk on fire") as ei:
        client.post(servers["main"].url("/echo"), content=body(), http="http/1.1")
    assert isinstance(ei.value.__cause__, sslbind.CancelledError)
    assert client.get(servers["main"].url()).status == 200


@pytest.fixture
def connect_proxy():
    """A minimal HTTP CONNECT proxy on 127.0.0.1 that records its tunnels."""
    import socket
    import socketserver

    tunnels = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                data += chunk
            line = data.split(b"\r\n", 1)[0].decode()
            method, target, _ = line.split(" ", 2)
            assert method == "CONNECT"
            tunnels.append(target)
            host, port = target.rsplit(":", 1)
            up = socket.create_connection(("127.0.0.1", int(port)))
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            socks = [self.request, up]
            import select
            while True:
                r, _, _ = select.select(socks, [], [], 10)
                if not r:
                    break
                for s in r:
                    b = s.recv(65536)
                    if not b:
                        up.close()
                        return
                    (up if s is self.request else self.request).sendall(b)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", tunnels
    srv.shutdown()
    srv.server_close()


def test_proxy_and_no_proxy(servers, settings, connect_proxy):
    url, tunnels = connect_proxy
    with HttpClient(trust_manager=settings.trust_manager(), proxy=url) as c:
        r = c.get(servers["main"].url())
        assert r.status == 200 and r.tls.chain[0].subject == "CN=localhost,O=Ktor page"
    assert tunnels == [f"localhost:{servers['main'].port}"]
    with HttpClient(trust_manager=settings.trust_manager(), proxy=url, no_proxy=["localhost"]) as c:
        assert c.get(servers["main"].url()).status == 200
    assert len(tunnels) == 1
    with pytest.raises(sslbind.InvalidURL):
        HttpClient(proxy="http://user:secret@127.0.0.1:1")


def test_head_callback_that_refuses_stops_the_transfer(servers, client):
    """The C head callback, straight through ctypes: it sees the status of
    the final head; returning non-zero ends the request with CANCELLED
    naming the callback, and the client goes on. Resuming a request that is
    not paused does nothing."""
    import ctypes
    from sslbind import _ffi
    seen = []

    @_ffi.HEAD_FN
    def head(ud, resp):
        seen.append(_ffi.sslb_response_status(_ffi.ResponsePtr(resp)))
        return 1

    req = _ffi.new_handle(_ffi.sslb_request_new, _ffi.RequestPtr, b"GET",
                          servers["main"].url("/bytes/100000").encode())
    try:
        _ffi.sslb_request_set_head_callback(req, head, None)
        _ffi.sslb_client_resume(client._c._p, req)
        out = _ffi.ResponsePtr()
        with pytest.raises(sslbind.CancelledError, match="head callback stopped"):
            _ffi.sslb_client_execute(client._c._p, req, ctypes.byref(out))
        assert seen == [200]
    finally:
        _ffi.sslb_request_free(req)
    assert client.get(servers["main"].url()).status == 200
