"""The engine styles (examples/c/, one program per Ktor engine) against the
project's test server serving a keytool-made keystore.jks (password foobar),
trusted through sslbind loading that same file: the Ktor page's scenario.
Also what each style changes: the protocol it implies, CIO's serverName,
Jetty's endpoint identification, Apache's hostname policies, OkHttp's pins
and mutual TLS through CIO's addKeyStore."""
import os
import re
import subprocess

import pytest

from conftest import BUILD, PW, keytool, run, sk
from test_client import nginx  # noqa: F401 (the fixture)
from test_testserver import ServerProcess, SANITIZER_REPORT

ENGINES = {"apache": "2", "java": "2", "jetty": "2", "okhttp": "2", "native": "2",
           "cio": "1.1", "android": "1.1"}


def engine(name, *args, check=True):
    p = subprocess.run([str(BUILD / f"engine-{name}"), *map(str, args)], capture_output=True,
                       text=True, timeout=120)
    assert not SANITIZER_REPORT.search(p.stderr.encode()), p.stderr
    if check and p.returncode != 0:
        raise AssertionError(f"engine-{name} failed: {p.stderr}")
    return p


def result(p):
    """The engine line as a dict, or the error code and message."""
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if f[0] == "engine":
            return dict(zip(f[0::2], f[1::2]))
    m = re.search(r"^error\t(\w+)\t(.*)", p.stderr, re.M | re.S)
    assert m, p.stderr
    return {"error": m.group(1), "message": m.group(2)}


def make_jks(path, san, org):
    keytool("-genkeypair", "-keystore", path, "-storetype", "JKS", "-storepass", PW,
            "-keypass", PW, "-alias", "sampleAlias", "-keyalg", "EC", "-groupname", "secp256r1",
            "-dname", f"CN=localhost, O={org}", "-ext", f"SAN={san}", "-validity", "30")


@pytest.fixture(scope="module")
def site(tmp_path_factory, pki):
    """keystore.jks for localhost and 127.0.0.1, another for localhost only,
    and a server for each (the second one asks for client certificates)."""
    d = tmp_path_factory.mktemp("engines")
    make_jks(d / "keystore.jks", "dns:localhost,ip:127.0.0.1", "Ktor page")
    make_jks(d / "localhost-only.jks", "dns:localhost", "named only")
    ca_dir, _ = pki
    main = ServerProcess(d / "main.log", "--keystore", d / "keystore.jks", "--password", PW)
    named = ServerProcess(d / "named.log", "--keystore", d / "localhost-only.jks",
                          "--password", PW, "--client-ca", ca_dir / "ca.pem")
    h1only = ServerProcess(d / "h1.log", "--keystore", d / "keystore.jks", "--password", PW,
                           "--alpn", "http/1.1")
    yield d, main.port, named.port, h1only.port
    for s in (main, named, h1only):
        s.stop()


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_each_engine_trusts_keystore_jks(site, name):
    d, port, _, _ = site
    r = result(engine(name, f"https://localhost:{port}/", d / "keystore.jks", PW))
    assert r["status"] == "200" and r["verified"] == "yes"
    assert r["version"] == ENGINES[name], r
    assert r["tls"] in ("TLS1.3", "TLS1.2")


def test_engines_refuse_an_untrusted_server(site, tmp_path):
    """A keystore that does not hold the server's certificate: every style
    fails the same way, naming the reason."""
    d, port, _, _ = site
    make_jks(tmp_path / "other.jks", "dns:localhost", "someone else")
    for name in ENGINES:
        r = result(engine(name, f"https://localhost:{port}/", tmp_path / "other.jks", PW,
                          check=False))
        assert r.get("error") in ("CERT_UNKNOWN_ISSUER", "CERT_SELF_SIGNED"), (name, r)


def test_jetty_is_h2_only_and_cio_http1_only(site):
    d, _, _, h1only = site
    r = result(engine("jetty", f"https://localhost:{h1only}/", d / "keystore.jks", PW,
                      check=False))
    assert r["error"] == "PROTOCOL" and "HTTP/2" in r["message"]
    r = result(engine("cio", f"https://localhost:{h1only}/", d / "keystore.jks", PW))
    assert r["version"] == "1.1"


def test_cio_server_name_changes_the_verified_name(site):
    """The certificate names localhost only: 127.0.0.1 fails, unless CIO's
    serverName says which name to verify (and send as SNI)."""
    d, _, named, _ = site
    url = f"https://127.0.0.1:{named}/"
    r = result(engine("cio", url, d / "localhost-only.jks", PW, check=False))
    assert r["error"] == "CERT_HOSTNAME_MISMATCH" and "127.0.0.1" in r["message"]
    r = result(engine("cio", url, d / "localhost-only.jks", PW, "localhost"))
    assert r["status"] == "200"
    r = result(engine("cio", f"https://localhost:{named}/", d / "localhost-only.jks", PW,
                      "other.example", check=False))
    assert r["error"] == "CERT_HOSTNAME_MISMATCH" and "other.example" in r["message"]


def test_jetty_endpoint_identification_off(site):
    d, _, named, _ = site
    url = f"https://127.0.0.1:{named}/"
    r = result(engine("jetty", url, d / "localhost-only.jks", PW, check=False))
    assert r["error"] == "CERT_HOSTNAME_MISMATCH"
    r = result(engine("jetty", url, d / "localhost-only.jks", PW, "no-identification"))
    assert r["status"] == "200"


def test_apache_hostname_policies(site):
    """BUILTIN fails in the handshake, CLIENT after it (the message says
    which); BOTH fails in the handshake first. All accept the right name."""
    d, _, named, _ = site
    url = f"https://127.0.0.1:{named}/"
    ks = d / "localhost-only.jks"
    builtin = result(engine("apache", url, ks, PW, "builtin", check=False))
    client = result(engine("apache", url, ks, PW, "client", check=False))
    both = result(engine("apache", url, ks, PW, "both", check=False))
    for r in (builtin, client, both):
        assert r["error"] == "CERT_HOSTNAME_MISMATCH", r
    assert "certificate verification failed" in builtin["message"]
    assert "checked by the client after the handshake" in client["message"]
    assert "certificate verification failed" in both["message"]
    for policy in ("builtin", "client", "both"):
        r = result(engine("apache", f"https://localhost:{named}/", ks, PW, policy))
        assert r["status"] == "200"


def test_okhttp_certificate_pinner(site):
    d, port, _, _ = site
    pins = [l.split("\t")[4] for l in sk("list", d / "keystore.jks", "--password", PW)
            .stdout.splitlines() if l.startswith("cert\t")]
    assert pins and pins[0].startswith("sha256/")
    url = f"https://localhost:{port}/"
    r = result(engine("okhttp", url, d / "keystore.jks", PW, "localhost", pins[0]))
    assert r["status"] == "200"
    r = result(engine("okhttp", url, d / "keystore.jks", PW, "**.localhost", pins[0]))
    assert r["status"] == "200"
    wrong = "sha256/" + "A" * 43 + "="
    r = result(engine("okhttp", url, d / "keystore.jks", PW, "localhost", wrong, check=False))
    assert r["error"] == "CERT_PIN_MISMATCH" and pins[0] in r["message"], r
    # a hostname verifier replaces the name check, not the pins
    r = result(engine("okhttp", url, d / "keystore.jks", PW, "localhost", wrong, "any-hostname",
                      check=False))
    assert r["error"] == "CERT_PIN_MISMATCH", r
    r = result(engine("okhttp", url.replace("localhost", "127.0.0.1"), d / "keystore.jks", PW,
                      "localhost", wrong, "any-hostname"))
    assert r["status"] == "200"  # the pin is for localhost, not 127.0.0.1
    # a pin for another host does not apply here
    r = result(engine("okhttp", url, d / "keystore.jks", PW, "*.example.com", wrong))
    assert r["status"] == "200"


@pytest.mark.parametrize("fmt", ["pkcs12", "jks", "pem"])
def test_cio_client_certificate(site, pki, tmp_path, fmt):
    """mTLS with CIO's addKeyStore, from a PKCS#12, a JKS and a PEM store:
    the server echoes the client certificate's subject."""
    d, _, named, _ = site
    ca_dir, _ = pki
    src = ca_dir / "client.p12"
    ident = tmp_path / f"client.{fmt}"
    if fmt == "pkcs12":
        ident = src
    else:
        sk("convert", src, ident, "--format", fmt, "--password", PW,
           *([] if fmt == "jks" else ["--out-password", PW]))
    url = f"https://localhost:{named}/client-cert"
    p = engine("cio", url, d / "localhost-only.jks", PW, "-", ident, "client")
    assert result(p)["status"] == "200"
    assert "CN=sslbind client" in p.stdout


@pytest.mark.parametrize("fmt", ["pkcs12", "jks", "pem"])
def test_mutual_tls_against_nginx(nginx, tmp_path, fmt):
    """nginx with ssl_verify_client on echoes the client certificate's DN
    for a key from PKCS#12, JKS or PEM; without one it answers 400."""
    d, _, _ = nginx
    port = (d / "mtls.port").read_text()
    ident = d / "client.p12"
    if fmt != "pkcs12":
        ident = tmp_path / f"client.{fmt}"
        sk("convert", d / "client.p12", ident, "--format", fmt, "--password", PW,
           *([] if fmt == "jks" else ["--out-password", PW]))
    url = f"https://localhost:{port}/dn"
    p = engine("cio", url, d / "ca.p12", PW, "-", ident, "client")
    assert result(p)["status"] == "200" and "CN=sslbind client" in p.stdout, p.stdout
    p = engine("cio", url, d / "ca.p12", PW)
    assert result(p)["status"] == "400"  # nginx: "No required SSL certificate was sent"


def test_the_servers_request_picks_the_identity(nginx, tmp_path):
    """Two client keys in one store, the first from a CA nginx does not
    accept: the one nginx's certificate request names is presented."""
    d, _, _ = nginx
    port = (d / "mtls.port").read_text()
    sk("generate", tmp_path / "stranger.p12", "--alias", "a-stranger", "--type", "client",
       "--subject", "CN=stranger", "--password", PW)
    both = tmp_path / "both.p12"
    for src in (tmp_path / "stranger.p12", d / "client.p12"):
        keytool("-importkeystore", "-srckeystore", src, "-srcstoretype", "PKCS12",
                "-srcstorepass", PW, "-destkeystore", both, "-deststoretype", "PKCS12",
                "-deststorepass", PW, "-noprompt")
    assert sslb_aliases(both) == ["a-stranger", "client"]
    p = engine("cio", f"https://localhost:{port}/dn", d / "ca.p12", PW, "-", both, "*")
    assert result(p)["status"] == "200" and "CN=sslbind client" in p.stdout, p.stdout


def sslb_aliases(path):
    return [l.split("\t")[1] for l in sk("list", path, "--password", PW).stdout.splitlines()
            if l.startswith("entry\t")]


def test_trust_all_connects_warns_once_and_says_what_it_skipped(site, tmp_path):
    d, port, _, _ = site
    p = subprocess.run([str(BUILD / "sslb-get"), f"https://localhost:{port}/", "--insecure",
                        "-n", "5", "-c", "2"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "ok\t5" in p.stdout
    warnings = [l for l in p.stderr.splitlines() if "WARNING" in l]
    assert len(warnings) == 1, p.stderr
    assert "insecure trust-all" in warnings[0]
    assert "NOT VERIFIED" in warnings[0] and "CERT_SELF_SIGNED" in warnings[0], warnings


def test_verify_callback_has_the_last_word(site, tmp_path):
    """The application's callback rejects a chain sslbind trusts
    (CERT_REJECTED) and accepts one it refuses (a self-signed server not in
    the trust store), having seen the host and sslbind's verdict."""
    d, port, _, _ = site
    get = BUILD / "sslb-get"
    url = f"https://localhost:{port}/"
    p = subprocess.run([str(get), url, "--keystore", d / "keystore.jks", "--password", PW,
                        "--verify-callback", "reject"], capture_output=True, text=True)
    assert p.returncode == 2 and "error\tCERT_REJECTED" in p.stderr, p.stderr
    assert "callback\tlocalhost\t1\ttrusted" in p.stderr
    make_jks(tmp_path / "stranger.jks", "dns:localhost", "stranger")
    p = subprocess.run([str(get), url, "--keystore", tmp_path / "stranger.jks", "--password", PW,
                        "--verify-callback", "accept"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "callback\tlocalhost\t1\tCERT_SELF_SIGNED" in p.stderr
    assert "status\t200" in p.stderr


def test_engine_setters_follow_each_style(tmp_path):
    """Each style takes only its own SSL objects; others say what it takes."""
    # exercised in the unit tests; here one end-to-end check through a binary
    p = subprocess.run([str(BUILD / "engine-native"), "https://localhost:1/",
                        tmp_path / "missing.jks", PW], capture_output=True, text=True)
    assert p.returncode == 2 and "error\tIO" in p.stderr


def certtool_leaf(d, name, template, ca_pem, hash_alg="SHA256"):
    """A leaf made by certtool from a template, signed by the CA in ca_pem
    (certificate and key in one PEM); returns (cert, key) paths."""
    key, cert, tmpl = d / f"{name}.key", d / f"{name}.pem", d / f"{name}.tmpl"
    tmpl.write_text(template)
    run("certtool", "--generate-privkey", "--key-type", "ecdsa", "--outfile", key)
    run("certtool", "--generate-certificate", "--load-privkey", key, "--load-ca-certificate",
        ca_pem, "--load-ca-privkey", ca_pem, "--template", tmpl, "--hash", hash_alg,
        "--outfile", cert)
    return cert, key


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """Servers for the core issue's verification matrix, all trusted (or
    not) through root.p12; each entry: (name, url, clock offset, expected)."""
    d = tmp_path_factory.mktemp("matrix")
    gen = lambda *a: sk("generate", *a, "--password", PW)  # noqa: E731
    gen(d / "root.p12", "--alias", "root", "--type", "ca", "--subject", "CN=Matrix Root")
    gen(d / "inter.p12", "--alias", "inter", "--type", "ca", "--subject", "CN=Matrix Inter",
        "--sign-with", f"{d / 'root.p12'}:root")
    gen(d / "other-root.p12", "--alias", "other", "--type", "ca", "--subject", "CN=Other Root")
    signed = ["--sign-with", f"{d / 'inter.p12'}:inter", "--days", "30"]
    gen(d / "good.p12", "--alias", "leaf", *signed)
    gen(d / "wrong-host.p12", "--alias", "leaf", "--domain", "example.test", *signed)
    gen(d / "ip-v4.p12", "--alias", "leaf", "--domain", "localhost", "--ip", "127.0.0.2", *signed)
    gen(d / "ip-v6.p12", "--alias", "leaf", "--domain", "localhost", "--ip", "::2", *signed)
    gen(d / "self.p12", "--alias", "leaf", "--subject", "CN=localhost")
    gen(d / "unknown-ca.p12", "--alias", "leaf", "--sign-with", f"{d / 'other-root.p12'}:other")
    gen(d / "client-eku.p12", "--alias", "leaf", "--type", "client", "--domain", "localhost",
        "--ip", "127.0.0.1", *signed)
    # the leaf alone, without its intermediate
    sk("convert", d / "good.p12", d / "good.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    pem = (d / "good.pem").read_text()
    (d / "leaf-only.pem").write_text(
        re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", pem, re.S)[0])
    (d / "leaf-only.key").write_text(
        re.search(r"-----BEGIN PRIVATE KEY-----.*?-----END PRIVATE KEY-----\n", pem, re.S)[0])
    # certtool: a CN-only certificate and a SHA-1 signed one, under inter
    sk("convert", d / "inter.p12", d / "inter.pem", "--format", "pem", "--password", PW,
       "--no-out-password")
    cn_only = certtool_leaf(d, "cn-only", 'cn = "localhost"\ntls_www_server\nexpiration_days = 30\n'
                            "signing_key\n", d / "inter.pem")
    sha1 = certtool_leaf(d, "sha1", 'cn = "localhost"\ndns_name = "localhost"\n'
                         'ip_address = "127.0.0.1"\ntls_www_server\nexpiration_days = 30\n'
                         "signing_key\n", d / "inter.pem", "SHA1")

    def ks(name):
        return ("--keystore", d / name, "--password", PW)

    def chain(cert, key):
        # with the intermediate, so that only the tested property fails
        full = d / f"{cert.stem}-chain.pem"
        certs = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                           (d / "inter.pem").read_text(), re.S)
        full.write_text(cert.read_text() + "".join(certs))
        return ("--cert", full, "--key", key)

    servers, cases = [], []

    def serve(name, args, host, offset, expected, address="127.0.0.1"):
        s = ServerProcess(d / f"{name}.log", "--address", address, "--quiet", *args)
        servers.append(s)
        cases.append((name, f"https://{host}:{s.port}/", offset, expected))

    serve("valid-with-intermediate", ks("good.p12"), "localhost", None, "200")
    serve("expired", ks("good.p12"), "localhost", "+60d", "CERT_EXPIRED")
    serve("not-yet-valid", ks("good.p12"), "localhost", "-2d", "CERT_NOT_YET_VALID")
    serve("wrong-host", ks("wrong-host.p12"), "localhost", None, "CERT_HOSTNAME_MISMATCH")
    serve("ipv4-mismatch", ks("ip-v4.p12"), "127.0.0.1", None, "CERT_HOSTNAME_MISMATCH")
    serve("ipv6-mismatch", ks("ip-v6.p12"), "[::1]", None, "CERT_HOSTNAME_MISMATCH",
          address="::1")
    serve("cn-only", chain(*cn_only), "localhost", None, "CERT_HOSTNAME_MISMATCH")
    serve("self-signed", ks("self.p12"), "localhost", None, "CERT_SELF_SIGNED")
    serve("unknown-ca", ks("unknown-ca.p12"), "localhost", None, "CERT_UNKNOWN_ISSUER")
    serve("missing-intermediate", ("--cert", d / "leaf-only.pem", "--key", d / "leaf-only.key"),
          "localhost", None, "CERT_UNKNOWN_ISSUER")
    serve("sha1-signed", chain(*sha1), "localhost", None, "CERT_INSECURE_ALGORITHM")
    serve("client-auth-only", ks("client-eku.p12"), "localhost", None, "CERT_PURPOSE")
    yield d, cases
    for s in servers:
        s.stop()


def test_every_engine_gives_the_same_verdict(matrix):
    """The verification matrix of the core issue, through each engine style
    with the same keystore (root.p12): the verdicts agree, and are right."""
    d, cases = matrix
    env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
               ":verify_asan_link_order=0")
    table = {}
    for name, url, offset, expected in cases:
        for eng in ENGINES:
            cmd = [str(BUILD / f"engine-{eng}"), url, str(d / "root.p12"), PW]
            if offset:
                cmd = ["faketime", "-f", offset, *cmd]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
            r = result(p)
            table[(name, eng)] = r.get("status") if "status" in r else r["error"]
        got = {eng: table[(name, eng)] for eng in ENGINES}
        assert set(got.values()) == {expected}, (name, got)
