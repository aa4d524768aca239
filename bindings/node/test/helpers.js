'use strict';
// Shared by the tests: keystores made by keytool and sslb-keystore (as the
// Python suite makes them) and sslb-testserver processes on 127.0.0.1,
// started once per test file. Nothing leaves this machine.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUILD = process.env.SSLB_BUILD_DIR || path.join(REPO, 'build');
const SERVER = path.join(BUILD, 'sslb-testserver');
const TOOL = path.join(BUILD, 'sslb-keystore');
const PW = 'foobar';

/** The environment for children that are not node (servers, tools,
 * keytool, the C and Python examples): without the sanitizer runtime that
 * `run-tests --asan` preloads into node for the instrumented addon. */
function nativeEnv() {
  const env = { ...process.env };
  if (env.LD_PRELOAD && /lib(asan|ubsan)/.test(env.LD_PRELOAD)) delete env.LD_PRELOAD;
  return env;
}

function run(cmd, args) {
  return execFileSync(cmd, args.map(String), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000, env: nativeEnv() })
    .toString();
}

function makeJks(file, san, org) {
  run('keytool', ['-genkeypair', '-keystore', file, '-storetype', 'JKS', '-storepass', PW, '-keypass', PW,
    '-alias', 'sampleAlias', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', `CN=localhost, O=${org}`,
    '-ext', `SAN=${san}`, '-validity', '30']);
}

let pkiDir = null;
/** keystore.jks (localhost + 127.0.0.1), localhost-only.jks, stranger.jks,
 * a CA (ca.p12, ca.pem) with a client identity (client.p12) it signed, and
 * unknown-ca.jks: a server chain from a CA nobody trusts. Made once per
 * process. */
function pki() {
  if (pkiDir) return pkiDir;
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sslbind-node-pki-'));
  makeJks(path.join(d, 'keystore.jks'), 'dns:localhost,ip:127.0.0.1', 'Ktor page');
  makeJks(path.join(d, 'localhost-only.jks'), 'dns:localhost', 'named only');
  makeJks(path.join(d, 'stranger.jks'), 'dns:localhost,ip:127.0.0.1', 'stranger');
  const j = (f) => path.join(d, f);
  run(TOOL, ['generate', j('ca.p12'), '--alias', 'ca', '--type', 'ca', '--subject', 'CN=Node CA', '--password', PW]);
  run(TOOL, ['export', j('ca.p12'), 'ca', j('ca.pem'), '--password', PW]);
  run(TOOL, ['generate', j('client.p12'), '--alias', 'client', '--type', 'client', '--subject', 'CN=sslbind client',
    '--sign-with', `${j('ca.p12')}:ca`, '--password', PW]);
  run(TOOL, ['generate', j('other-ca.p12'), '--alias', 'ca', '--type', 'ca', '--subject', 'CN=Other CA', '--password', PW]);
  run(TOOL, ['generate', j('unknown-ca.jks'), '--format', 'jks', '--alias', 'server',
    '--sign-with', `${j('other-ca.p12')}:ca`, '--password', PW]);
  pkiDir = d;
  return d;
}

class Server {
  /** Starts sslb-testserver; resolves once it printed "listening ADDR PORT". */
  static start(...args) {
    return new Promise((resolve, reject) => {
      const child = spawn(SERVER, ['--quiet', ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'], env: nativeEnv() });
      let stderr = '';
      child.stderr.on('data', (b) => { stderr += b; });
      const rl = readline.createInterface({ input: child.stdout });
      const timer = setTimeout(() => { child.kill(); reject(new Error(`sslb-testserver did not start: ${stderr}`)); }, 20000);
      rl.once('line', (line) => {
        clearTimeout(timer);
        const m = /^listening (\S+) (\d+)$/.exec(line.trim());
        if (!m) {
          child.kill();
          reject(new Error(`sslb-testserver: unexpected ${JSON.stringify(line)} ${stderr}`));
          return;
        }
        const s = new Server(child, Number(m[2]));
        s.stderr = () => stderr;
        resolve(s);
      });
      child.once('error', reject);
    });
  }
  constructor(child, port) {
    this.child = child;
    this.port = port;
  }
  url(p = '/', host = 'localhost') { return `https://${host}:${this.port}${p}`; }
  stop() {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve(this.child.exitCode);
      this.child.once('exit', (code) => resolve(code));
      this.child.kill('SIGTERM');
    });
  }
}

/** The servers of the Python suite: main (keystore.jks, h2 + http/1.1,
 * optional client certificates from the CA), named (localhost-only.jks),
 * mtls (a client certificate required), unknown (a chain from a CA nobody
 * trusts), h1 (no h2 offered). */
async function servers(names = ['main', 'named', 'mtls', 'unknown', 'h1']) {
  const d = pki();
  const j = (f) => path.join(d, f);
  const specs = {
    main: ['--keystore', j('keystore.jks'), '--password', PW, '--client-ca', j('ca.pem')],
    named: ['--keystore', j('localhost-only.jks'), '--password', PW],
    mtls: ['--keystore', j('keystore.jks'), '--password', PW, '--client-ca', j('ca.pem'), '--require-client-cert'],
    unknown: ['--keystore', j('unknown-ca.jks'), '--password', PW],
    h1: ['--keystore', j('keystore.jks'), '--password', PW, '--alpn', 'http/1.1'],
  };
  const out = {};
  for (const n of names) out[n] = await Server.start(...specs[n]);
  out.stopAll = async () => { for (const n of names) await out[n].stop(); };
  return out;
}

function pattern(n, offset = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 97 + ((offset + i) % 26);
  return b;
}

async function stats(client, srv) {
  const r = await client.get(srv.url('/stats'));
  const out = {};
  for (const line of r.text().trim().split('\n')) {
    const [k, v] = line.split(/\s+/);
    out[k] = Number(v);
  }
  return out;
}

module.exports = { REPO, BUILD, SERVER, TOOL, PW, pki, servers, Server, pattern, stats, run, nativeEnv };
