'use strict';
// Lifetimes: wrappers collected in every order (C reference counts keep
// shared objects alive), callbacks kept while C may call them, a client
// closed from inside its own callback (the free never runs on the JS
// thread), and exit with requests in flight.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const s = require('..');
const { Server, pki, PW } = require('./helpers');

let srv;
test.before(async () => { srv = await Server.start('--keystore', path.join(pki(), 'keystore.jks'), '--password', PW); });
test.after(async () => { await srv.stop(); });

const MOD = JSON.stringify(path.resolve(__dirname, '..'));

function runScript(body, args, timeout = 120000) {
  const p = spawnSync(process.execPath, ['--expose-gc', '-e', `const s = require(${MOD});\n${body}`, ...args],
    { encoding: 'utf8', timeout });
  assert.equal(p.status, 0, `exit ${p.status} ${p.signal || ''}\n${p.stdout}\n${p.stderr}`);
  return p.stdout;
}

test('finalizers in every order of five objects', () => {
  const out = runScript(`
    const [ksPath, pw, url] = process.argv.slice(1);
    const perms = (a) => a.length <= 1 ? [a] : a.flatMap((x, i) => perms([...a.slice(0, i), ...a.slice(i + 1)]).map((p) => [x, ...p]));
    const tick = () => new Promise((r) => setTimeout(r, 5));
    (async () => {
      let n = 0;
      for (const order of perms(['settings', 'ctx', 'factory', 'tm', 'client'])) {
        const o = {};
        o.settings = new s.SslSettings(ksPath, pw);
        o.ctx = o.settings.sslContext();
        o.factory = o.ctx.socketFactory;
        o.tm = s.TrustManager.builder().initFrom(o.settings.trustManager()).verifyCallback(() => null).build();
        const f = o.factory, tm = o.tm;
        o.client = new s.HttpClient(new s.OkHttp({ config: (b) => b.sslSocketFactory(f, tm) }));
        const r = await o.client.get(url);
        if (r.status !== 200) throw new Error('status ' + r.status);
        for (const name of order) { delete o[name]; global.gc(); await tick(); }
        n++;
      }
      const c = new s.HttpClient(new s.Apache({ sslContext: new s.SslSettings(ksPath, pw).sslContext() }));
      if ((await c.get(url)).status !== 200) throw new Error('after');
      await c.close();
      console.log('orders', n);
    })().catch((e) => { console.error(e); process.exit(1); });`, [path.join(pki(), 'keystore.jks'), PW, srv.url()]);
  assert.match(out, /orders 120/);
});

test('a verify callback lives as long as the client that may call it', async () => {
  const settings = new s.SslSettings(path.join(pki(), 'keystore.jks'), PW);
  const calls = [];
  let tm = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback((h) => { calls.push(h); }).build();
  let ctx = new s.SSLContext({ trustManager: tm });
  const c = new s.HttpClient(new s.Apache({ sslContext: ctx }));
  tm.close();
  ctx.close();
  tm = null;
  ctx = null;
  if (global.gc) global.gc();
  assert.equal((await c.get(srv.url())).status, 200);
  assert.deepEqual(calls, ['localhost']);
  await c.close();
});

test('closing a client from inside its own callback does not deadlock', async () => {
  const settings = new s.SslSettings(path.join(pki(), 'keystore.jks'), PW);
  let c = null;
  let closing = null;
  c = new s.HttpClient({ trustManager: settings.trustManager(), hostnameVerifier: () => { closing = c.close(); return true; } });
  const res = await c.get(srv.url()).then((r) => r, (e) => e);
  assert.ok(res instanceof s.Response || res instanceof s.CancelledError, String(res));
  await closing;
  assert.ok(c.closed);
  // and from a verify callback of another client, dropping the last reference
  let victim = new s.HttpClient({ trustManager: settings.trustManager() });
  const tm = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback(() => {
    victim.close();
    victim = null;
    return null;
  }).build();
  const c2 = new s.HttpClient({ trustManager: tm });
  assert.equal((await c2.get(srv.url())).status, 200);
  await c2.close();
  assert.equal(victim, null);
});

test('exit with requests, streams and callbacks in flight', () => {
  const out = runScript(`
    const [ksPath, pw, url] = process.argv.slice(1);
    const settings = new s.SslSettings(ksPath, pw);
    const tm = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback(() => null).build();
    const c = new s.HttpClient({ trustManager: tm });
    c.get(url + 'delay/10000').catch(() => {});
    c.stream('GET', url + 'bytes/50000000').then((r) => r.body.once('data', () => {
      console.log('exiting');
      process.exit(0);
    }));`, [path.join(pki(), 'keystore.jks'), PW, srv.url()], 30000);
  assert.match(out, /exiting/);
});

test('a dropped client with requests in flight is kept until they complete', () => {
  const out = runScript(`
    const [ksPath, pw, url] = process.argv.slice(1);
    const settings = new s.SslSettings(ksPath, pw);
    const p = new s.HttpClient({ trustManager: settings.trustManager() }).get(url + 'delay/300');
    global.gc();
    p.then((r) => console.log('status', r.status));`, [path.join(pki(), 'keystore.jks'), PW, srv.url()], 30000);
  assert.match(out, /status 200/);
});

test('a worker ended with requests, streams and callbacks in flight frees its clients', () => {
  // at a worker's end its thread-safe functions are finalized first, then
  // its externals: the clients must be freed there (their I/O threads go
  // on in this process), and completions queued for the gone worker must
  // not reach a freed client
  const out = runScript(`
    const { Worker } = require('node:worker_threads');
    const [ksPath, pw, url] = process.argv.slice(1);
    const code = \`
      const s = require(\${JSON.stringify(${MOD})});
      const { parentPort, workerData: [ksPath, pw, url, closeFirst] } = require('node:worker_threads');
      const settings = new s.SslSettings(ksPath, pw);
      const tm = s.TrustManager.builder().initFrom(settings.trustManager()).verifyCallback(() => null).build();
      const c = new s.HttpClient({ trustManager: tm, hostnameVerifier: () => true });
      for (let i = 0; i < 20; i++) c.get(url + 'delay/' + (300 + 20 * i)).catch(() => {});
      c.stream('GET', url + 'bytes/50000000').then((r) => r.body.once('data', () => {
        if (closeFirst) c.close();
        parentPort.postMessage('running');
      }), () => {});
    \`;
    (async () => {
      for (const closeFirst of [false, true, false, true]) {
        const w = new Worker(code, { eval: true, workerData: [ksPath, pw, url, closeFirst] });
        await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
        await w.terminate();
      }
      // the requests the workers left would have completed by now
      await new Promise((r) => setTimeout(r, 1000));
      console.log('done');
    })().catch((e) => { console.error(e); process.exit(1); });`, [path.join(pki(), 'keystore.jks'), PW, srv.url()], 60000);
  assert.match(out, /done/);
});
