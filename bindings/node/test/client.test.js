'use strict';
// Requests: methods, headers and bodies (streamed ones too), client options,
// fault modes, timeouts, AbortSignal, close(), batch, streaming with
// back-pressure, responses and TLS facts.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Readable } = require('node:stream');
const { setTimeout: sleep } = require('node:timers/promises');
const s = require('..');
const { servers, pki, PW, pattern } = require('./helpers');

let srv;
let settings;
let client;
test.before(async () => {
  srv = await servers(['main', 'h1']);
  settings = new s.SslSettings(path.join(pki(), 'keystore.jks'), PW);
  client = new s.HttpClient({ trustManager: settings.trustManager() });
});
test.after(async () => {
  await client.close();
  await srv.stopAll();
});

test('methods, headers and bodies', async () => {
  const url = srv.main.url('/echo');
  let r = await client.post(url, { body: Buffer.from('\x00binary\xff', 'latin1'), headers: { 'Content-Type': 'x/y' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, Buffer.from('\x00binary\xff', 'latin1'));
  assert.equal(r.headers.get('x-method'), 'POST');
  assert.equal(r.headers.get('X-Request-Length'), '8');
  assert.equal(r.headers.get('CONTENT-TYPE'), 'x/y');
  assert.deepEqual(r.headers.getAll('x-method'), ['POST']);
  assert.equal(r.headers.get('nope'), null);
  // the field list in order: values(), forEach() (value, name) and toJSON()
  const pairs = [...r.headers];
  assert.deepEqual([...r.headers.values()], pairs.map(([, v]) => v));
  const seen = [];
  r.headers.forEach((v, k, h) => { assert.equal(h, r.headers); seen.push([k, v]); });
  assert.deepEqual(seen, pairs);
  assert.deepEqual(JSON.parse(JSON.stringify(r.headers)), pairs);
  assert.ok([...r.headers].some(([k, v]) => k === 'content-type' && v === 'x/y'));
  assert.ok(r.headers.has('Content-Type') && r.headers.size >= 3);
  r = await client.put(url, { json: { a: [1, 2] } });
  assert.deepEqual(r.json(), { a: [1, 2] });
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.equal((await client.request('PATCH', url, { body: 'héllo' })).text(), 'héllo');
  assert.equal((await client.patch(url, { body: new Uint8Array([104, 105]) })).text(), 'hi');
  assert.equal((await client.delete(url)).headers.get('x-method'), 'DELETE');
  assert.equal((await client.options(url)).headers.get('x-method'), 'OPTIONS');
  r = await client.head(srv.main.url('/bytes/10'));
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(r.headers.get('content-length'), '10');
  // streamed request bodies: a Readable, an async generator, a sync iterable
  r = await client.post(url, { body: Readable.from([pattern(100000)]) });
  assert.ok(r.body.equals(pattern(100000)));
  r = await client.post(url, { body: (async function* gen() { yield pattern(1); await sleep(5); yield pattern(70000); yield pattern(3); }()), http: 'http/1.1' });
  assert.ok(r.body.equals(Buffer.concat([pattern(1), pattern(70000), pattern(3)])));
  assert.equal(r.httpVersion, '1.1');
  r = await client.post(url, { body: ['a', 'b', Buffer.from('c')], length: 3 });
  assert.equal(r.text(), 'abc');
  r = await client.get(srv.main.url('/headers'), { headers: [['X-One', '1'], ['X-Two', '2']] });
  assert.match(r.text().toLowerCase(), /x-one: 1/);
  assert.match(r.text().toLowerCase(), /x-two: 2/);
  assert.equal((await client.get(srv.main.url('/status/418'))).status, 418);
  assert.equal((await client.get(srv.main.url('/status/418'))).ok, false);
  await assert.rejects(client.get(srv.main.url(), { headers: { 'Bad\nName': 'x' } }), s.InvalidArgumentError);
  await assert.rejects(client.request('GET URL', srv.main.url()), TypeError);
  await assert.rejects(client.get(srv.main.url(), { body: 42 }), TypeError);
  await assert.rejects(client.get(srv.main.url(), { nonsense: 1 }), /unknown request option/);
  await assert.rejects(client.get(srv.main.url(), { http: 'h3' }), RangeError);
  await assert.rejects(client.get(srv.main.url(), { timeout: -1 }), RangeError);
});

test('client options', async () => {
  let c = new s.HttpClient({
    trustManager: settings.trustManager(), redirects: 5, maxBody: 1000, headers: { 'X-Default': 'yes' }, http: 'http/1.1',
    resolve: { [`example.test:${srv.main.port}`]: '127.0.0.1' }, serverName: 'localhost', decoding: true,
    connectTimeout: 5000, idleTimeout: 5000,
  });
  let r = await c.get(srv.main.url('/redirect/3'));
  assert.equal(r.status, 200);
  assert.equal(r.text(), 'redirected\n');
  assert.equal(r.httpVersion, '1.1');
  assert.match((await c.get(srv.main.url('/headers'))).text().toLowerCase(), /x-default: yes/);
  await assert.rejects(c.get(srv.main.url('/bytes/2000')), (e) => e instanceof s.TooLargeError && e.code === 'TOO_LARGE');
  assert.equal((await c.get(`https://example.test:${srv.main.port}/`)).status, 200);
  await c.close();
  // curl's --connect-to: dialled elsewhere, the URL's name still the one verified
  c = new s.HttpClient({
    trustManager: settings.trustManager(),
    connectTo: { 'localhost:1': `127.0.0.1:${srv.main.port}`, 'localhost:2': `:${srv.main.port}` },
  });
  assert.equal((await c.get('https://localhost:1/')).status, 200);
  assert.equal((await c.get('https://localhost:2/')).status, 200);
  await c.close();
  assert.throws(() => new s.HttpClient({ connectTo: { 'a b:1': 'c:2' } }), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => new s.HttpClient({ connectTo: { 'nohost': 'c:2' } }), TypeError);
  assert.throws(() => new s.HttpClient({ connectTo: { 'a:1': 'c:99999' } }), RangeError);
  c = new s.HttpClient({ trustManager: settings.trustManager(), redirects: 1 });
  await assert.rejects(c.get(srv.main.url('/redirect/3')), s.TooManyRedirectsError);
  await c.close();
  c = new s.HttpClient({ trustManager: settings.trustManager() });
  assert.equal((await c.get(srv.main.url('/redirect/1'))).status, 302);
  await assert.rejects(c.get('ftp://localhost/'), (e) => e instanceof s.InvalidURLError && e.code === 'URL');
  await assert.rejects(c.get('https://localhost:1/'), (e) => e instanceof s.ConnectionError && e.code === 'CONNECT');
  await c.close();
  assert.throws(() => new s.HttpClient({ proxy: 'http://user:secret@127.0.0.1:1' }), (e) => e instanceof s.InvalidURLError && !e.message.includes('secret'));
  assert.throws(() => new s.HttpClient({ connectTimeout: -5 }), RangeError);
  assert.throws(() => new s.HttpClient({ hostnamePolicy: 'SOMETIMES' }), RangeError);
  c = new s.HttpClient({ trustManager: settings.trustManager(), hostnamePolicy: 'NONE', proxy: null, noProxy: ['x'] });
  r = await c.get(srv.main.url('/', '127.0.0.1'));
  assert.equal(r.status, 200);
  await c.close();
});

for (const http of ['h2', 'http/1.1']) {
  test(`fault modes over ${http}`, async () => {
    const c = new s.HttpClient({ trustManager: settings.trustManager(), requestTimeout: 500, http });
    await assert.rejects(c.get(srv.main.url('/fault/stall')), (e) => e instanceof s.TimeoutError && e.code === 'TIMEOUT' && e.errno === -54);
    await assert.rejects(c.get(srv.main.url('/fault/close-mid-body')), (e) => e instanceof s.ConnectionError && e.code === 'CONNECTION_CLOSED');
    await assert.rejects(c.get(srv.main.url('/fault/garbage')), (e) => e instanceof s.ProtocolError && e.code === 'PROTOCOL' && e.message.length > 0);
    assert.equal((await c.get(srv.main.url())).status, 200);
    await c.close();
  });
}

test('per-request timeout', async () => {
  const t = Date.now();
  const e = await client.get(srv.main.url('/delay/3000'), { timeout: 300 }).catch((err) => err);
  assert.ok(e instanceof s.TimeoutError);
  assert.equal(e.code, 'TIMEOUT');
  assert.ok(Date.now() - t < 2500);
  assert.equal((await client.get(srv.main.url('/delay/10'), { timeout: 5000 })).status, 200);
  // a streamed body that never comes: the timeout still ends the request
  const never = new Readable({ read() {} });
  await assert.rejects(client.post(srv.main.url('/echo'), { body: never, timeout: 300, http: 'http/1.1' }), { code: 'TIMEOUT' });
  assert.equal((await client.get(srv.main.url())).status, 200);
});

test('AbortSignal cancels', async () => {
  const ac = new AbortController();
  const p = client.get(srv.main.url('/delay/5000'), { signal: ac.signal });
  setTimeout(() => ac.abort(), 100);
  const e = await p.catch((err) => err);
  assert.ok(e instanceof s.AbortError && e instanceof s.CancelledError);
  assert.equal(e.name, 'AbortError');
  assert.equal(e.code, 'CANCELLED');
  assert.equal(e.cause, ac.signal.reason);
  await assert.rejects(client.get(srv.main.url(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
  await assert.rejects(client.get(srv.main.url('/delay/5000'), { signal: AbortSignal.timeout(100) }), (err) => err.cause.name === 'TimeoutError');
  await assert.rejects(client.get(srv.main.url(), { signal: {} }), TypeError);
});

test('close() cancels in-flight requests, is idempotent, and the client refuses more', async () => {
  const c = new s.HttpClient({ trustManager: settings.trustManager() });
  const inflight = [c.get(srv.main.url('/delay/10000')), c.stream('GET', srv.main.url('/delay/10000'))];
  await sleep(200);
  assert.equal(c.pending, 2);
  const t = Date.now();
  const closing = c.close();
  assert.equal(c.close(), closing);
  const results = await Promise.allSettled(inflight);
  await closing;
  assert.ok(Date.now() - t < 5000);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal(r.reason.code, 'CANCELLED');
    assert.ok(r.reason instanceof s.CancelledError);
  }
  await assert.rejects(c.get(srv.main.url()), /closed/);
  assert.ok(c.closed);
});

test('batch reports each outcome in order', async () => {
  const res = await client.batch([
    ['GET', srv.main.url('/bytes/1')],
    ['GET', 'nonsense://x'],
    ['POST', srv.main.url('/echo'), { body: 'hi' }],
    ['GET', srv.main.url('/fault/garbage'), { http: 'http/1.1' }],
    ['GET', srv.main.url('/delay/2000')],
    'not an item',
  ], { timeout: 1000 });
  assert.equal(res[0].text(), 'a');
  assert.ok(res[1] instanceof s.InvalidURLError);
  assert.equal(res[2].text(), 'hi');
  assert.ok(res[3] instanceof s.ProtocolError);
  assert.ok(res[4] instanceof s.TimeoutError);
  assert.ok(res[5] instanceof TypeError);
});

test('stream five megabytes, head first', async () => {
  const n = 5000000;
  const r = await client.stream('GET', srv.main.url(`/bytes/${n}`));
  assert.equal(r.status, 200);
  assert.equal(r.httpVersion, '2');
  assert.equal(r.headers.get('content-length'), String(n));
  assert.ok(r.tls.version.startsWith('TLS') && r.tls.chain[0].subject.startsWith('CN=localhost'));
  const chunks = [];
  for await (const c of r) chunks.push(c);
  assert.ok(chunks.length >= 1);
  assert.ok(Buffer.concat(chunks).equals(pattern(n)));
  assert.equal(r.bytesReceived, n);
});

test('stream: the head arrives before the body; destroying the body cancels', async () => {
  const r = await client.stream('GET', srv.main.url('/fault/stall-body'), { timeout: 10000 });
  assert.equal(r.status, 200);
  assert.ok(r.ok);
  assert.equal(r.headers.get('content-length'), '100000');
  assert.equal(r.done, false);
  const first = await new Promise((resolve) => r.body.once('data', resolve));
  assert.ok(first.length > 0);
  r.cancel();
  assert.equal((await client.get(srv.main.url())).status, 200);
  // an error before any head rejects stream() itself
  await assert.rejects(client.stream('GET', srv.main.url('/fault/garbage')), s.ProtocolError);
  // an error after the head destroys the body with it
  const c2 = new s.HttpClient({ trustManager: settings.trustManager(), requestTimeout: 500 });
  const st = await c2.stream('GET', srv.main.url('/fault/stall-body'));
  await assert.rejects(st.buffer(), (e) => e.code === 'TIMEOUT');
  await c2.close();
  // redirects the client follows are not the head
  const c3 = new s.HttpClient({ trustManager: settings.trustManager(), redirects: 5 });
  const rr = await c3.stream('GET', srv.main.url('/redirect/3'));
  assert.equal(rr.status, 200);
  assert.equal(await rr.text(), 'redirected\n');
  await c3.close();
});

for (const server of ['main', 'h1']) {
  test(`stream: a slow consumer holds the transfer back (${server})`, async (t) => {
    const n = 64 << 20;
    const c = new s.HttpClient({ trustManager: settings.trustManager(), requestTimeout: 15000 });
    t.after(() => c.close());
    const r = await c.stream('GET', srv[server].url(`/bytes/${n}`));
    assert.equal(r.httpVersion, server === 'main' ? '2' : '1.1');
    const it = r.body[Symbol.asyncIterator]();
    let got = (await it.next()).value.length;
    await sleep(1000); // enough for the whole body on loopback if not held back
    const held = r.bytesReceived;
    // Held back: far less than the 64 MiB sent. How far past the 4 MiB
    // high-water mark the reading goes depends on how soon the JS thread's
    // pause reaches the I/O thread (8.0 MiB was seen on h1 on a loaded
    // machine), so the bound is loose; the figure is printed below.
    assert.ok(held < n / 4, `held ${held}`);
    let tail = Buffer.alloc(0);
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      got += value.length;
      tail = Buffer.concat([tail, value]).subarray(-52);
    }
    assert.equal(got, n);
    assert.ok(tail.equals(pattern(n).subarray(-52)));
    assert.ok(r.pauses >= 1);
    console.log(`# back-pressure (${server}): ${held} bytes received while the consumer slept, ${r.pauses} pause(s)`);
  });
}

test('responses and TLS facts', async () => {
  const r = await client.get(srv.main.url('/bytes/26'));
  assert.ok(r.body.equals(pattern(26)));
  assert.ok(r.ok);
  assert.equal(r.tls.chain.length, 1);
  assert.ok(r.tls.chain[0].spkiPin.startsWith('sha256/'));
  assert.equal(typeof r.tls.resumed, 'boolean');
  r.close();
  r.close();
  assert.ok(r.body.equals(pattern(26))); // the Buffer keeps its bytes
  assert.equal(r.tls.chain.length, 1);
  assert.equal(r.url, srv.main.url('/bytes/26'));
});

class Broken extends Error {}

test('a throwing body source surfaces its error', async () => {
  async function* body() {
    yield Buffer.from('first part');
    throw new Broken('disk on fire');
  }
  const e = await client.post(srv.main.url('/echo'), { body: body(), http: 'http/1.1' }).catch((err) => err);
  assert.ok(e instanceof Broken);
  assert.equal(e.message, 'disk on fire');
  assert.ok(e.cause instanceof s.CancelledError);
  assert.equal((await client.get(srv.main.url())).status, 200);
});

test('an idle client does not keep the process alive; one with requests does', () => {
  const { spawnSync } = require('node:child_process');
  const mod = JSON.stringify(path.resolve(__dirname, '..'));
  const idle = spawnSync(process.execPath, ['-e', `
    const s = require(${mod});
    const c = new s.HttpClient({ trustManager: s.TrustManager.builder().insecureTrustAll().build() });
    c.get(process.argv[1]).then((r) => console.log('got', r.status));`, srv.main.url('/delay/300')], { encoding: 'utf8', timeout: 20000 });
  assert.equal(idle.status, 0, idle.stderr);
  assert.match(idle.stdout, /got 200/); // the request kept it alive until done, then it exited
});

test('a throwing data listener loses no other event of its batch', () => {
  // events reach JavaScript in batches: a 'data' listener that throws (an
  // uncaught exception) must not drop the completions after it
  const { spawnSync } = require('node:child_process');
  const mod = JSON.stringify(path.resolve(__dirname, '..'));
  const p = spawnSync(process.execPath, ['-e', `
    const s = require(${mod});
    const [ksPath, pw, url] = process.argv.slice(1);
    let uncaught = 0;
    process.on('uncaughtException', () => { uncaught++; });
    const settings = new s.SslSettings(ksPath, pw);
    const c = new s.HttpClient({ trustManager: settings.trustManager() });
    const guard = setTimeout(() => { console.log('hung', c.pending); process.exit(3); }, 20000);
    (async () => {
      for (let round = 0; round < 3; round++) {
        const r = await c.stream('GET', url + 'bytes/3000000');
        r.body.on('data', () => { throw new Error('listener'); });
        r.body.on('error', () => {});
        const gets = [];
        for (let i = 0; i < 200; i++) gets.push(c.get(url + 'bytes/100'));
        const t = Date.now();
        while (Date.now() - t < 300); // the I/O thread gathers one batch meanwhile
        await Promise.all(gets);
        r.cancel();
      }
      await c.close();
      clearTimeout(guard);
      console.log('ok', uncaught > 0);
    })().catch((e) => { console.error(e); process.exit(1); });
  `, path.join(pki(), 'keystore.jks'), PW, srv.main.url('/')], { encoding: 'utf8', timeout: 60000 });
  assert.equal(p.status, 0, `${p.stdout}\n${p.stderr}`);
  assert.match(p.stdout, /ok true/);
});
