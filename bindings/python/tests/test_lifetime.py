"""Lifetimes: wrappers finalized in any order (C reference counts keep shared
objects alive), callbacks kept alive while C may call them, a client closed
from inside its own callback, interpreter exit with requests in flight, and
a create/close loop whose memory must stay flat."""
import gc
import itertools
import os
import subprocess
import sys
import textwrap
import threading

import pytest

import sslbind
from sslbind import _callbacks
from conftest import HERE, PW

PRELUDE = f"""
import gc, itertools, os, sys, threading, time
sys.path.insert(0, {str(HERE.parent)!r})
import sslbind
from sslbind import *
PW = {PW!r}
"""


def run_script(body, *args, timeout=120):
    code = PRELUDE + textwrap.dedent(body)
    p = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                       text=True, timeout=timeout, env=dict(os.environ))
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def test_finalizers_in_every_order(servers, pki):
    """Settings, context, socket factory, trust manager (with a verify
    callback), engine and client dropped in all 120 orders of five, with a
    request made first; gc.collect() between drops; then a new request."""
    out = run_script("""
        ks_path, url = sys.argv[1], sys.argv[2]
        names = ["settings", "ctx", "factory", "tm", "client"]
        n = 0
        for order in itertools.permutations(names):
            objs = {}
            objs["settings"] = SslSettings(ks_path, PW)
            objs["ctx"] = objs["settings"].ssl_context()
            objs["factory"] = objs["ctx"].socket_factory
            objs["tm"] = (TrustManager.builder().init_from(objs["settings"].trust_manager())
                          .verify_callback(lambda h, c, v, r: None).build())
            f, tm = objs["factory"], objs["tm"]
            objs["client"] = HttpClient(OkHttp(config=lambda b: b.ssl_socket_factory(f, tm)))
            del f, tm
            r = objs["client"].get(url)
            assert r.status == 200
            del r
            for name in order:
                del objs[name]
                gc.collect()
            n += 1
        s = SslSettings(ks_path, PW)
        with HttpClient(Apache(ssl_context=s.ssl_context())) as c:
            assert c.get(url).status == 200
        print("orders", n, "registry", len(sslbind._callbacks._registry))
    """, pki / "keystore.jks", servers["main"].url())
    assert "orders 120 registry 0" in out, out


def test_borrowed_objects_outlive_their_owner(servers, pki):
    s = sslbind.SslSettings(pki / "keystore.jks", PW)
    ks = s.key_store()
    ctx = s.ssl_context()
    tm = ctx.trust_manager
    factory = ctx.socket_factory
    s.close()
    del ctx
    gc.collect()
    assert ks.entries[0].alias == "samplealias"  # the settings' C object lives on
    assert factory.context.protocols
    with sslbind.HttpClient(trust_manager=tm) as c:
        assert c.get(servers["main"].url()).status == 200
    with pytest.raises(ValueError):
        s.ssl_context()


def test_callbacks_live_as_long_as_c_may_call_them(servers, settings):
    """The Python wrappers of a trust manager with a verify callback are
    gone; the client still calls the callback (kept through the client)."""
    calls = []
    tm = (sslbind.TrustManager.builder().init_from(settings.trust_manager())
          .verify_callback(lambda h, c, v, r: calls.append(h)).build())
    ctx = sslbind.SSLContext(trust_manager=tm)
    client = sslbind.HttpClient(sslbind.Apache(ssl_context=ctx))
    del tm, ctx
    gc.collect()
    assert client.get(servers["main"].url()).status == 200
    assert calls == ["localhost"]
    before = len(_callbacks._registry)
    client.close()
    del client
    gc.collect()
    assert len(_callbacks._registry) == before - 1


def test_closing_a_client_from_its_own_callback(servers, settings):
    """close() on the I/O thread must not join that thread: it is deferred."""
    holder = {}

    def verifier(host, chain):
        holder["c"].close()
        return True

    c = sslbind.HttpClient(trust_manager=settings.trust_manager(), hostname_verifier=verifier)
    holder["c"] = c
    done = threading.Event()
    result = []

    def go():
        try:
            result.append(c.get(servers["main"].url()))
        except Exception as e:  # noqa: BLE001
            result.append(e)
        done.set()

    threading.Thread(target=go, daemon=True).start()
    assert done.wait(20), "deadlock"
    for _ in range(100):
        if c.closed:
            break
        threading.Event().wait(0.05)
    assert c.closed
    assert isinstance(result[0], (sslbind.Response, sslbind.CancelledError))


def test_gc_of_a_client_inside_a_callback(servers, settings):
    """The last reference to a client dropped on another client's I/O thread:
    its C free runs on a helper thread."""
    victim = [sslbind.HttpClient(trust_manager=settings.trust_manager())]

    def verify(host, chain, verdict, report):
        victim.clear()
        gc.collect()
        return None

    tm = (sslbind.TrustManager.builder().init_from(settings.trust_manager())
          .verify_callback(verify).build())
    with sslbind.HttpClient(trust_manager=tm) as c:
        assert c.get(servers["main"].url()).status == 200
    assert not victim


def test_exit_with_requests_in_flight(servers, pki):
    out = run_script("""
        import asyncio
        s = SslSettings(sys.argv[1], PW)
        c = HttpClient(Native(ssl_context=s.ssl_context()))
        url = sys.argv[2]
        threading.Thread(target=lambda: c.get(url + "delay/10000"), daemon=True).start()
        async def main():
            c2 = AsyncHttpClient(trust_manager=s.trust_manager())
            asyncio.ensure_future(c2.get(url + "delay/10000"))
            await asyncio.sleep(0.3)
        asyncio.run(main())
        st = c.stream("GET", url + "bytes/50000000")
        r = st.__enter__()
        next(r.iter_bytes())
        print("exiting", flush=True)
    """, pki / "keystore.jks", servers["main"].url(), timeout=30)
    assert "exiting" in out


def test_leak_check_create_close_loop(servers, pki, capsys):
    """Clients, contexts and responses made and closed 10,000 times (20,000
    clients, each with its own handshake): RSS after must stay within 1 MiB
    of RSS after a 300-round warm-up, about 50 bytes a round. Threads are
    reused, so GnuTLS's per-thread state does not pile up."""
    out = run_script("""
        ks_path, url = sys.argv[1], sys.argv[2]
        page = os.sysconf("SC_PAGE_SIZE")
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * page
        s = SslSettings(ks_path, PW)
        tm = s.trust_manager()
        def round_():
            ctx = SSLContext(trust_manager=tm)
            calls = []
            tm2 = (TrustManager.builder().init_from(tm)
                   .verify_callback(lambda h, c, v, r: calls.append(1)).build())
            with HttpClient(Apache(ssl_context=ctx)) as c:
                with c.get(url) as r:
                    assert r.status == 200 and r.tls.chain
            with HttpClient(trust_manager=tm2) as c:
                r = c.get(url)
                assert r.status == 200 and calls == [1]
            ctx.close()
            tm2.close()
        for _ in range(300):
            round_()
        gc.collect()
        base = rss()
        t = time.monotonic()
        for _ in range(10000):
            round_()
        gc.collect()
        after = rss()
        print(f"rss_base {base} rss_after {after} delta {after - base} "
              f"seconds {time.monotonic() - t:.1f} registry {len(sslbind._callbacks._registry)}")
    """, pki / "keystore.jks", servers["main"].url(), timeout=900)
    fields = out.split()
    base, after = int(fields[1]), int(fields[3])
    with capsys.disabled():
        print(f"\nleak check (10000 rounds, 20000 clients): {out.strip()}")
    assert "registry 0" in out
    assert after - base < 1024 * 1024, out
