'use strict';
// The engine styles, each as the Ktor page writes it, against sslb-testserver
// serving a keytool-made keystore.jks that SslSettings trusts; what each
// style changes; mutual TLS.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const s = require('..');
const { servers, pki, PW } = require('./helpers');

let srv;
let settings;
test.before(async () => {
  srv = await servers();
  settings = new s.SslSettings(path.join(pki(), 'keystore.jks'), PW);
});
test.after(async () => { await srv.stopAll(); });

const ks = (f) => path.join(pki(), f);

function engines(st) {
  const ctx = st.sslContext();
  return {
    Apache: [new s.Apache({ sslContext: ctx }), '2'],
    Java: [new s.Java({ config: (b) => b.sslContext(ctx) }), '2'],
    Jetty: [new s.Jetty({ sslContextFactory: new s.SslContextFactory.Client({ sslContext: ctx }) }), '2'],
    CIO: [new s.CIO({ https: (t) => { t.trustManager = st.trustManager(); } }), '1.1'],
    Android: [new s.Android({ sslManager: (conn) => { conn.sslSocketFactory = st.sslContext().socketFactory; } }), '1.1'],
    OkHttp: [new s.OkHttp({ config: (b) => b.sslSocketFactory(ctx.socketFactory, st.trustManager()) }), '2'],
    Native: [new s.Native({ sslContext: ctx }), '2'],
  };
}

async function using(client, fn) {
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

for (const name of ['Apache', 'Java', 'Jetty', 'CIO', 'Android', 'OkHttp', 'Native']) {
  test(`${name} style trusts keystore.jks`, async () => {
    const [engine, version] = engines(settings)[name];
    assert.equal(engine.name, name);
    await using(new s.HttpClient(engine), async (c) => {
      const r = await c.get(srv.main.url());
      assert.equal(r.status, 200);
      assert.equal(r.text(), 'hello from sslb-testserver\n');
      assert.equal(r.httpVersion, version);
      assert.equal(r.tls.alpn, version === '2' ? 'h2' : 'http/1.1');
      assert.match(r.tls.version, /^TLS1\.[23]$/);
      assert.ok(r.tls.cipher);
      assert.equal(r.tls.chain[0].subject, 'CN=localhost,O=Ktor page');
      assert.equal(c.engine.name, name);
    });
  });
}

test('every style refuses an untrusted server', async () => {
  const other = new s.SslSettings(ks('stranger.jks'), PW);
  for (const [name, [engine]] of Object.entries(engines(other))) {
    await using(new s.HttpClient(engine), async (c) => {
      const e = await c.get(srv.main.url()).then(() => null, (err) => err);
      assert.ok(e instanceof s.CertificateVerifyError, `${name}: ${e}`);
      assert.equal(e.reason, 'CERT_SELF_SIGNED', name);
      assert.equal(e.code, 'CERT_SELF_SIGNED');
      assert.equal(e.host, 'localhost');
      assert.equal(e.chain[0].subject, 'CN=localhost,O=Ktor page');
    });
  }
});

test('Jetty endpoint identification off', async () => {
  const named = new s.SslSettings(ks('localhost-only.jks'), PW);
  const url = srv.named.url('/', '127.0.0.1');
  const strict = new s.Jetty({ sslContextFactory: new s.SslContextFactory.Client({ sslContext: named.sslContext() }) });
  await using(new s.HttpClient(strict), async (c) => {
    await assert.rejects(c.get(url), { code: 'CERT_HOSTNAME_MISMATCH' });
  });
  const loose = new s.Jetty({
    sslContextFactory: new s.SslContextFactory.Client().apply((f) => {
      f.sslContext = named.sslContext();
      f.endpointIdentificationAlgorithm = null;
    }),
  });
  await using(new s.HttpClient(loose), async (c) => assert.equal((await c.get(url)).status, 200));
});

test('Jetty is h2 only and CIO http/1.1 only', async () => {
  const jetty = new s.Jetty({ sslContextFactory: new s.SslContextFactory.Client({ sslContext: settings.sslContext() }) });
  await using(new s.HttpClient(jetty), async (c) => {
    const e = await c.get(srv.h1.url()).catch((err) => err);
    assert.ok(e instanceof s.ProtocolError);
    assert.match(e.message, /HTTP\/2/);
  });
  const cio = new s.CIO({ https: (t) => { t.trustManager = settings.trustManager(); } });
  await using(new s.HttpClient(cio), async (c) => assert.equal((await c.get(srv.h1.url())).httpVersion, '1.1'));
});

test('Apache hostname verification policies', async () => {
  const named = new s.SslSettings(ks('localhost-only.jks'), PW);
  for (const [policy, words] of [['BUILTIN', 'certificate verification failed'],
    ['CLIENT', 'checked by the client after the handshake'], ['BOTH', 'certificate verification failed']]) {
    const eng = new s.Apache({ sslContext: named.sslContext(), sslHostnameVerificationPolicy: policy });
    await using(new s.HttpClient(eng), async (c) => {
      const e = await c.get(srv.named.url('/', '127.0.0.1')).catch((err) => err);
      assert.equal(e.reason, 'CERT_HOSTNAME_MISMATCH');
      assert.ok(e.message.includes(words), e.message);
      assert.equal(e.host, '127.0.0.1');
      assert.equal((await c.get(srv.named.url())).status, 200);
    });
  }
  assert.throws(() => new s.HttpClient(new s.Apache({ sslHostnameVerificationPolicy: 'SOMETIMES' })), RangeError);
});

test('CIO serverName', async () => {
  const named = new s.SslSettings(ks('localhost-only.jks'), PW);
  const url = srv.named.url('/', '127.0.0.1');
  const cio = (serverName) => new s.CIO({ https: (t) => { t.trustManager = named.trustManager(); t.serverName = serverName; } });
  await using(new s.HttpClient(cio(null)), (c) => assert.rejects(c.get(url), s.CertificateVerifyError));
  await using(new s.HttpClient(cio('localhost')), async (c) => assert.equal((await c.get(url)).status, 200));
  await using(new s.HttpClient(cio('other.example')), async (c) => {
    const e = await c.get(srv.named.url()).catch((err) => err);
    assert.equal(e.reason, 'CERT_HOSTNAME_MISMATCH');
    assert.equal(e.host, 'other.example');
  });
});

test('mutual TLS through CIO addKeyStore, a KeyManager in an SSLContext, and identity', async () => {
  const ident = s.KeyStore.load(ks('client.p12'), PW);
  const cio = new s.CIO({ https: (t) => { t.trustManager = settings.trustManager(); t.addKeyStore(ident, null, 'client'); } });
  await using(new s.HttpClient(cio), async (c) => {
    const r = await c.get(srv.mtls.url('/client-cert'));
    assert.equal(r.status, 200);
    assert.match(r.text(), /CN=sslbind client/);
  });
  const bare = new s.CIO({ https: (t) => { t.trustManager = settings.trustManager(); } });
  await using(new s.HttpClient(bare), (c) => assert.rejects(c.get(srv.mtls.url('/client-cert')), s.TLSError));

  const km = new s.KeyManager(ident, { alias: 'client' });
  const ctx = new s.SSLContext({ keyManager: km, trustManager: settings.trustManagerFactory().trustManagers });
  km.close(); // the context holds its own references
  assert.deepEqual(ctx.keyManager.aliases, ['client']);
  for (const engine of [new s.Apache({ sslContext: ctx }), new s.Java({ config: (b) => b.sslContext(ctx) }),
    new s.OkHttp({ config: (b) => b.sslSocketFactory(ctx.socketFactory, ctx.trustManager) })]) {
    await using(new s.HttpClient(engine), async (c) => {
      assert.match((await c.get(srv.mtls.url('/client-cert'))).text().trim(), /CN=sslbind client$/);
    });
  }
  await using(new s.HttpClient(new s.Apache({ sslContext: settings.sslContext() })), async (c) => {
    assert.equal((await c.get(srv.main.url('/client-cert'))).text().trim(), 'none');
  });
  await using(new s.HttpClient({ trustManager: settings.trustManager(), identity: [s.KeyStore.load(ks('client.p12'), PW), 'client'] }),
    async (c) => assert.match((await c.get(srv.mtls.url('/client-cert'))).text(), /CN=sslbind client/));
});

test('OkHttp certificatePinner and hostnameVerifier', async () => {
  const pin = settings.keyStore().entries[0].chain[0].spkiPin;
  const wrong = `sha256/${'A'.repeat(43)}=`;
  const okhttp = (pinner, verifier) => new s.OkHttp({
    config: (b) => {
      b.sslSocketFactory(settings.sslContext().socketFactory, settings.trustManager()).certificatePinner(pinner);
      if (verifier) b.hostnameVerifier(verifier);
    },
  });
  for (const pinner of [new s.CertificatePinner({ localhost: [pin] }),
    new s.CertificatePinner.Builder().add('**.localhost', pin).build(),
    new s.CertificatePinner({ '*.example.com': [wrong] })]) {
    await using(new s.HttpClient(okhttp(pinner)), async (c) => assert.equal((await c.get(srv.main.url())).status, 200));
  }
  await using(new s.HttpClient(okhttp(new s.CertificatePinner({ localhost: wrong }))), async (c) => {
    const e = await c.get(srv.main.url()).catch((err) => err);
    assert.equal(e.reason, 'CERT_PIN_MISMATCH');
    assert.ok(e.message.includes(pin));
  });
  const seen = [];
  const verifier = (host, chain) => { seen.push([host, chain[0].subject]); return true; };
  await using(new s.HttpClient(okhttp(new s.CertificatePinner({ localhost: [wrong] }), verifier)), async (c) => {
    await assert.rejects(c.get(srv.main.url()), { reason: 'CERT_PIN_MISMATCH' });
    assert.equal((await c.get(srv.main.url('/', '127.0.0.1'))).status, 200);
  });
  assert.ok(seen.some(([h, subj]) => h === '127.0.0.1' && subj === 'CN=localhost,O=Ktor page'));
});

test('Android sslManager sees each connection, on the JS thread', async () => {
  const seen = [];
  const ctx = settings.sslContext();
  const sslManager = (conn) => {
    seen.push([conn.host, conn.port]);
    conn.sslSocketFactory = ctx.socketFactory;
    conn.hostnameVerifier = (host) => host === '127.0.0.1';
  };
  let kept;
  await using(new s.HttpClient(new s.Android({ sslManager: (conn) => { kept = conn; sslManager(conn); } })), async (c) => {
    assert.equal((await c.get(srv.main.url('/', '127.0.0.1'))).status, 200);
    assert.equal((await c.get(srv.main.url('/bytes/3', '127.0.0.1'))).text(), 'abc');
    await assert.rejects(c.get(srv.main.url()), { reason: 'CERT_HOSTNAME_MISMATCH' });
  });
  assert.deepEqual(seen.slice(0, 2), [['127.0.0.1', srv.main.port], ['localhost', srv.main.port]]);
  // a Connection is valid only during the callback
  assert.throws(() => { kept.sslSocketFactory = ctx.socketFactory; }, /only be configured during the sslManager callback/);
  const named = new s.SslSettings(ks('localhost-only.jks'), PW);
  const strict = new s.Android({ sslManager: (conn) => { conn.sslSocketFactory = named.sslContext().socketFactory; } });
  await using(new s.HttpClient(strict), async (c) => {
    assert.equal((await c.get(srv.named.url())).status, 200);
    await assert.rejects(c.get(srv.main.url()), s.CertificateVerifyError);
  });
  // returning false refuses the connection
  await using(new s.HttpClient(new s.Android({ sslManager: () => false })), (c) =>
    assert.rejects(c.get(srv.main.url()), { code: 'CANCELLED' }));
});

test('Java sslParameters', async () => {
  const ctx = settings.sslContext();
  const eng = new s.Java({ config: (b) => b.sslContext(ctx).sslParameters({ protocols: ['TLSv1.2'], cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] }) });
  await using(new s.HttpClient(eng), async (c) => {
    const r = await c.get(srv.main.url());
    assert.equal(r.tls.version, 'TLS1.2');
    assert.match(r.tls.cipher.toUpperCase().replace(/-/g, '_'), /AES_128_GCM/);
  });
  assert.throws(() => new s.HttpClient(new s.Java({ config: (b) => b.sslContext(ctx).sslParameters(new s.SSLParameters({ protocols: 'TLSv1' })) })),
    s.UnsupportedError);
});

test('Jetty lists and OkHttp connection specs and protocols', async () => {
  const ctx = settings.sslContext();
  const f = new s.SslContextFactory.Client({ sslContext: ctx, excludeProtocols: ['TLSv1.3'], includeCipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] });
  await using(new s.HttpClient(new s.Jetty({ sslContextFactory: f })), async (c) => {
    const r = await c.get(srv.main.url());
    assert.equal(r.tls.version, 'TLS1.2');
    assert.match(r.tls.cipher, /256/);
    assert.equal(r.httpVersion, '2');
  });
  assert.throws(() => new s.HttpClient(new s.Jetty({ sslContextFactory: new s.SslContextFactory.Client({ sslContext: ctx, excludeProtocols: ['(unclosed'] }) })),
    s.InvalidArgumentError);
  const ok = new s.OkHttp({ config: (b) => b.sslSocketFactory(ctx.socketFactory, ctx.trustManager).connectionSpecs([s.ConnectionSpec.RESTRICTED_TLS]).protocols([s.Protocol.HTTP_1_1]) });
  await using(new s.HttpClient(ok), async (c) => assert.equal((await c.get(srv.main.url())).httpVersion, '1.1'));
});

test('engine arguments are checked', () => {
  assert.throws(() => new s.HttpClient(new s.Apache({ sslContext: 'nope' })), { name: 'TypeError', message: /sslContext must be an instance of SSLContext/ });
  assert.throws(() => new s.HttpClient(new s.CIO({ https: (t) => { t.trustManager = 42; } })), TypeError);
  assert.throws(() => new s.HttpClient(new s.Android({ sslManager: 'x' })), TypeError);
  assert.throws(() => new s.HttpClient(42), TypeError);
  assert.throws(() => new s.HttpClient(new s.Apache(), { trustManager: settings.trustManager() }), /to the engine/);
  assert.throws(() => new s.HttpClient({ nonsense: 1 }), /unknown client option/);
  // a setter the style lacks: C says what the engine takes instead
  const e = s._addon.engineNew(4);
  assert.throws(() => s._addon.engineSetSslContext(e, settings.sslContext()._h), (err) =>
    err instanceof s.InvalidArgumentError && /CIO/.test(err.message) && /trustManager/.test(err.message));
});
