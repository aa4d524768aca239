'use strict';
// The SSL configuration idioms of Ktor's client engines. Each class mirrors
// the engine's `engine { ... }` block and configures an sslb_engine of that
// style; HttpClient makes its C client from it.
//
//   Apache   sslContext, sslHostnameVerificationPolicy            h2, 1.1
//   Java     config { sslContext(); sslParameters() }             h2 preferred
//   Jetty    sslContextFactory = SslContextFactory.Client()       h2 only
//   CIO      https { trustManager; serverName; cipherSuites; addKeyStore }   1.1 only
//   Android  sslManager = conn => { conn.sslSocketFactory = ... } 1.1 only
//   OkHttp   config { sslSocketFactory(f, tm); certificatePinner } h2, 1.1
//   Native   everything, no idiom                                 h2, 1.1
const addon = require('./addon');
const errors = require('./errors');
const {
  SSLContext, TrustManager, SocketFactory, KeyStore, names, str, optStr, sinksOf,
  hostnameVerifierHandle, CONNECTION_CALLBACK,
  asyncAnswer,
} = require('./objects');

const KINDS = { Native: 0, Apache: 1, Java: 2, Jetty: 3, CIO: 4, Android: 5, OkHttp: 6 };
const HOSTNAME_POLICIES = { BUILTIN: 0, CLIENT: 1, BOTH: 2, NONE: 3 };
const HTTP_POLICIES = { any: 0, 'http/1.1': 1, '1.1': 1, h1: 1, http1: 1, h2: 2, 2: 2, http2: 2 };

function httpPolicy(v, what = 'http') {
  if (typeof v === 'number' && v >= 0 && v <= 2) return v;
  const p = typeof v === 'string' ? HTTP_POLICIES[v.toLowerCase()] : undefined;
  if (p === undefined) throw new RangeError(`${what} must be one of 'h2', 'http/1.1', 'any' (got ${JSON.stringify(v)})`);
  return p;
}

function hostnamePolicy(v, what = 'hostnamePolicy') {
  if (typeof v === 'number' && v >= 0 && v <= 3) return v;
  const p = typeof v === 'string' ? HOSTNAME_POLICIES[v.toUpperCase()] : undefined;
  if (p === undefined) throw new RangeError(`${what} must be one of ${Object.keys(HOSTNAME_POLICIES).join(', ')} (got ${JSON.stringify(v)})`);
  return p;
}

function need(v, Cls, what) {
  if (!(v instanceof Cls)) throw new TypeError(`${what} must be an instance of ${Cls.name}`);
  return v;
}

/** Base of the engine styles. `_configure(e, info)` applies the settings to
 * a C engine and returns the callback error sinks the client should know. */
class Engine {
  get name() { return 'Native'; }
  _configure() { return []; }
  /** @internal a C engine of this style, configured */
  _build() {
    const e = addon.engineNew(KINDS[this.name]);
    const info = { serverName: null, sinks: [] };
    try {
      info.sinks = this._configure(e, info) || [];
    } catch (err) {
      addon.close(e);
      throw err;
    }
    return { e, info };
  }
}

class Apache extends Engine {
  /** HttpClient(Apache5) { engine { sslContext = ...; sslHostnameVerificationPolicy = BUILTIN|CLIENT|BOTH } } */
  constructor({ sslContext = null, sslHostnameVerificationPolicy = 'BUILTIN' } = {}) {
    super();
    this.sslContext = sslContext;
    this.sslHostnameVerificationPolicy = sslHostnameVerificationPolicy;
  }
  get name() { return 'Apache'; }
  _configure(e) {
    if (this.sslContext) addon.engineSetSslContext(e, need(this.sslContext, SSLContext, 'sslContext')._h);
    addon.engineSetHostnamePolicy(e, hostnamePolicy(this.sslHostnameVerificationPolicy, 'sslHostnameVerificationPolicy'));
    return sinksOf(this.sslContext);
  }
}

/** javax.net.ssl.SSLParameters(cipherSuites, protocols) */
class SSLParameters {
  constructor({ cipherSuites = null, protocols = null } = {}) {
    this.cipherSuites = cipherSuites;
    this.protocols = protocols;
  }
}

/** The Java engine's `config { }` block (HttpClient.Builder); methods chain. */
class JavaConfig {
  constructor() { this._ctx = null; this._params = null; }
  sslContext(ctx) { this._ctx = need(ctx, SSLContext, 'sslContext'); return this; }
  sslParameters(params) {
    this._params = params instanceof SSLParameters ? params : new SSLParameters(params || {});
    return this;
  }
}

class Java extends Engine {
  /** HttpClient(Java) { engine { config { sslContext(ctx); sslParameters(...) } } } */
  constructor({ config = null } = {}) {
    super();
    this.config = config;
  }
  get name() { return 'Java'; }
  _configure(e) {
    const b = new JavaConfig();
    if (this.config) this.config(b);
    if (b._ctx) addon.engineSetSslContext(e, b._ctx._h);
    if (b._params) {
      addon.engineSetSslParameters(e, names(b._params.protocols, 'protocols'), names(b._params.cipherSuites, 'cipherSuites'));
    }
    return sinksOf(b._ctx);
  }
}

/** Jetty's SslContextFactory.Client: a context plus endpoint identification
 * ("HTTPS" checks the host name, null does not) and include/exclude lists
 * (POSIX regexes or names; null keeps Jetty's defaults). */
class ClientFactory {
  constructor({ sslContext = null, endpointIdentificationAlgorithm = 'HTTPS', includeProtocols = null,
    excludeProtocols = null, includeCipherSuites = null, excludeCipherSuites = null } = {}) {
    this.sslContext = sslContext;
    this.endpointIdentificationAlgorithm = endpointIdentificationAlgorithm;
    this.includeProtocols = includeProtocols;
    this.excludeProtocols = excludeProtocols;
    this.includeCipherSuites = includeCipherSuites;
    this.excludeCipherSuites = excludeCipherSuites;
  }
  /** Kotlin's `.apply { }` */
  apply(fn) { fn(this); return this; }
  _applyTo(e) {
    const f = addon.contextFactoryNew();
    try {
      if (this.sslContext) addon.contextFactorySetSslContext(f, need(this.sslContext, SSLContext, 'sslContext')._h);
      addon.contextFactorySetEndpointIdentificationAlgorithm(f, optStr(this.endpointIdentificationAlgorithm, 'endpointIdentificationAlgorithm'));
      const lists = [this.includeProtocols, this.excludeProtocols, this.includeCipherSuites, this.excludeCipherSuites];
      lists.forEach((v, i) => { if (v !== null && v !== undefined) addon.contextFactorySetList(f, i, names(v, 'list')); });
      addon.engineSetSslContextFactory(e, f);
    } finally {
      addon.close(f);
    }
    return sinksOf(this.sslContext);
  }
}

const SslContextFactory = { Client: ClientFactory };

class Jetty extends Engine {
  /** HttpClient(Jetty) { engine { sslContextFactory = SslContextFactory.Client().apply { ... } } }. h2 only. */
  constructor({ sslContextFactory = null } = {}) {
    super();
    this.sslContextFactory = sslContextFactory;
  }
  get name() { return 'Jetty'; }
  _configure(e) {
    return this.sslContextFactory ? need(this.sslContextFactory, ClientFactory, 'sslContextFactory')._applyTo(e) : [];
  }
}

/** CIO's `https { }` block: set trustManager, serverName, cipherSuites; call addKeyStore(store, password, alias). */
class TLSConfigBuilder {
  constructor() {
    this.trustManager = null;
    this.serverName = null;
    this.cipherSuites = null;
    this._keyStores = [];
  }
  /** The client certificate(s) of a keystore (every private key when alias
   * is null); password unlocks keys whose password differs from the store's. */
  addKeyStore(store, password = null, alias = null) {
    this._keyStores.push([need(store, KeyStore, 'store'), password, alias]);
    return this;
  }
}

class CIO extends Engine {
  /** HttpClient(CIO) { engine { https { trustManager = ... } } }. HTTP/1.1
   * only; connect timeout 5 s, request timeout 15 s. */
  constructor({ https = null } = {}) {
    super();
    this.https = https;
  }
  get name() { return 'CIO'; }
  _configure(e, info) {
    const t = new TLSConfigBuilder();
    if (this.https) this.https(t);
    if (t.trustManager) addon.engineSetTrustManager(e, need(t.trustManager, TrustManager, 'trustManager')._h);
    if (t.serverName !== null && t.serverName !== undefined) addon.engineSetServerName(e, str(t.serverName, 'serverName'));
    info.serverName = t.serverName || null;
    if (t.cipherSuites) addon.engineSetCipherSuites(e, names(t.cipherSuites, 'cipherSuites'));
    for (const [store, password, alias] of t._keyStores) {
      addon.engineAddKeyStore(e, store._h, optStr(password, 'password'), optStr(alias, 'alias'));
    }
    return sinksOf(t.trustManager);
  }
}

/** A connection about to start its TLS handshake, as Android's sslManager
 * sees an HttpsURLConnection: host, port and the settable sslSocketFactory
 * and hostnameVerifier. Valid only during the callback. */
class Connection {
  constructor(h, host, port, owner) {
    this._h = h;
    this.host = host;
    this.port = port;
    this._owner = owner;
    this._factory = null;
    this._verifier = null;
  }
  get sslSocketFactory() { return this._factory; }
  set sslSocketFactory(f) {
    addon.connSetSocketFactory(this._h, need(f, SocketFactory, 'sslSocketFactory')._h);
    for (const s of f._sinks) this._owner.sinks.push(s);
    this._factory = f;
  }
  get hostnameVerifier() { return this._verifier; }
  set hostnameVerifier(fn) {
    if (fn === null || fn === undefined) addon.connSetHostnameVerifier(this._h, null);
    else addon.connSetHostnameVerifier(this._h, this._owner.verifierHandle(fn));
    this._verifier = fn || null;
  }
}

class Android extends Engine {
  /** HttpClient(Android) { engine { sslManager = { conn -> conn.sslSocketFactory = ... } } }.
   * The callback runs on the JS thread for each new HTTPS connection (the
   * I/O thread waits for it); returning false, or throwing, fails the
   * requests waiting for that connection. HTTP/1.1 only. */
  constructor({ sslManager = null } = {}) {
    super();
    this.sslManager = sslManager;
  }
  get name() { return 'Android'; }
  _configure(e) {
    if (!this.sslManager) return [];
    if (typeof this.sslManager !== 'function') throw new TypeError('sslManager must be a function (connection) => void');
    const fn = this.sslManager;
    const sink = new errors.CallbackErrors('CANCELLED');
    const owner = {
      sinks: [sink],
      verifiers: new Map(),
      verifierHandle(v) {
        let entry = this.verifiers.get(v);
        if (!entry) {
          const vs = new errors.CallbackErrors('CERT_HOSTNAME_MISMATCH');
          entry = hostnameVerifierHandle(v, vs);
          this.verifiers.set(v, entry);
          this.sinks.push(vs);
        }
        return entry;
      },
    };
    const cb = addon.callbackNew(CONNECTION_CALLBACK, (h, host, port) => {
      try {
        const res = fn(new Connection(h, host, port, owner));
        // a Connection may only be configured during the call: an async
        // sslManager would configure nothing (and its errors be lost)
        if (res && typeof res.then === 'function') throw asyncAnswer(res, "Android's sslManager");
        sink.clear(host);
        return res === false ? 1 : 0;
      } catch (err) {
        sink.record(host, err);
        return 1;
      }
    });
    addon.engineSetSslManager(e, cb);
    return owner.sinks; // shared: verifiers set later join it
  }
}

/** OkHttp's CertificatePinner: new CertificatePinner({ host: ['sha256/...'] })
 * or new CertificatePinner.Builder().add('host', 'sha256/...').build().
 * Patterns: "host", "*.host" (one label), "**.host" (any number). */
class CertificatePinner {
  constructor(pins = null) {
    this.pins = [];
    if (pins instanceof Map) pins = Object.fromEntries(pins);
    if (Array.isArray(pins)) for (const [p, v] of pins) this.pins.push([p, v]);
    else if (pins) {
      for (const [pattern, values] of Object.entries(pins)) {
        for (const v of typeof values === 'string' ? [values] : values) this.pins.push([pattern, v]);
      }
    }
  }
}
CertificatePinner.Builder = class Builder {
  constructor() { this._pins = []; }
  add(pattern, ...pins) { for (const p of pins) this._pins.push([pattern, p]); return this; }
  build() { return new CertificatePinner(this._pins); }
};

/** OkHttp's connection specs (sslbind enables AEAD suites only). */
const ConnectionSpec = Object.freeze({ MODERN_TLS: 'MODERN_TLS', RESTRICTED_TLS: 'RESTRICTED_TLS', COMPATIBLE_TLS: 'COMPATIBLE_TLS' });
const SPEC_CODES = { MODERN_TLS: 0, RESTRICTED_TLS: 1, COMPATIBLE_TLS: 2 };
/** OkHttp's Protocol names. */
const Protocol = Object.freeze({ HTTP_1_1: 'http/1.1', HTTP_2: 'h2' });

function protocolsPolicy(list) {
  const set = new Set(list.map((p) => httpPolicy({ http_2: 'h2', http_1_1: 'http/1.1' }[String(p).toLowerCase()] || p, 'protocols')));
  if (set.size === 1 && set.has(1)) return 1;
  if (set.size === 1 && set.has(2)) return 2;
  return 0;
}

/** OkHttp's `config { }` (OkHttpClient.Builder); every method chains. */
class OkHttpConfig {
  constructor() {
    this._factory = null;
    this._pinner = null;
    this._verifier = null;
    this._specs = null;
    this._protocols = null;
  }
  sslSocketFactory(factory, trustManager = null) {
    need(factory, SocketFactory, 'sslSocketFactory');
    if (trustManager !== null) need(trustManager, TrustManager, 'trustManager');
    this._factory = [factory, trustManager];
    return this;
  }
  certificatePinner(pinner) { this._pinner = need(pinner, CertificatePinner, 'certificatePinner'); return this; }
  hostnameVerifier(fn) { this._verifier = fn; return this; }
  connectionSpecs(specs) { this._specs = specs; return this; }
  protocols(protocols) { this._protocols = protocols; return this; }
}

function addPins(e, pinner) {
  for (const [pattern, pin] of need(pinner, CertificatePinner, 'certificatePinner').pins) {
    addon.engineAddCertificatePin(e, str(pattern, 'pattern'), str(pin, 'pin'));
  }
}

function setVerifier(e, fn, sinks) {
  const sink = new errors.CallbackErrors('CERT_HOSTNAME_MISMATCH');
  addon.engineSetHostnameVerifier(e, hostnameVerifierHandle(fn, sink));
  sinks.push(sink);
}

class OkHttp extends Engine {
  /** HttpClient(OkHttp) { engine { config { sslSocketFactory(f, tm); certificatePinner(...) } } } */
  constructor({ config = null } = {}) {
    super();
    this.config = config;
  }
  get name() { return 'OkHttp'; }
  _configure(e) {
    const b = new OkHttpConfig();
    if (this.config) this.config(b);
    const sinks = [];
    if (b._factory) {
      const [factory, tm] = b._factory;
      addon.engineSetSslSocketFactory(e, factory._h, tm ? tm._h : null);
      sinks.push(...sinksOf(factory, tm));
    }
    if (b._pinner) addPins(e, b._pinner);
    if (b._specs && b._specs.length) {
      const code = typeof b._specs[0] === 'number' ? b._specs[0] : SPEC_CODES[String(b._specs[0]).toUpperCase()];
      if (code === undefined) throw new RangeError(`unknown connection spec ${JSON.stringify(b._specs[0])}`);
      addon.engineSetConnectionSpec(e, code);
    }
    if (b._protocols && b._protocols.length) addon.engineSetProtocols(e, protocolsPolicy(b._protocols));
    if (b._verifier) setVerifier(e, b._verifier, sinks);
    return sinks;
  }
}

class Native extends Engine {
  /** No idiom: sslContext or trustManager (with keyStores: [store, password,
   * alias] triples), sslHostnameVerificationPolicy, serverName,
   * certificatePinner, hostnameVerifier, protocols, cipherSuites. */
  constructor({ sslContext = null, trustManager = null, sslHostnameVerificationPolicy = null, serverName = null,
    certificatePinner = null, hostnameVerifier = null, keyStores = [], protocols = null, cipherSuites = null } = {}) {
    super();
    Object.assign(this, { sslContext, trustManager, sslHostnameVerificationPolicy, serverName, certificatePinner,
      hostnameVerifier, keyStores, protocols, cipherSuites });
  }
  get name() { return 'Native'; }
  _configure(e, info) {
    const sinks = [...sinksOf(this.sslContext, this.trustManager)];
    if (this.sslContext) addon.engineSetSslContext(e, need(this.sslContext, SSLContext, 'sslContext')._h);
    if (this.trustManager) addon.engineSetTrustManager(e, need(this.trustManager, TrustManager, 'trustManager')._h);
    for (const [store, password = null, alias = null] of this.keyStores) {
      addon.engineAddKeyStore(e, need(store, KeyStore, 'keyStores[i][0]')._h, optStr(password, 'password'), optStr(alias, 'alias'));
    }
    if (this.cipherSuites) addon.engineSetCipherSuites(e, names(this.cipherSuites, 'cipherSuites'));
    if (this.sslHostnameVerificationPolicy !== null) {
      addon.engineSetHostnamePolicy(e, hostnamePolicy(this.sslHostnameVerificationPolicy, 'sslHostnameVerificationPolicy'));
    }
    if (this.serverName !== null) addon.engineSetServerName(e, str(this.serverName, 'serverName'));
    if (this.certificatePinner) addPins(e, this.certificatePinner);
    if (this.protocols && this.protocols.length) addon.engineSetProtocols(e, protocolsPolicy(this.protocols));
    if (this.hostnameVerifier) setVerifier(e, this.hostnameVerifier, sinks);
    info.serverName = this.serverName;
    return sinks;
  }
}

module.exports = {
  Engine, Apache, Java, Jetty, CIO, Android, OkHttp, Native, SslContextFactory, SSLParameters,
  JavaConfig, TLSConfigBuilder, Connection, CertificatePinner, ConnectionSpec, Protocol, OkHttpConfig,
  httpPolicy, hostnamePolicy, KINDS,
};
