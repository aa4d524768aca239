'use strict';
// Verification: the matrix (wrong host, self-signed, unknown CA, expired and
// not yet valid at a fixed verification time) with class, .code, .reason,
// .host and the parsed chain; verify callbacks accepting, rejecting and
// throwing; hostname verifiers and sslManager throwing; trust-all and its
// warning; pins; TrustManager.verify used directly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const s = require('..');
const { servers, pki, PW } = require('./helpers');

let srv;
let settings;
test.before(async () => {
  srv = await servers(['main', 'named', 'unknown']);
  settings = new s.SslSettings(path.join(pki(), 'keystore.jks'), PW);
});
test.after(async () => { await srv.stopAll(); });

const trusting = (name) => s.TrustManager.fromKeyStore(s.KeyStore.load(path.join(pki(), name), PW));
const DAY = 86400;

const MATRIX = [
  ['named', 'localhost-only.jks', '127.0.0.1', 'CERT_HOSTNAME_MISMATCH'],
  ['main', 'stranger.jks', 'localhost', 'CERT_SELF_SIGNED'],
  ['unknown', 'keystore.jks', 'localhost', 'CERT_UNKNOWN_ISSUER'],
  ['main', 'keystore.jks', 'localhost', 'CERT_EXPIRED', +60 * DAY],
  ['main', 'keystore.jks', 'localhost', 'CERT_NOT_YET_VALID', -60 * DAY],
  ['named', 'localhost-only.jks', 'localhost', null],
];

for (const [server, store, host, reason, shift] of MATRIX) {
  test(`verification matrix: ${server} / ${store} / ${host} -> ${reason || 'trusted'}`, async () => {
    let tm = trusting(store);
    if (shift) tm = s.TrustManager.builder().initFrom(tm).setTime(Math.floor(Date.now() / 1000) + shift).build();
    const c = new s.HttpClient({ trustManager: tm });
    try {
      const url = srv[server].url('/', host);
      if (reason === null) {
        assert.equal((await c.get(url)).status, 200);
        return;
      }
      const e = await c.get(url).then(() => assert.fail('trusted'), (err) => err);
      assert.ok(e instanceof s.CertificateVerifyError && e instanceof s.TLSError && e instanceof s.SslbindError);
      assert.equal(e.code, reason);
      assert.equal(e.reason, reason);
      assert.ok(e.errno < 0);
      assert.equal(e.host, host);
      assert.ok(e.message.includes('presented chain:'));
      assert.ok(e.report.startsWith('host: '));
      const leaf = e.chain[0];
      assert.equal(leaf.index, 0);
      assert.ok(leaf.subject.startsWith('CN=localhost'));
      assert.ok(leaf.pin.startsWith('sha256/'));
      assert.ok(leaf.notBefore instanceof Date && leaf.notBefore < leaf.notAfter);
      assert.ok(leaf.sans.some(([k, v]) => k === 'DNS' && v === 'localhost'));
      if (reason === 'CERT_UNKNOWN_ISSUER') {
        assert.equal(e.chain.length, 2);
        assert.equal(e.chain[1].subject, 'CN=Other CA');
        assert.equal(e.chain[0].issuer, 'CN=Other CA');
      }
    } finally {
      await c.close();
    }
  });
}

test('a verify callback accepts a self-signed server, on the JS thread', async () => {
  const calls = [];
  const tm = s.TrustManager.builder().replaceDefaults().addKeyStore(s.KeyStore.load(path.join(pki(), 'stranger.jks'), PW))
    .verifyCallback((host, chain, verdict, report) => {
      calls.push([host, verdict, chain[0].subject, report.includes('result:')]);
      return true;
    }).build();
  const c = new s.HttpClient({ trustManager: tm });
  assert.equal((await c.get(srv.main.url())).status, 200);
  await c.close();
  assert.deepEqual(calls, [['localhost', 'CERT_SELF_SIGNED', 'CN=localhost,O=Ktor page', true]]);
});

test('a verify callback rejects a trusted server; code names and null', async () => {
  const seen = [];
  const tm = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback((h, c, v) => { seen.push(v); return false; }).build();
  let c = new s.HttpClient({ trustManager: tm });
  await assert.rejects(c.get(srv.main.url()), { reason: 'CERT_REJECTED' });
  await c.close();
  assert.deepEqual(seen, [null]);
  for (const [ret, expect] of [['CERT_REVOKED', 'CERT_REVOKED'], [null, null], [undefined, null]]) {
    const t = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback(() => ret).build();
    c = new s.HttpClient({ trustManager: t });
    if (expect === null) assert.equal((await c.get(srv.main.url())).status, 200);
    else await assert.rejects(c.get(srv.main.url()), { reason: expect });
    await c.close();
  }
  // a name that is no CERT_ code rejects, and that TypeError surfaces
  const t = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback(() => 'NONSENSE').build();
  c = new s.HttpClient({ trustManager: t });
  await assert.rejects(c.get(srv.main.url()), (e) => e instanceof RangeError && e.cause.reason === 'CERT_REJECTED');
  await c.close();
});

class Refusal extends Error {}

test('a throwing verify callback: the request rejects with what it threw', async () => {
  const tm = s.TrustManager.builder().initFrom(settings.trustManager())
    .verifyCallback((host) => { throw new Refusal(`no thanks, ${host}`); }).build();
  const c = new s.HttpClient({ trustManager: tm });
  const e = await c.get(srv.main.url()).catch((err) => err);
  assert.ok(e instanceof Refusal);
  assert.equal(e.message, 'no thanks, localhost');
  assert.ok(e.cause instanceof s.CertificateVerifyError);
  assert.equal(e.cause.reason, 'CERT_REJECTED');
  assert.equal(e.sslbindError, e.cause);
  const [res] = await c.batch([['GET', srv.main.url()]]);
  assert.ok(res instanceof Refusal);
  const st = await c.stream('GET', srv.main.url()).catch((err) => err);
  assert.ok(st instanceof Refusal);
  await c.close();
  // TrustManager.verify runs it on this thread, and throws it
  const chain = [s.Certificate.load(settings.keyStore().entries[0].chain[0].der)];
  assert.throws(() => tm.verify(chain, 'localhost'), Refusal);
});

test('a throwing hostname verifier and sslManager surface their errors', async () => {
  let c = new s.HttpClient({ trustManager: settings.trustManager(), hostnameVerifier: (host) => { throw new Refusal(host); } });
  let e = await c.get(srv.main.url()).catch((err) => err);
  assert.ok(e instanceof Refusal);
  assert.equal(e.cause.reason, 'CERT_HOSTNAME_MISMATCH');
  await c.close();
  c = new s.HttpClient(new s.Android({ sslManager: (conn) => { throw new Refusal(String(conn.port)); } }));
  e = await c.get(srv.main.url()).catch((err) => err);
  assert.ok(e instanceof Refusal);
  assert.equal(e.message, String(srv.main.port));
  assert.ok(e.cause instanceof s.CancelledError);
  await c.close();
  // a thrown non-Error is wrapped
  c = new s.HttpClient({ trustManager: settings.trustManager(), hostnameVerifier: () => { throw 'plain'; } }); // eslint-disable-line no-throw-literal
  e = await c.get(srv.main.url()).catch((err) => err);
  assert.equal(e.message, 'plain');
  assert.equal(e.cause.code, 'CERT_HOSTNAME_MISMATCH');
  await c.close();
});

test('insecure trust-all accepts anything and warns once per client', () => {
  const script = `
    const s = require(${JSON.stringify(path.resolve(__dirname, '..'))});
    (async () => {
      const tm = s.TrustManager.builder().insecureTrustAll().build();
      if (!tm.isInsecure) throw new Error('not insecure');
      const c = new s.HttpClient({ trustManager: tm });
      const a = await c.get(process.argv[1]);
      const b = await c.get(process.argv[2]);
      console.log('statuses', a.status, b.status);
      await c.close();
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const p = spawnSync(process.execPath, ['-e', script, srv.unknown.url('/', '127.0.0.1'), srv.main.url()], { encoding: 'utf8', timeout: 60000 });
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /statuses 200 200/);
  const warnings = p.stderr.split('\n').filter((l) => l.includes('WARNING: certificate verification is disabled'));
  assert.equal(warnings.length, 1, p.stderr);
  assert.match(warnings[0], /would have failed with CERT_UNKNOWN_ISSUER/);
});

test('trust builder pins', async () => {
  const pin = settings.keyStore().entries[0].chain[0].spkiPin;
  const good = s.TrustManager.builder().initFrom(settings.trustManager()).addPin('localhost', pin).build();
  const bad = s.TrustManager.builder().initFrom(settings.trustManager()).addPin('localhost', `sha256/${'B'.repeat(43)}=`).build();
  let c = new s.HttpClient({ trustManager: good });
  assert.equal((await c.get(srv.main.url())).status, 200);
  await c.close();
  c = new s.HttpClient({ trustManager: bad });
  await assert.rejects(c.get(srv.main.url()), { reason: 'CERT_PIN_MISMATCH' });
  await c.close();
  assert.throws(() => s.TrustManager.builder().addPin('local*host', pin), (e) => e instanceof s.InvalidArgumentError && e.message.length > 0);
});

test('TrustManager.verify directly', () => {
  const tm = settings.trustManager();
  assert.equal(tm.anchorCount, 1);
  assert.equal(tm.isInsecure, false);
  const chain = settings.keyStore().entries[0].chain;
  let r = tm.verify(chain, 'localhost');
  assert.ok(r.ok);
  assert.equal(r.reason, null);
  assert.ok(r.report.includes('host: localhost'));
  r = tm.verify(chain, 'example.com');
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'CERT_HOSTNAME_MISMATCH');
  assert.throws(() => tm.checkServerTrusted(chain, 'example.com'), (e) => e.host === 'example.com' && e.chain[0].subject === chain[0].subject);
  assert.ok(tm.verify(chain, null).ok);
  assert.equal(trusting('stranger.jks').verify(chain, 'localhost').reason, 'CERT_SELF_SIGNED');
  assert.ok(s.TrustManager.system().anchorCount > 10);
  assert.equal(new s.TrustManagerFactory(settings.keyStore()).trustManagers[0].anchorCount, 1);
  assert.throws(() => tm.verify('nope'), TypeError);
  assert.throws(() => tm.verify([{}]), TypeError);
  const other = s.TrustManager.builder().addData(chain[0].pem()).replaceDefaults().addCertificate(chain[0]).build();
  assert.ok(other.verify(chain, 'localhost').ok);
  const fromFile = s.TrustManager.builder().replaceDefaults().addFile(path.join(pki(), 'ca.pem')).build();
  assert.equal(fromFile.anchorCount, 1);
  assert.throws(() => s.TrustManager.builder().addData(Buffer.from('not a certificate')), s.KeystoreError);
});

test('a callback that answers with a Promise fails its request, with no unhandled rejection', async () => {
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const isAsyncError = (e) => e instanceof TypeError && e.code === 'ERR_SSLBIND_ASYNC_CALLBACK';
    const tm = s.TrustManager.builder().initFrom(settings.trustManager())
      .verifyCallback(async () => { throw new Refusal('later'); }).build();
    let c = new s.HttpClient({ trustManager: tm });
    let e = await c.get(srv.main.url()).catch((err) => err);
    assert.ok(isAsyncError(e), String(e));
    assert.equal(e.cause.reason, 'CERT_REJECTED');
    await c.close();
    c = new s.HttpClient({ trustManager: settings.trustManager(), hostnameVerifier: async () => true });
    e = await c.get(srv.main.url()).catch((err) => err);
    assert.ok(isAsyncError(e), String(e));
    await c.close();
    // an async sslManager would configure nothing: the connection is refused
    c = new s.HttpClient(new s.Android({ sslManager: async (conn) => { conn.sslSocketFactory = null; } }));
    e = await c.get(srv.main.url()).catch((err) => err);
    assert.ok(isAsyncError(e), String(e));
    assert.ok(e.cause instanceof s.CancelledError);
    await c.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('a CRL from the issuer revokes its leaf (TrustBuilder.addCrl)', (t) => {
  const { BUILD, run } = require('./helpers');
  const fs = require('node:fs');
  const os = require('node:os');
  const probe = spawnSync('certtool', ['--version'], { stdio: 'ignore' });
  if (probe.status !== 0) return t.skip('certtool (gnutls-bin) is needed to sign a CRL');
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sslb-crl-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  const tool = path.join(BUILD, 'sslbind');
  const f = (n) => path.join(d, n);
  run(tool, ['keystore', 'generate', f('ca.p12'), '--alias', 'ca', '--ca', '--password', PW, '--subject', 'CN=CRL test CA']);
  run(tool, ['keystore', 'generate', f('leaf.p12'), '--alias', 'leaf', '--password', PW,
    '--sign-with', `${f('ca.p12')}:ca`, '--domain', 'localhost']);
  run(tool, ['keystore', 'convert', f('ca.p12'), f('ca-key.pem'), '--password', PW, '--format', 'pem', '--no-out-password']);
  run(tool, ['keystore', 'export', f('ca.p12'), 'ca', f('ca.pem'), '--password', PW]);
  run(tool, ['keystore', 'export', f('leaf.p12'), 'leaf', f('leaf.pem'), '--password', PW]);
  fs.writeFileSync(f('crl.tmpl'), 'crl_next_update = 30\ncrl_number = 1\n');
  run('certtool', ['--generate-crl', '--load-ca-privkey', f('ca-key.pem'), '--load-ca-certificate', f('ca.pem'),
    '--load-certificate', f('leaf.pem'), '--template', f('crl.tmpl'), '--outfile', f('crl.pem')]);
  const chain = s.KeyStore.load(f('leaf.p12'), PW).get('leaf').chain;
  const base = () => s.TrustManager.builder().replaceDefaults().addFile(f('ca.pem'));
  assert.ok(base().build().verify(chain, 'localhost').ok);
  const r = base().addCrl(fs.readFileSync(f('crl.pem'))).build().verify(chain, 'localhost');
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'CERT_REVOKED');
  assert.throws(() => base().addCrl(Buffer.from('not a CRL')), s.SslbindError);
});
