'use strict';
// One measurement for bench/node.py: runs N GETs with one client and prints
// {"rate": requests per second} on stdout. Every body is read to the end.
//
//   node bench/node-client.js CLIENT MODE URL N CA
//
// CLIENT: sslbind | undici-request | undici-fetch | node-https | node-http2
// MODE:   seq (one request at a time, HTTP/1.1 keep-alive for the HTTP/1.1
//         clients) or conc (N at once over one HTTP/2 connection)
const path = require('node:path');

const [client, mode, url, nArg, ca] = process.argv.slice(2);
const n = Number(nArg);
const root = path.resolve(__dirname, '..');
const peers = path.join(__dirname, '.peers-node', 'node_modules');
const caPem = require('node:fs').readFileSync(ca);

function fail(msg) {
  process.stderr.write(`${client} ${mode}: ${msg}\n`);
  process.exit(2);
}

async function times(fn) {
  if (mode === 'seq') {
    for (let i = 0; i < n; i++) await fn();
  } else {
    const all = [];
    for (let i = 0; i < n; i++) all.push(fn());
    await Promise.all(all);
  }
}

async function sslbind() {
  const s = require(path.join(root, 'bindings', 'node'));
  const tm = s.TrustManager.builder().replaceDefaults().addFile(ca).build();
  const c = new s.HttpClient({ trustManager: tm, http: mode === 'seq' ? 'http/1.1' : 'h2' });
  await c.get(url); // connect and handshake outside the timing, like the peers
  const t = process.hrtime.bigint();
  await times(async () => {
    const r = await c.get(url);
    if (r.status !== 200) fail(`status ${r.status}`);
  });
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  await c.close();
  return dt;
}

async function undici(kind) {
  const u = require(path.join(peers, 'undici'));
  const origin = new URL(url).origin;
  const d = mode === 'seq'
    ? new u.Client(origin, { connect: { ca: caPem } })
    : new u.Client(origin, { allowH2: true, connect: { ca: caPem }, pipelining: 128 });
  const one = kind === 'fetch'
    ? async () => {
      const r = await u.fetch(url, { dispatcher: d });
      if (r.status !== 200) fail(`status ${r.status}`);
      await r.arrayBuffer();
    }
    : async () => {
      const r = await u.request(url, { dispatcher: d });
      if (r.statusCode !== 200) fail(`status ${r.statusCode}`);
      await r.body.arrayBuffer();
    };
  await one();
  const t = process.hrtime.bigint();
  await times(one);
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  await d.close();
  return dt;
}

async function nodeHttps() {
  const https = require('node:https');
  const agent = new https.Agent({ keepAlive: true, maxSockets: mode === 'seq' ? 1 : 256, ca: caPem });
  const one = () => new Promise((resolve, reject) => {
    https.get(url, { agent }, (res) => {
      if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
      res.on('data', () => {});
      res.on('end', resolve);
      res.on('error', reject);
    }).on('error', reject);
  });
  await one();
  const t = process.hrtime.bigint();
  await times(one);
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  agent.destroy();
  return dt;
}

async function nodeHttp2() {
  const http2 = require('node:http2');
  const u = new URL(url);
  const session = http2.connect(u.origin, { ca: caPem });
  const one = () => new Promise((resolve, reject) => {
    const req = session.request({ ':path': u.pathname });
    req.on('response', (h) => { if (h[':status'] !== 200) fail(`status ${h[':status']}`); });
    req.on('data', () => {});
    req.on('end', resolve);
    req.on('error', reject);
    req.end();
  });
  await one();
  const t = process.hrtime.bigint();
  await times(one);
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  session.close();
  return dt;
}

const run = {
  'sslbind': sslbind,
  'undici-request': () => undici('request'),
  'undici-fetch': () => undici('fetch'),
  'node-https': nodeHttps,
  'node-http2': nodeHttp2,
}[client];
if (!run) fail('unknown client');
run().then((dt) => {
  process.stdout.write(JSON.stringify({ rate: n / dt }) + '\n');
}, (e) => fail(e && e.stack ? e.stack : String(e)));
