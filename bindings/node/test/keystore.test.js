'use strict';
// KeyStore, Certificate, KeyStore.build (Ktor's buildKeyStore), the keystore
// errors, and the handle rules: closed handles and bad arguments give clear
// errors, never a crash.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const s = require('..');
const { pki, PW, run } = require('./helpers');

const P = (f) => path.join(pki(), f);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sslbind-node-ks-'));
const keytoolSha256 = (file, pw) => [...run('keytool', ['-list', '-v', '-keystore', file, '-storepass', pw]).matchAll(/SHA256: (\S+)/g)].map((m) => m[1]);

test('load a keytool JKS by path, URL and bytes', () => {
  for (const src of [P('keystore.jks'), new URL(`file://${P('keystore.jks')}`), fs.readFileSync(P('keystore.jks')), new Uint8Array(fs.readFileSync(P('keystore.jks')))]) {
    const ks = s.KeyStore.load(src, PW);
    assert.equal(ks.format, 'JKS');
    assert.equal(ks.size, 1);
    assert.deepEqual(ks.aliases, ['samplealias']); // JKS stores lower case
    const [e] = ks.entries;
    assert.equal(e.kind, 'privateKey');
    assert.equal(e.locked, false);
    assert.equal(e.algorithm, 'EC');
    assert.ok(e.created instanceof Date);
    const cert = e.certificate;
    assert.equal(cert.subject, 'CN=localhost,O=Ktor page');
    assert.equal(cert.issuer, cert.subject);
    assert.deepEqual(cert.sans, [['DNS', 'localhost'], ['IP', '127.0.0.1']]);
    assert.equal(cert.sha256Fingerprint, keytoolSha256(P('keystore.jks'), PW)[0]);
    assert.match(cert.spkiPin, /^sha256\/.{44}$/);
    assert.ok(cert.notBefore < new Date() && new Date() < cert.notAfter);
    assert.match(cert.serial, /^[0-9a-f]+$/);
    assert.equal(cert.keyAlgorithm, 'EC');
    assert.equal(cert.keyBits, 256);
    assert.match(cert.sha1Fingerprint, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    assert.match(cert.signatureAlgorithm, /ECDSA/);
    assert.equal(cert.isCa, false);
    assert.ok(cert.pem().startsWith('-----BEGIN CERTIFICATE-----'));
    assert.ok(s.Certificate.load(cert.pem()).equals(cert));
    assert.equal(s.Certificate.load(cert.der).sha256Fingerprint, cert.sha256Fingerprint);
    assert.ok(ks.has('sampleAlias') && ks.has('SAMPLEALIAS') && !ks.has('other'));
    assert.ok(ks.get('samplealias').certificate.equals(cert));
    assert.equal(ks.get('other'), undefined);
    assert.equal([...ks].length, 1);
    ks.close();
  }
});

test('entries and certificates outlive the store; closed handles throw', () => {
  const ks = s.KeyStore.load(P('keystore.jks'), PW);
  const cert = ks.entries[0].chain[0];
  ks.close();
  ks.close(); // idempotent
  assert.ok(ks.closed);
  assert.ok(cert.subject.startsWith('CN=localhost'));
  assert.throws(() => ks.size, { code: 'ERR_SSLBIND_CLOSED', message: 'this KeyStore is closed' });
  cert.close();
  assert.throws(() => cert.der, /this Certificate is closed/);
});

test('save, then keytool reads it; toBuffer and sniff', () => {
  const d = tmp();
  const ks = s.KeyStore.load(P('keystore.jks'), PW);
  for (const fmt of ['PKCS12', 'JKS']) {
    const out = path.join(d, `copy.${fmt.toLowerCase()}`);
    ks.save(out, fmt, 'newpassword');
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    assert.deepEqual(keytoolSha256(out, 'newpassword'), keytoolSha256(P('keystore.jks'), PW));
    const again = s.KeyStore.load(fs.readFileSync(out), 'newpassword');
    assert.equal(again.format, fmt);
    assert.ok(again.entries[0].certificate.equals(ks.entries[0].certificate));
  }
  const pem = ks.toBuffer('PEM', 'pempass').toString();
  assert.ok(pem.includes('BEGIN CERTIFICATE') && pem.includes('BEGIN ENCRYPTED PRIVATE KEY'));
  assert.equal(s.KeyStore.sniff(Buffer.from(pem)), 'PEM');
  assert.equal(s.KeyStore.sniff(ks.toBuffer('p12', 'x')), 'PKCS12');
  assert.throws(() => ks.toBuffer('XYZ'), RangeError);
  assert.throws(() => ks.toBuffer('JKS', null), (e) => e.code === 'PASSWORD_REQUIRED' && e instanceof s.PasswordRequiredError);
});

test('KeyStore.build like Ktor buildKeyStore, a CA and what it signs', () => {
  const ks = s.KeyStore.build({ alias: 'sampleAlias', password: 'foobar', domains: ['127.0.0.1', '0.0.0.0', 'localhost'] });
  const [e] = ks.entries;
  assert.equal(e.alias, 'sampleAlias');
  assert.deepEqual(new Set(e.certificate.sans.map((x) => x.join(':'))), new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:0.0.0.0']));
  const left = e.certificate.notAfter - e.certificate.notBefore;
  assert.ok(left > 2 * 86400e3 && left <= 3 * 86400e3 + 60e3);
  const d = tmp();
  ks.save(path.join(d, 'built.jks'), 'JKS', 'storepass');
  run('keytool', ['-list', '-keystore', path.join(d, 'built.jks'), '-storepass', 'storepass']);
  const ca = s.KeyStore.build({ ca: { keyType: 'ca', subject: 'CN=Test CA', daysValid: 10 } });
  const leaf = s.KeyStore.build({ alias: 'srv', domains: ['example.test'], signWith: [ca, 'ca'], keyAlgorithm: 'ec_p384' });
  const chain = leaf.get('srv').chain;
  assert.deepEqual(chain.map((c) => c.subject), ['CN=localhost', 'CN=Test CA']);
  assert.equal(chain[0].issuer, 'CN=Test CA');
  assert.ok(chain[1].isCa);
  assert.equal(chain[0].keyBits, 384);
  const tm = s.TrustManager.builder().replaceDefaults().addKeyStore(ca).build();
  assert.ok(tm.verify(chain, 'example.test').ok);
  assert.equal(tm.verify(chain, 'other.test').reason, 'CERT_HOSTNAME_MISMATCH');
  leaf.generate('second', { keyType: 'client', keyAlgorithm: 'ed25519' });
  assert.equal(leaf.size, 2);
  assert.throws(() => s.KeyStore.build({ alias: 'x', keyType: 'nonsense' }), RangeError);
  assert.throws(() => s.KeyStore.build({ alias: 'x', keyAlgorithm: 'rsa', keySize: 1024 }), s.InvalidArgumentError);
});

test('generateCertificate writes a keystore keytool lists', () => {
  const f = path.join(tmp(), 'gen.jks');
  s.generateCertificate(f, { alias: 'mykey', storePassword: 'changeit', keyPassword: 'changeit' });
  assert.equal(keytoolSha256(f, 'changeit').length, 1);
});

test('bad bytes, wrong passwords (never echoed), modified stores', () => {
  let e = assert.throws(() => s.KeyStore.load(Buffer.from('this is not a keystore at all'), PW), (err) =>
    err instanceof s.KeystoreError && err.code === 'KEYSTORE_FORMAT' && /not a keystore/.test(err.message) && err.errno === -10);
  e = null;
  assert.throws(() => s.KeyStore.load(Buffer.concat([Buffer.from('feedfeed00000002', 'hex'), Buffer.alloc(2)]), PW),
    (err) => ['KEYSTORE_TRUNCATED', 'KEYSTORE_CORRUPT'].includes(err.code));
  const secret = 'Tr0ub4dor&3-secret';
  const wrong = 'correct-horse-battery';
  const ks = s.KeyStore.load(P('keystore.jks'), PW);
  for (const fmt of ['JKS', 'PKCS12']) {
    const f = path.join(tmp(), `store.${fmt}`);
    ks.save(f, fmt, secret);
    try {
      s.KeyStore.load(f, wrong);
      assert.fail('loaded');
    } catch (err) {
      e = err;
    }
    assert.ok(e instanceof s.BadPasswordError && e instanceof s.KeystoreError);
    assert.equal(e.code, 'BAD_PASSWORD');
    for (const text of [String(e), e.message, e.stack, JSON.stringify(e)]) {
      assert.ok(!text.includes(wrong) && !text.includes(secret));
    }
    assert.throws(() => new s.SslSettings(f, wrong), s.BadPasswordError);
  }
  const data = fs.readFileSync(P('keystore.jks'));
  data[data.length - 30] ^= 0xff;
  assert.throws(() => s.KeyStore.load(data, PW), (err) => ['KEYSTORE_INTEGRITY', 'KEYSTORE_CORRUPT', 'BAD_PASSWORD'].includes(err.code));
});

test('missing file and alias, entry edits', () => {
  assert.throws(() => s.KeyStore.load('/nonexistent/none.jks', PW), (e) => e instanceof s.FileError && e.code === 'IO');
  const ks = s.KeyStore.load(P('keystore.jks'), PW);
  assert.throws(() => ks.remove('nope'), s.EntryNotFoundError);
  assert.throws(() => ks.addCertificate('sampleAlias', ks.entries[0].certificate), { code: 'ALIAS_EXISTS' });
  ks.addCertificate('trusted', ks.entries[0].certificate);
  assert.deepEqual(ks.entries.map((e) => e.kind), ['privateKey', 'trustedCertificate']);
  ks.remove('trusted');
  assert.equal(ks.size, 1);
  ks.setKeyPassword('samplealias', 'other').setKeyPassword('samplealias', null).unlockKey('samplealias', PW);
  // a private key and chain from PEM
  const pem = ks.toBuffer('PEM', null).toString();
  const block = (label) => pem.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----\\n?`, 'g')).join('');
  const key = block('PRIVATE KEY');
  const chain = block('CERTIFICATE');
  const fresh = new s.KeyStore();
  fresh.addPrivateKey('copy', key, chain);
  assert.equal(fresh.get('copy').kind, 'privateKey');
  assert.throws(() => fresh.addPrivateKey('bad', 'garbage', chain), s.KeystoreError);
});

test('KeyManager, SSLContext, SocketFactory and SslSettings', () => {
  const ks = s.KeyStore.load(P('client.p12'), PW);
  const km = new s.KeyManager(ks);
  assert.deepEqual(km.aliases, ['client']);
  assert.equal(km.size, 1);
  assert.equal(km.certificates[0].subject, 'CN=sslbind client');
  assert.throws(() => new s.KeyManager(ks, { alias: 'nobody' }), s.EntryNotFoundError);
  const settings = new s.SslSettings({ path: P('keystore.jks'), password: PW });
  const ctx = settings.getSslContext();
  assert.deepEqual(ctx.protocols, ['TLSv1.3', 'TLSv1.2']);
  assert.deepEqual(ctx.cipherSuites, []);
  assert.ok(ctx.priority.length > 0);
  assert.equal(ctx.keyManager, null);
  assert.equal(ctx.trustManager.anchorCount, 1);
  const f = ctx.socketFactory;
  assert.equal(f, ctx.socketFactory);
  assert.deepEqual(f.context.protocols, ctx.protocols);
  const d = ctx.derive({ keyManager: km, protocols: ['TLSv1.3'] });
  assert.deepEqual(d.protocols, ['TLSv1.3']);
  assert.deepEqual(d.keyManager.aliases, ['client']);
  assert.equal(d.trustManager.anchorCount, 1);
  const c2 = new s.SSLContext({ trustManager: settings.getTrustManager(), cipherSuites: 'TLS_AES_128_GCM_SHA256' });
  assert.deepEqual(c2.cipherSuites, ['TLS_AES_128_GCM_SHA256']);
  assert.throws(() => new s.SSLContext({ protocols: ['TLSv1'] }), s.UnsupportedError);
  assert.throws(() => new s.SSLContext({ protocols: ['TLSv9'] }), s.InvalidArgumentError);
  assert.throws(() => new s.SSLContext({ keyManager: 'x' }), TypeError);
  assert.equal(settings.getTrustManagerFactory().trustManagers.length, 1);
  assert.equal(settings.getKeyStore().aliases[0], 'samplealias');
});

test('a borrowed keystore keeps its SslSettings alive', () => {
  const settings = new s.SslSettings(P('keystore.jks'), PW);
  const ks = settings.keyStore();
  settings.close();
  assert.throws(() => settings.sslContext(), /closed/);
  assert.equal(ks.entries[0].alias, 'samplealias'); // the C settings live on
  ks.close();
  assert.throws(() => ks.size, /closed/);
});

test('bad arguments throw TypeError/RangeError naming the argument', () => {
  const a = s._addon;
  assert.throws(() => a.keystoreLoad({}, Buffer.alloc(1), null), { name: 'TypeError', message: 'this must be a KeyStore' });
  const cert = s.Certificate.load(s.KeyStore.load(P('keystore.jks'), PW).entries[0].certificate.der);
  assert.throws(() => a.keystoreSize(cert._h), { name: 'TypeError', message: 'this must be a KeyStore, not a Certificate' });
  assert.throws(() => a.keystoreLoad(a.keystoreNew(), 42, null), { name: 'TypeError', message: /data must be a Buffer/ });
  assert.throws(() => a.keystoreLoad(a.keystoreNew(), Buffer.alloc(1), 42), { name: 'TypeError', message: /password must be a string or null/ });
  assert.throws(() => a.keystoreEntry(a.keystoreNew(), -1), { name: 'RangeError', message: /index must be an integer/ });
  assert.throws(() => a.keystoreEntry(a.keystoreNew(), 0), { name: 'RangeError' });
  assert.throws(() => a.engineNew(99), { name: 'RangeError', message: /kind/ });
  assert.throws(() => a.certSpecSetKeyType(a.certSpecNew(), 1.5), RangeError);
  assert.throws(() => a.keystoreFind(a.keystoreNew(), 'a\u0000b'), /NUL/);
  assert.throws(() => s.Certificate.load(Buffer.from('nope')), (e) => e.code === 'CERTIFICATE');
  assert.throws(() => s.Certificate.load(42), TypeError);
  assert.throws(() => s.KeyStore.load(42, PW), TypeError);
  assert.throws(() => a.callbackNew(1, 'not a function'), TypeError);
  assert.throws(() => a.trustBuilderSetVerifyCallback(a.trustBuilderNew(), a.callbackNew(2, () => 1)), /verify callback/);
  assert.throws(() => s.TrustManager.builder().verifyCallback(42), TypeError);
  assert.equal(typeof s.version(), 'string');
  assert.equal(s.napiVersion, 8);
  assert.ok(s.versionNumber() >= 0x000100);
});
