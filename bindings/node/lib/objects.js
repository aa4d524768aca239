'use strict';
// Certificates, keystores (and Ktor's buildKeyStore), trust managers, key
// managers, SSL contexts, socket factories and the Ktor page's SslSettings.
//
// Each class holds an addon handle (`_h`). C frees the object when the
// handle is garbage-collected, or at once on close(); shared C objects are
// reference-counted, so wrappers may go in any order. Callbacks C may call
// (verify callbacks) are kept alive by the C side (see src/callbacks.c);
// the JavaScript side keeps `_sinks`, where those callbacks leave what they
// threw, so that requests can surface it.
const fs = require('node:fs');
const net = require('node:net');
const addon = require('./addon');
const errors = require('./errors');

const FORMATS = { UNKNOWN: 0, JKS: 1, JCEKS: 2, PKCS12: 3, PEM: 4, DER: 5 };
const FORMAT_ALIASES = { P12: 'PKCS12', PFX: 'PKCS12', 'PKCS#12': 'PKCS12' };
const KEY_TYPES = { server: 0, client: 1, ca: 2 };
const KEY_ALGORITHMS = { ec_p256: 0, ec_p384: 1, rsa: 2, ed25519: 3, ec: 0, p256: 0, p384: 1 };

function formatCode(format) {
  if (typeof format === 'number') return format;
  if (typeof format !== 'string') throw new TypeError('format must be a string such as "PKCS12", "JKS" or "PEM"');
  let name = format.toUpperCase();
  name = FORMAT_ALIASES[name] || name;
  if (!(name in FORMATS)) throw new RangeError(`unknown keystore format ${JSON.stringify(format)}: one of JKS, PKCS12, PEM`);
  return FORMATS[name];
}

function names(value, what) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(',');
  throw new TypeError(`${what} must be a string or an array of strings`);
}

function str(v, what) {
  if (typeof v !== 'string') throw new TypeError(`${what} must be a string`);
  return v;
}

function optStr(v, what) {
  if (v === undefined || v === null) return null;
  return str(v, what);
}

function pathOf(p, what) {
  if (p instanceof URL) return require('node:url').fileURLToPath(p);
  return str(p, what);
}

function isBytes(v) {
  return Buffer.isBuffer(v) || v instanceof Uint8Array || ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

class Handle {
  constructor(h) { this._h = h; this._closed = false; }
  /** Frees the C object now (idempotent). Objects handed out keep their own references. */
  close() {
    if (!this._closed) {
      this._closed = true;
      addon.close(this._h);
    }
  }
  get closed() { return this._closed; }
}

function sinksOf(...objs) {
  const out = [];
  for (const o of objs) {
    for (const s of (o && o._sinks) || []) if (!out.includes(s)) out.push(s);
  }
  return out;
}

// --------------------------------------------------------- certificates

class Certificate extends Handle {
  /** @internal wraps an addon handle */
  constructor(h) {
    super(h);
    this._info = null;
  }

  /** Parses one certificate from DER or PEM (the first of a PEM bundle). */
  static load(data) {
    if (!isBytes(data) && typeof data !== 'string') throw new TypeError('data must be a Buffer, Uint8Array or PEM string');
    return new Certificate(addon.certNew(data));
  }

  get _i() {
    if (!this._info) this._info = addon.certInfo(this._h);
    return this._info;
  }
  get subject() { return this._i.subject; }
  get issuer() { return this._i.issuer; }
  /** Lower-case hex, as keytool prints it. */
  get serial() { return this._i.serial; }
  get notBefore() { return this._i.notBefore < 0 ? null : new Date(this._i.notBefore * 1000); }
  get notAfter() { return this._i.notAfter < 0 ? null : new Date(this._i.notAfter * 1000); }
  /** Upper-case hex pairs joined by ':' (keytool's form). */
  get sha256Fingerprint() { return this._i.sha256Fingerprint; }
  get sha1Fingerprint() { return this._i.sha1Fingerprint; }
  /** "sha256/<base64>", as OkHttp's CertificatePinner takes it. */
  get spkiPin() { return this._i.spkiPin; }
  get keyAlgorithm() { return this._i.keyAlgorithm; }
  get keyBits() { return this._i.keyBits; }
  get signatureAlgorithm() { return this._i.signatureAlgorithm; }
  get isCa() { return this._i.isCa; }
  /** Subject alternative names as [kind, value]: kind "DNS", "IP", "email", "URI" or "other". */
  get sans() { return this._i.sans.map((p) => [p[0], p[1]]); }
  /** The DER encoding (a copy). */
  get der() { return addon.certDer(this._h); }
  pem() { return addon.certPem(this._h); }
  equals(other) { return other instanceof Certificate && this.der.equals(other.der); }
  toString() { return `Certificate(${this.subject})`; }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this._closed ? 'Certificate <closed>' : `Certificate { subject: '${this.subject}', issuer: '${this.issuer}' }`;
  }
}

const wrapChain = (handles) => handles.map((h) => new Certificate(h));

// ------------------------------------------------------------- keystores

class KeystoreEntry {
  constructor(raw) {
    this.alias = raw.alias;
    /** 'privateKey', 'trustedCertificate' or 'secretKey' */
    this.kind = raw.kind;
    this.chain = wrapChain(raw.chain);
    this.created = raw.created === null ? null : new Date(raw.created);
    this.algorithm = raw.algorithm;
    this.locked = raw.locked;
  }
  get certificate() { return this.chain[0] || null; }
}

class KeyStore extends Handle {
  /** An empty keystore; see KeyStore.load and KeyStore.build. */
  constructor(h) {
    super(h === undefined ? addon.keystoreNew() : h);
  }

  /** Reads a keystore (JKS, JCEKS, PKCS#12, PEM, DER; sniffed) from a path
   * or from bytes. A null password skips the JKS/JCEKS integrity check. */
  static load(source, password = null) {
    const ks = new KeyStore();
    try {
      if (isBytes(source)) addon.keystoreLoad(ks._h, source, optStr(password, 'password'));
      else addon.keystoreLoadFile(ks._h, pathOf(source, 'source'), optStr(password, 'password'));
    } catch (e) {
      ks.close();
      throw e;
    }
    return ks;
  }

  /** The container format of some bytes: "JKS", "PKCS12", ... "unknown". */
  static sniff(data) { return addon.keystoreSniff(data); }

  /** The format the store was last loaded from ("unknown" if none). */
  get format() { return addon.keystoreFormat(this._h); }
  get size() { return addon.keystoreSize(this._h); }
  get aliases() { return this.entries.map((e) => e.alias); }
  get entries() {
    const n = addon.keystoreSize(this._h);
    const out = [];
    for (let i = 0; i < n; i++) out.push(new KeystoreEntry(addon.keystoreEntry(this._h, i)));
    return out;
  }
  [Symbol.iterator]() { return this.entries[Symbol.iterator](); }
  /** Aliases compare case-insensitively, as Java's keystores do. */
  has(alias) { return addon.keystoreFind(this._h, str(alias, 'alias')) >= 0; }
  /** The entry of an alias, or undefined. */
  get(alias) {
    const i = addon.keystoreFind(this._h, str(alias, 'alias'));
    return i < 0 ? undefined : new KeystoreEntry(addon.keystoreEntry(this._h, i));
  }
  unlockKey(alias, keyPassword) { addon.keystoreUnlockKey(this._h, str(alias, 'alias'), str(keyPassword, 'keyPassword')); return this; }
  setKeyPassword(alias, keyPassword) { addon.keystoreSetKeyPassword(this._h, str(alias, 'alias'), optStr(keyPassword, 'keyPassword')); return this; }
  /** Adds a trusted-certificate entry from a Certificate or DER/PEM bytes. */
  addCertificate(alias, cert) {
    const data = cert instanceof Certificate ? cert.der : cert;
    addon.keystoreAddCertificate(this._h, str(alias, 'alias'), data);
    return this;
  }
  /** Adds a private key (PKCS#8 or traditional, DER or PEM, maybe encrypted
   * with keyPassword) and its chain (PEM bundle or one DER), leaf first. */
  addPrivateKey(alias, key, chain, keyPassword = null) {
    addon.keystoreAddPrivateKey(this._h, str(alias, 'alias'), key, chain, optStr(keyPassword, 'keyPassword'));
    return this;
  }
  /** Removes an entry (EntryNotFoundError if there is none). */
  remove(alias) { addon.keystoreRemove(this._h, str(alias, 'alias')); return this; }
  /** Serialises the store: PKCS12 (default), JKS (for Java peers) or PEM. */
  toBuffer(format = 'PKCS12', password = null) {
    return addon.keystoreSave(this._h, formatCode(format), optStr(password, 'password'));
  }
  /** Writes the store to a file, atomically and with mode 0600. */
  save(path, format = 'PKCS12', password = null) {
    addon.keystoreSaveFile(this._h, pathOf(path, 'path'), formatCode(format), optStr(password, 'password'));
    return this;
  }
  /** Generates a key and certificate into this store (Ktor's
   * `certificate(alias) { ... }`); spec as in KeyStore.build. */
  generate(alias, spec = {}) {
    const s = makeSpec(spec);
    try {
      addon.keystoreGenerate(this._h, str(alias, 'alias'), s);
    } finally {
      addon.close(s);
    }
    return this;
  }

  /**
   * Ktor's buildKeyStore { certificate("sampleAlias") { ... } }:
   *   KeyStore.build({ alias: 'sampleAlias', password: 'foobar', domains: ['127.0.0.1', 'localhost'] })
   *   KeyStore.build({ sampleAlias: { password: 'foobar', domains: [...] } })
   * Spec fields: password, domains (IP literals become IP SANs),
   * ipAddresses, subject, keyType ('server' | 'client' | 'ca'), keyAlgorithm
   * ('ec_p256' | 'ec_p384' | 'rsa' | 'ed25519'), keySize, daysValid,
   * signWith: [keyStore, alias, keyPassword?].
   */
  static build(...specs) {
    const ks = new KeyStore();
    try {
      for (const spec of specs) {
        if (spec === null || typeof spec !== 'object') throw new TypeError('each certificate spec must be an object');
        if (typeof spec.alias === 'string') ks.generate(spec.alias, spec);
        else for (const [alias, s] of Object.entries(spec)) ks.generate(alias, s);
      }
    } catch (e) {
      ks.close();
      throw e;
    }
    return ks;
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this._closed ? 'KeyStore <closed>' : `KeyStore { format: '${this.format}', aliases: ${JSON.stringify(this.aliases)} }`;
  }
}

function makeSpec(spec) {
  if (spec === null || typeof spec !== 'object') throw new TypeError('spec must be an object');
  const s = addon.certSpecNew();
  try {
    const type = (spec.keyType || 'server').toLowerCase();
    if (!(type in KEY_TYPES)) throw new RangeError(`keyType must be one of ${Object.keys(KEY_TYPES).join(', ')}`);
    addon.certSpecSetKeyType(s, KEY_TYPES[type]);
    const alg = (spec.keyAlgorithm || 'ec_p256').toLowerCase().replace(/-/g, '_');
    if (!(alg in KEY_ALGORITHMS)) throw new RangeError('keyAlgorithm must be ec_p256, ec_p384, rsa or ed25519');
    addon.certSpecSetKeyAlgorithm(s, KEY_ALGORITHMS[alg]);
    if (spec.keySize != null) addon.certSpecSetKeySize(s, spec.keySize);
    if (spec.subject != null) addon.certSpecSetSubject(s, str(spec.subject, 'subject'));
    const ips = [...(spec.ipAddresses || [])];
    for (const d of spec.domains || []) {
      if (net.isIP(d)) ips.push(d);
      else addon.certSpecAddDomain(s, str(d, 'domain'));
    }
    for (const ip of ips) addon.certSpecAddIpAddress(s, str(ip, 'ipAddress'));
    if (spec.daysValid != null) addon.certSpecSetDaysValid(s, spec.daysValid);
    if (spec.password != null) addon.certSpecSetPassword(s, str(spec.password, 'password'));
    if (spec.signWith != null) {
      const [issuer, alias, keyPassword] = spec.signWith;
      if (!(issuer instanceof KeyStore)) throw new TypeError('signWith[0] must be a KeyStore');
      addon.certSpecSignWith(s, issuer._h, str(alias, 'signWith[1]'), optStr(keyPassword, 'signWith[2]'));
    }
  } catch (e) {
    addon.close(s);
    throw e;
  }
  return s;
}

/** Ktor's generateCertificate(file, ...): one self-signed entry written to a
 * new keystore file (JKS by default, as Ktor). */
function generateCertificate(path, { format = 'JKS', alias = 'mykey', keyPassword = null, storePassword = 'changeit', spec = null } = {}) {
  const s = spec ? makeSpec(spec) : null;
  try {
    addon.generateCertificate(pathOf(path, 'path'), formatCode(format), str(alias, 'alias'),
      optStr(keyPassword, 'keyPassword'), optStr(storePassword, 'storePassword'), s);
  } finally {
    if (s) addon.close(s);
  }
}

// -------------------------------------------------------- trust managers

const VERIFY_CALLBACK = 1;
const HOSTNAME_VERIFIER = 2;
const CONNECTION_CALLBACK = 3;

let codesByName = null;
function codeOf(name) {
  if (!codesByName) codesByName = addon.errorCodes();
  return codesByName[name];
}
let namesByCode = null;
function nameOf(code) {
  if (!namesByCode) {
    namesByCode = {};
    for (const [n, c] of Object.entries(addon.errorCodes())) namesByCode[c] = n;
  }
  return namesByCode[code] || 'UNKNOWN';
}

/** The error for a callback that answered with a Promise (an async
 * function): the request fails with it. The Promise's own outcome is
 * observed, so that its rejection is not an unhandled one on top (which
 * would end the process). */
function asyncAnswer(res, what) {
  const err = new TypeError(`${what} must answer synchronously, not with a Promise`);
  err.code = 'ERR_SSLBIND_ASYNC_CALLBACK';
  try {
    Promise.resolve(res).then(undefined, () => {});
  } catch { /* a thenable whose then() throws: nothing to observe */ }
  return err;
}

/** fn(host, chain, verdict, report) -> true accept, false reject
 * (CERT_REJECTED), null/undefined keep sslbind's verdict, a "CERT_..." name
 * reject with that code. It runs on the JS thread; a throw rejects the
 * chain and the request rejects with what was thrown. */
function verifyCallbackHandle(fn, sink) {
  return addon.callbackNew(VERIFY_CALLBACK, (host, chain, verdict, report) => {
    try {
      const res = fn(host, wrapChain(chain), verdict < 0 ? nameOf(verdict) : null, report);
      if (res && typeof res.then === 'function') throw asyncAnswer(res, 'a verify callback');
      sink.clear(host);
      if (res === null || res === undefined) return verdict;
      if (res === true) return 0;
      if (res === false) return 1;
      if (typeof res === 'string') {
        const code = codeOf(res);
        if (code === undefined || !res.startsWith('CERT_')) throw new RangeError(`verify callback returned ${JSON.stringify(res)}: not a CERT_* code name`);
        return code;
      }
      return res ? 0 : 1;
    } catch (e) {
      sink.record(host, e);
      return 1;
    }
  });
}

/** fn(host, chain) -> truthy accepts the name (javax.net.ssl.HostnameVerifier). */
function hostnameVerifierHandle(fn, sink) {
  if (typeof fn !== 'function') throw new TypeError('hostnameVerifier must be a function (host, chain) => boolean');
  return addon.callbackNew(HOSTNAME_VERIFIER, (host, chain) => {
    try {
      const ok = fn(host, wrapChain(chain));
      if (ok && typeof ok.then === 'function') throw asyncAnswer(ok, 'a hostname verifier');
      sink.clear(host);
      return ok ? 1 : 0;
    } catch (e) {
      sink.record(host, e);
      return 0;
    }
  });
}

class VerifyResult {
  constructor(code, report) {
    this.ok = code >= 0;
    this.code = code;
    this.reason = code < 0 ? nameOf(code) : null;
    this.report = report;
  }
}

class TrustManager extends Handle {
  /** @internal */
  constructor(h, sinks = []) {
    super(h);
    this._sinks = sinks;
  }
  static builder() { return new TrustBuilder(); }
  /** TrustManagerFactory.init(keyStore): the store's certificates, and only those. */
  static fromKeyStore(keyStore) { return new TrustBuilder().replaceDefaults().addKeyStore(keyStore).build(); }
  /** The system trust store. */
  static system() { return new TrustBuilder().build(); }
  get anchorCount() { return addon.trustManagerInfo(this._h).anchorCount; }
  /** True for an insecure trust-all manager (it verifies nothing). */
  get isInsecure() { return addon.trustManagerInfo(this._h).isInsecure; }
  /** Verifies a presented chain (leaf first) for a host (null: no name
   * check). Returns { ok, code, reason, report }; a verify callback of this
   * manager runs now, and what it throws is thrown. */
  verify(chain, host = null) {
    if (!Array.isArray(chain) || !chain.every((c) => c instanceof Certificate)) throw new TypeError('chain must be an array of Certificates');
    const r = addon.trustManagerVerify(this._h, chain.map((c) => c._h), optStr(host, 'host'));
    if (r.code < 0) {
      const name = nameOf(r.code);
      for (const sink of this._sinks) {
        if (sink.codeName !== name) continue;
        const thrown = sink.take(host);
        if (thrown !== undefined) throw errors.surface(thrown, errors.errorFor(r.code, name, r.report, host));
      }
      if (!name.startsWith('CERT_')) throw errors.errorFor(r.code, name, r.report, host);
    }
    return new VerifyResult(r.code, r.report);
  }
  /** Like verify() but throws CertificateVerifyError when refused; returns the report. */
  checkServerTrusted(chain, host = null) {
    const r = this.verify(chain, host);
    if (!r.ok) throw errors.errorFor(r.code, r.reason, r.report, host);
    return r.report;
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this._closed ? 'TrustManager <closed>' : `TrustManager { anchors: ${this.anchorCount}${this.isInsecure ? ', INSECURE' : ''} }`;
  }
}

/** Builds trust managers; anchors are added in order. Starts with the
 * system store (replaceDefaults() drops it). Every method chains. */
class TrustBuilder extends Handle {
  constructor() {
    super(addon.trustBuilderNew());
    this._sinks = [];
  }
  initFrom(tm) {
    if (!(tm instanceof TrustManager)) throw new TypeError('initFrom needs a TrustManager');
    addon.trustBuilderInitFrom(this._h, tm._h);
    for (const s of tm._sinks) if (!this._sinks.includes(s)) this._sinks.push(s);
    return this;
  }
  replaceDefaults() { addon.trustBuilderReplaceDefaults(this._h); return this; }
  addKeyStore(keyStore) {
    if (!(keyStore instanceof KeyStore)) throw new TypeError('addKeyStore needs a KeyStore');
    addon.trustBuilderAddKeystore(this._h, keyStore._h);
    return this;
  }
  /** A PEM/DER file, or every *.pem/*.crt/*.der of a directory. */
  addFile(path) { addon.trustBuilderAddFile(this._h, pathOf(path, 'path')); return this; }
  /** A PEM bundle or one DER certificate from memory. */
  addData(data) { addon.trustBuilderAddData(this._h, data); return this; }
  addCertificate(cert) {
    if (!(cert instanceof Certificate)) throw new TypeError('addCertificate needs a Certificate');
    addon.trustBuilderAddCertificate(this._h, cert._h);
    return this;
  }
  addCrl(data) { addon.trustBuilderAddCrl(this._h, data); return this; }
  /** Verify at a fixed time (a Date or Unix seconds; 0: the clock). */
  setTime(when) {
    const secs = when instanceof Date ? Math.floor(when.getTime() / 1000) : when;
    addon.trustBuilderSetTime(this._h, secs);
    return this;
  }
  /** OkHttp-style SPKI pins ("sha256/...") for "host", "*.host" or "**.host". */
  addPin(hostPattern, ...pins) {
    for (const pin of pins) addon.trustBuilderAddPin(this._h, str(hostPattern, 'hostPattern'), str(pin, 'pin'));
    return this;
  }
  /** The application's verify step for managers built from now on; null clears it. */
  verifyCallback(fn) {
    if (fn === null || fn === undefined) {
      addon.trustBuilderSetVerifyCallback(this._h, null);
      return this;
    }
    if (typeof fn !== 'function') throw new TypeError('verifyCallback needs a function (host, chain, verdict, report)');
    const sink = new errors.CallbackErrors('CERT_REJECTED');
    addon.trustBuilderSetVerifyCallback(this._h, verifyCallbackHandle(fn, sink));
    this._sinks.push(sink);
    return this;
  }
  /** INSECURE, for development against a self-signed server only: managers
   * built from now on accept every chain (clients log a warning). */
  insecureTrustAll() { addon.trustBuilderInsecureTrustAll(this._h); return this; }
  build() { return new TrustManager(addon.trustBuilderBuild(this._h), [...this._sinks]); }
}

/** TrustManagerFactory.getInstance(...).init(keyStore): `.trustManagers`
 * holds one manager trusting the store's certificates only (the system
 * store for null). */
class TrustManagerFactory {
  constructor(keyStore = null) { this.init(keyStore); }
  init(keyStore) {
    this.trustManagers = [keyStore ? TrustManager.fromKeyStore(keyStore) : TrustManager.system()];
    return this;
  }
  static of(trustManagers) {
    const f = Object.create(TrustManagerFactory.prototype);
    f.trustManagers = [...trustManagers];
    return f;
  }
}

// ---------------------------------------------- key managers, contexts

class KeyManager extends Handle {
  /** Client identities for mutual TLS from a keystore's private-key
   * entries: the one named `alias`, or all of them. */
  constructor(keyStore, { alias = null, keyPassword = null } = {}, _h = undefined) {
    if (_h !== undefined) {
      super(_h);
      return;
    }
    if (!(keyStore instanceof KeyStore)) throw new TypeError('KeyManager needs a KeyStore');
    super(addon.keyManagerNew(keyStore._h, optStr(alias, 'alias'), optStr(keyPassword, 'keyPassword')));
  }
  get size() { return addon.keyManagerInfo(this._h).aliases.length; }
  get aliases() { return addon.keyManagerInfo(this._h).aliases; }
  /** The leaf certificate of each identity. */
  get certificates() { return wrapChain(addon.keyManagerInfo(this._h).certificates); }
}

function first(v) { return Array.isArray(v) ? (v.length ? v[0] : null) : v; }

/** SSLContext.getInstance("TLS").init(keyManagers, trustManagers, null)
 * plus SSLParameters: immutable, shareable, compiled once. */
class SSLContext extends Handle {
  constructor({ keyManager = null, trustManager = null, protocols = null, cipherSuites = null } = {}, _h = undefined, _sinks = []) {
    if (_h !== undefined) {
      super(_h);
      this._sinks = _sinks;
      return;
    }
    const km = first(keyManager);
    const tm = first(trustManager);
    if (km !== null && km !== undefined && !(km instanceof KeyManager)) throw new TypeError('keyManager must be a KeyManager');
    if (tm !== null && tm !== undefined && !(tm instanceof TrustManager)) throw new TypeError('trustManager must be a TrustManager');
    super(addon.contextBuild(km ? km._h : null, tm ? tm._h : null, names(protocols, 'protocols'),
      names(cipherSuites, 'cipherSuites'), null));
    this._sinks = sinksOf(tm);
    this._factory = null;
  }
  /** A new context from this one's managers, protocols and suites, with those given replaced. */
  derive({ keyManager, trustManager, protocols = null, cipherSuites = null } = {}) {
    const km = keyManager === undefined ? undefined : first(keyManager);
    const tm = trustManager === undefined ? undefined : first(trustManager);
    const h = addon.contextBuild(km === undefined ? undefined : km ? km._h : null,
      tm === undefined ? undefined : tm ? tm._h : null,
      names(protocols, 'protocols'), names(cipherSuites, 'cipherSuites'), this._h);
    return new SSLContext({}, h, sinksOf(this, tm));
  }
  /** The context's trust manager (a new wrapper with its own reference). */
  get trustManager() {
    const h = addon.contextTrustManager(this._h);
    return h ? new TrustManager(h, this._sinks) : null;
  }
  get keyManager() {
    const h = addon.contextKeyManager(this._h);
    return h ? new KeyManager(null, {}, h) : null;
  }
  get protocols() { return addon.contextInfo(this._h).protocols.split(',').filter(Boolean); }
  /** As given ([] = sslbind's defaults). */
  get cipherSuites() { return addon.contextInfo(this._h).cipherSuites.split(',').filter(Boolean); }
  /** The GnuTLS priority string compiled (for diagnosis). */
  get priority() { return addon.contextInfo(this._h).priority; }
  /** sslContext.socketFactory (one per context wrapper). */
  get socketFactory() {
    if (!this._factory || this._factory.closed) {
      this._factory = new SocketFactory(addon.contextSocketFactory(this._h), this._sinks);
    }
    return this._factory;
  }
}

/** SSLContext.getSocketFactory(): what the Android and OkHttp engine styles take. */
class SocketFactory extends Handle {
  constructor(h, sinks = []) {
    super(h);
    this._sinks = sinks;
  }
  get context() { return new SSLContext({}, addon.socketFactoryContext(this._h), this._sinks); }
}

/** The Ktor page's `object SslSettings`: one keystore file and its
 * password, read once; its certificates, and only those, are trusted.
 * new SslSettings('keystore.jks', 'foobar') or new SslSettings({ path, password }). */
class SslSettings {
  constructor(path = 'keystore.jks', password = 'foobar') {
    if (path !== null && typeof path === 'object' && !(path instanceof URL)) {
      ({ path = 'keystore.jks', password = 'foobar' } = path);
    }
    this._h = addon.settingsNew();
    this._closed = false;
    try {
      this.load(path, password);
    } catch (e) {
      this.close();
      throw e;
    }
  }
  /** (Re)loads the keystore and builds its trust manager and context. */
  load(path, password) {
    this.path = pathOf(path, 'path');
    addon.settingsLoad(this._h, this.path, optStr(password, 'password'));
    return this;
  }
  /** getKeyStore(): the loaded store itself (it keeps the settings alive). */
  keyStore() { return new KeyStore(addon.settingsKeystore(this._h)); }
  /** getTrustManagerFactory(): `.trustManagers` has the one manager. */
  trustManagerFactory() { return TrustManagerFactory.of([this.trustManager()]); }
  /** getTrustManager() */
  trustManager() { return new TrustManager(addon.settingsTrustManager(this._h)); }
  /** getSslContext() */
  sslContext() { return new SSLContext({}, addon.settingsSslContext(this._h)); }
  getKeyStore() { return this.keyStore(); }
  getTrustManagerFactory() { return this.trustManagerFactory(); }
  getTrustManager() { return this.trustManager(); }
  getSslContext() { return this.sslContext(); }
  /** Drops the settings; a keyStore() handed out keeps the C object until it goes too. */
  close() {
    if (!this._closed) {
      this._closed = true;
      addon.close(this._h);
    }
  }
  get closed() { return this._closed; }
}

module.exports = {
  asyncAnswer,
  Certificate, KeyStore, KeystoreEntry, TrustManager, TrustBuilder, TrustManagerFactory,
  VerifyResult, KeyManager, SSLContext, SocketFactory, SslSettings, generateCertificate,
  FORMATS, formatCode, names, str, optStr, sinksOf, wrapChain, nameOf, codeOf,
  hostnameVerifierHandle, CONNECTION_CALLBACK, fs,
};
