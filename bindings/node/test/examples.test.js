'use strict';
// examples/node/*.js, one per engine: each prints the same line as its
// Python and C counterparts against the same server, and fails the same way
// ("error CODE message" on stderr, exit 2).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { servers, pki, PW, REPO, BUILD, nativeEnv } = require('./helpers');

const EXAMPLES = path.join(REPO, 'examples', 'node');
const ENGINES = { apache: '2', java: '2', jetty: '2', okhttp: '2', native: '2', cio: '1.1', android: '1.1' };

let srv;
test.before(async () => { srv = await servers(['main', 'named', 'mtls']); });
test.after(async () => { await srv.stopAll(); });

const spawn = (cmd, args, env) => spawnSync(cmd, args.map(String), { encoding: 'utf8', timeout: 60000, env });
const run = (cmd, args) => spawn(cmd, args, nativeEnv());
const node = (name, args) => spawn(process.execPath, [path.join(EXAMPLES, `${name}.js`), ...args], process.env);

function line(p) {
  for (const ln of p.stdout.split('\n')) {
    if (ln.startsWith('engine\t')) {
      const f = ln.split('\t');
      const o = {};
      for (let i = 0; i + 1 < f.length; i += 2) o[f[i]] = f[i + 1];
      return o;
    }
  }
  throw new Error(p.stdout + p.stderr);
}

for (const name of Object.keys(ENGINES).sort()) {
  test(`examples/node/${name}.js matches its C and Python counterparts`, () => {
    const url = srv.main.url();
    const js = node(name, [url, path.join(pki(), 'keystore.jks'), PW]);
    assert.equal(js.status, 0, js.stderr);
    const r = line(js);
    assert.equal(r.status, '200');
    assert.equal(r.verified, 'yes');
    assert.equal(r.version, ENGINES[name]);
    assert.ok(js.stdout.includes('hello from sslb-testserver'));
    const cProg = path.join(BUILD, `engine-${name}`);
    if (fs.existsSync(cProg)) {
      const c = run(cProg, [url, path.join(pki(), 'keystore.jks'), PW]);
      assert.equal(c.status, 0, c.stderr);
      assert.deepEqual(line(c), r);
      assert.equal(c.stdout, js.stdout);
    }
    const py = run('python3', [path.join(REPO, 'examples', 'python', `${name}.py`), url, path.join(pki(), 'keystore.jks'), PW]);
    if (py.status === 0) assert.equal(py.stdout, js.stdout);
  });

  test(`examples/node/${name}.js fails like C`, () => {
    const url = srv.main.url();
    const js = node(name, [url, path.join(pki(), 'stranger.jks'), PW]);
    assert.equal(js.status, 2);
    assert.ok(js.stderr.includes('error\tCERT_SELF_SIGNED\t'), js.stderr);
    const bad = node(name, [url, path.join(pki(), 'keystore.jks'), 'Xyzzy-42']);
    assert.equal(bad.status, 2);
    assert.ok(bad.stderr.includes('error\tBAD_PASSWORD\t'), bad.stderr);
    assert.ok(!bad.stderr.includes('Xyzzy-42'));
  });
}

test('example extras: CIO serverName and mTLS, Jetty without identification, OkHttp pins, Apache CLIENT', () => {
  const named = srv.named.url('/', '127.0.0.1');
  const only = path.join(pki(), 'localhost-only.jks');
  let p = node('cio', [named, only, PW, 'localhost']);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(line(p).status, '200');
  p = node('jetty', [named, only, PW, 'no-identification']);
  assert.equal(p.status, 0, p.stderr);
  p = node('okhttp', [srv.main.url(), path.join(pki(), 'keystore.jks'), PW, 'localhost', `sha256/${'A'.repeat(43)}=`]);
  assert.equal(p.status, 2);
  assert.ok(p.stderr.includes('error\tCERT_PIN_MISMATCH\t'), p.stderr);
  p = node('apache', [named, only, PW, 'client']);
  assert.equal(p.status, 2);
  assert.ok(p.stderr.includes('checked by the client after the handshake'), p.stderr);
  p = node('cio', [srv.mtls.url('/client-cert'), path.join(pki(), 'keystore.jks'), PW, '-', path.join(pki(), 'client.p12'), 'client']);
  assert.equal(p.status, 0, p.stderr);
  assert.ok(p.stdout.includes('CN=sslbind client'));
  p = node('java', [srv.main.url(), path.join(pki(), 'keystore.jks'), PW, 'TLSv1.2']);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(line(p).tls, 'TLS1.2');
  p = node('native', []);
  assert.equal(p.status, 2);
  assert.match(p.stderr, /usage: native\.js URL/);
});
