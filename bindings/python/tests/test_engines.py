"""The engine styles, each as the Ktor page writes it, against sslb-testserver
serving a keytool-made keystore.jks that SslSettings trusts: the protocol
each implies, and what each style changes (Apache's hostname policies,
Jetty's endpoint identification, CIO's serverName and addKeyStore, Android's
per-connection callback, OkHttp's pins and hostname verifier), plus mutual
TLS through a KeyManager in an SSLContext."""
import pytest

import sslbind
from sslbind import (CIO, Android, Apache, CertificatePinner, HttpClient, Java, Jetty, Native,
                     OkHttp, SslContextFactory)
from conftest import PW


def engines(settings):
    """name -> (engine, implied HTTP version), each the Ktor page's snippet."""
    ctx = settings.ssl_context()
    return {
        "Apache": (Apache(ssl_context=ctx), "2"),
        "Java": (Java(config=lambda b: b.ssl_context(ctx)), "2"),
        "Jetty": (Jetty(ssl_context_factory=SslContextFactory.Client(ssl_context=ctx)), "2"),
        "CIO": (CIO(https=lambda t: setattr(t, "trust_manager", settings.trust_manager())),
                "1.1"),
        "Android": (Android(ssl_manager=lambda conn: setattr(
            conn, "ssl_socket_factory", settings.ssl_context().socket_factory)), "1.1"),
        "OkHttp": (OkHttp(config=lambda b: b.ssl_socket_factory(
            ctx.socket_factory, settings.trust_manager())), "2"),
        "Native": (Native(ssl_context=ctx), "2"),
    }


@pytest.mark.parametrize("name", ["Apache", "Java", "Jetty", "CIO", "Android", "OkHttp", "Native"])
def test_each_engine_style_trusts_keystore_jks(servers, settings, name):
    engine, version = engines(settings)[name]
    with HttpClient(engine) as client:
        r = client.get(servers["main"].url())
        assert r.status == 200 and r.text == "hello from sslb-testserver\n"
        assert r.http_version == version
        assert r.tls.alpn == ("h2" if version == "2" else "http/1.1")
        assert r.tls.version in ("TLS1.3", "TLS1.2") and r.tls.cipher
        assert r.tls.chain[0].subject == "CN=localhost,O=Ktor page"
        assert client.engine.name == name


def test_every_style_refuses_an_untrusted_server(servers, pki):
    """SslSettings over a store that lacks the server's certificate."""
    other = sslbind.SslSettings(pki / "stranger.jks", PW)
    for name, (engine, _) in engines(other).items():
        with HttpClient(engine) as client, pytest.raises(sslbind.CertificateVerifyError) as ei:
            client.get(servers["main"].url())
        assert ei.value.reason == "CERT_SELF_SIGNED", name
        assert ei.value.host == "localhost"
        assert ei.value.chain[0]["subject"] == "CN=localhost,O=Ktor page"


def test_jetty_endpoint_identification_off(servers, pki):
    s = sslbind.SslSettings(pki / "localhost-only.jks", PW)
    url = servers["named"].url(host="127.0.0.1")
    strict = Jetty(ssl_context_factory=SslContextFactory.Client(ssl_context=s.ssl_context()))
    with HttpClient(strict) as c, pytest.raises(sslbind.CertificateVerifyError) as ei:
        c.get(url)
    assert ei.value.reason == "CERT_HOSTNAME_MISMATCH"
    loose = Jetty(ssl_context_factory=SslContextFactory.Client().apply(
        lambda f: (setattr(f, "ssl_context", s.ssl_context()),
                   setattr(f, "endpoint_identification_algorithm", None))))
    with HttpClient(loose) as c:
        assert c.get(url).status == 200


def test_jetty_is_h2_only_and_cio_http1_only(servers, settings):
    eng = Jetty(ssl_context_factory=SslContextFactory.Client(ssl_context=settings.ssl_context()))
    with HttpClient(eng) as c, pytest.raises(sslbind.ProtocolError) as ei:
        c.get(servers["h1"].url())
    assert "HTTP/2" in ei.value.message
    cio = CIO(https=lambda t: setattr(t, "trust_manager", settings.trust_manager()))
    with HttpClient(cio) as c:
        assert c.get(servers["h1"].url()).http_version == "1.1"


def test_apache_hostname_policies(servers, pki):
    s = sslbind.SslSettings(pki / "localhost-only.jks", PW)
    for policy, words in (("BUILTIN", "certificate verification failed"),
                          ("CLIENT", "checked by the client after the handshake"),
                          ("BOTH", "certificate verification failed")):
        eng = Apache(ssl_context=s.ssl_context(), ssl_hostname_verification_policy=policy)
        with HttpClient(eng) as c:
            with pytest.raises(sslbind.CertificateVerifyError) as ei:
                c.get(servers["named"].url(host="127.0.0.1"))
            assert ei.value.reason == "CERT_HOSTNAME_MISMATCH" and words in ei.value.message
            assert ei.value.host == "127.0.0.1"
            assert c.get(servers["named"].url()).status == 200
    with pytest.raises(ValueError):
        HttpClient(Apache(ssl_hostname_verification_policy="SOMETIMES"))


def test_cio_server_name(servers, pki):
    s = sslbind.SslSettings(pki / "localhost-only.jks", PW)
    url = servers["named"].url(host="127.0.0.1")

    def https(server_name):
        def configure(t):
            t.trust_manager = s.trust_manager()
            t.server_name = server_name
        return CIO(https=configure)

    with HttpClient(https(None)) as c, pytest.raises(sslbind.CertificateVerifyError):
        c.get(url)
    with HttpClient(https("localhost")) as c:
        assert c.get(url).status == 200
    with HttpClient(https("other.example")) as c, \
            pytest.raises(sslbind.CertificateVerifyError) as ei:
        c.get(servers["named"].url())
    assert ei.value.reason == "CERT_HOSTNAME_MISMATCH" and ei.value.host == "other.example"


def test_mtls_through_cio_add_key_store(servers, settings, pki):
    ident = sslbind.KeyStore.load(pki / "client.p12", PW)

    def https(t):
        t.trust_manager = settings.trust_manager()
        t.add_key_store(ident, alias="client")

    with HttpClient(CIO(https=https)) as c:
        r = c.get(servers["mtls"].url("/client-cert"))
        assert r.status == 200 and "CN=sslbind client" in r.text
    # without one, the server that requires it refuses the handshake
    with HttpClient(CIO(https=lambda t: setattr(t, "trust_manager", settings.trust_manager()))) \
            as c, pytest.raises(sslbind.TLSError):
        c.get(servers["mtls"].url("/client-cert"))


def test_mtls_through_key_manager_and_ssl_context(servers, settings, pki):
    ident = sslbind.KeyStore.load(pki / "client.p12", PW)
    km = sslbind.KeyManager(ident, alias="client")
    ctx = sslbind.SSLContext(key_manager=km, trust_manager=settings.trust_manager_factory()
                             .trust_managers)
    ident.close()
    km.close()  # the context holds its own references
    assert ctx.key_manager.aliases == ["client"]
    for engine in (Apache(ssl_context=ctx), Java(config=lambda b: b.ssl_context(ctx)),
                   OkHttp(config=lambda b: b.ssl_socket_factory(ctx.socket_factory,
                                                                ctx.trust_manager))):
        with HttpClient(engine) as c:
            r = c.get(servers["mtls"].url("/client-cert"))
            assert r.status == 200 and r.text.strip().endswith("CN=sslbind client"), r.text
    # the optional-certificate server reports none without a key manager
    with HttpClient(Apache(ssl_context=settings.ssl_context())) as c:
        assert c.get(servers["main"].url("/client-cert")).text.strip() == "none"
    # client-level identity
    with HttpClient(trust_manager=settings.trust_manager(),
                    identity=(sslbind.KeyStore.load(pki / "client.p12", PW), "client")) as c:
        assert "CN=sslbind client" in c.get(servers["mtls"].url("/client-cert")).text


def test_okhttp_certificate_pinner(servers, settings):
    pin = settings.key_store().entries[0].chain[0].spki_pin
    wrong = "sha256/" + "A" * 43 + "="
    url = servers["main"].url()

    def okhttp(pinner, verifier=None):
        def config(b):
            b.ssl_socket_factory(settings.ssl_context().socket_factory, settings.trust_manager())
            b.certificate_pinner(pinner)
            if verifier:
                b.hostname_verifier(verifier)
        return OkHttp(config=config)

    for pinner in (CertificatePinner({"localhost": [pin]}),
                   CertificatePinner.Builder().add("**.localhost", pin).build(),
                   CertificatePinner({"*.example.com": [wrong]})):
        with HttpClient(okhttp(pinner)) as c:
            assert c.get(url).status == 200
    with HttpClient(okhttp(CertificatePinner({"localhost": [wrong]}))) as c:
        with pytest.raises(sslbind.CertificateVerifyError) as ei:
            c.get(url)
        assert ei.value.reason == "CERT_PIN_MISMATCH" and pin in ei.value.message
    # a hostname verifier replaces the name check, not the pins
    seen = []
    verifier = lambda host, chain: seen.append((host, chain[0].subject)) or True  # noqa: E731
    with HttpClient(okhttp(CertificatePinner({"localhost": [wrong]}), verifier)) as c:
        with pytest.raises(sslbind.CertificateVerifyError) as ei:
            c.get(url)
        assert ei.value.reason == "CERT_PIN_MISMATCH"
        assert c.get(servers["main"].url(host="127.0.0.1")).status == 200
    assert ("127.0.0.1", "CN=localhost,O=Ktor page") in seen


def test_android_ssl_manager_sees_each_connection(servers, pki, settings):
    """The callback runs per new connection (host, port) and may set the
    factory and a hostname verifier; the factory decides trust."""
    seen = []
    ctx = settings.ssl_context()

    def ssl_manager(conn):
        seen.append((conn.host, conn.port))
        conn.ssl_socket_factory = ctx.socket_factory
        conn.hostname_verifier = lambda host, chain: host == "127.0.0.1"

    named = sslbind.SslSettings(pki / "localhost-only.jks", PW)
    with HttpClient(Android(ssl_manager=ssl_manager)) as c:
        assert c.get(servers["main"].url(host="127.0.0.1")).status == 200
        assert c.get(servers["main"].url(host="127.0.0.1", path="/bytes/3")).content == b"abc"
        with pytest.raises(sslbind.CertificateVerifyError) as ei:
            c.get(servers["main"].url())
        assert ei.value.reason == "CERT_HOSTNAME_MISMATCH"
    assert seen[:2] == [("127.0.0.1", servers["main"].port), ("localhost", servers["main"].port)]

    def strict(conn):
        conn.ssl_socket_factory = named.ssl_context().socket_factory

    with HttpClient(Android(ssl_manager=strict)) as c:
        assert c.get(servers["named"].url()).status == 200
        with pytest.raises(sslbind.CertificateVerifyError):
            c.get(servers["main"].url())  # keystore.jks is not what `named` trusts


def test_java_ssl_parameters(servers, settings):
    ctx = settings.ssl_context()
    eng = Java(config=lambda b: b.ssl_context(ctx).ssl_parameters(
        protocols=["TLSv1.2"], cipher_suites=["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"]))
    with HttpClient(eng) as c:
        r = c.get(servers["main"].url())
        assert r.tls.version == "TLS1.2" and "AES_128_GCM" in r.tls.cipher.upper().replace("-", "_")
    with pytest.raises(sslbind.UnsupportedError):
        HttpClient(Java(config=lambda b: b.ssl_context(ctx).ssl_parameters(protocols="TLSv1")))


def test_a_setter_the_style_lacks_is_refused():
    """CIO takes no SSL context: C says what it takes instead."""
    class Wrong(CIO):
        def _configure(self, e, info):
            sslbind._ffi.sslb_engine_set_ssl_context(e, None)
            return []
    with pytest.raises(sslbind.InvalidArgument) as ei:
        HttpClient(Wrong())
    assert "CIO" in ei.value.message and "trustManager" in ei.value.message


def test_jetty_lists_and_okhttp_specs(servers, settings):
    ctx = settings.ssl_context()
    f = SslContextFactory.Client(ssl_context=ctx, exclude_protocols=["TLSv1.3"],
                                 include_cipher_suites=["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"])
    with HttpClient(Jetty(ssl_context_factory=f)) as c:
        r = c.get(servers["main"].url())
        assert r.tls.version == "TLS1.2" and "256" in r.tls.cipher and r.http_version == "2"
    with pytest.raises(sslbind.InvalidArgument):
        HttpClient(Jetty(ssl_context_factory=SslContextFactory.Client(
            ssl_context=ctx, exclude_protocols=["(unclosed"])))
    ok = OkHttp(config=lambda b: b.ssl_socket_factory(ctx.socket_factory, ctx.trust_manager)
                .connection_specs([sslbind.ConnectionSpec.RESTRICTED_TLS])
                .protocols([sslbind.Protocol.HTTP_1_1]))
    with HttpClient(ok) as c:
        assert c.get(servers["main"].url()).http_version == "1.1"
