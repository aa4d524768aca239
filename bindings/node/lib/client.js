'use strict';
// The HTTPS client. Every request goes through sslb_client_submit; the
// client's I/O thread hands completions, response heads and body chunks to
// the JS thread through the client's one thread-safe function, in batches
// (see src/client.c), and `dispatch` below settles the Promises.
const { Readable } = require('node:stream');
const addon = require('./addon');
const errors = require('./errors');
const { Certificate, SSLContext, TrustManager, KeyStore, names, str, wrapChain, nameOf } = require('./objects');
const { Engine, Native, httpPolicy, hostnamePolicy } = require('./engines');
const { hostnameVerifierHandle } = require('./objects');

const EV_DONE = 0;
const EV_HEAD = 1;
const EV_CHUNK = 2;
const EV_READ = 3;
const CANCELLED = -58;
const TIMEOUT = -54;
const STREAM_HWM = 1 << 20;
const ACK_STEP = 256 << 10;
// (connect ms, request ms) each style starts with: giving one timeout keeps the other
const DEFAULT_TIMEOUTS = {
  Native: [10000, 30000], Apache: [10000, 30000], Java: [10000, 30000], Jetty: [10000, 30000],
  OkHttp: [10000, 30000], CIO: [5000, 15000], Android: [100000, 0],
};
const METHOD_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// ------------------------------------------------------------- responses

/** Header fields in order (names lower-case as received); lookups are case-insensitive. */
class Headers {
  constructor(flat = []) {
    this._pairs = [];
    for (let i = 0; i + 1 < flat.length; i += 2) this._pairs.push([flat[i], flat[i + 1]]);
  }
  /** The first value of a field, or null. */
  get(name) {
    const n = String(name).toLowerCase();
    for (const [k, v] of this._pairs) if (k.toLowerCase() === n) return v;
    return null;
  }
  getAll(name) {
    const n = String(name).toLowerCase();
    return this._pairs.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  }
  has(name) { return this.get(name) !== null; }
  get size() { return this._pairs.length; }
  entries() { return this._pairs.map(([k, v]) => [k, v])[Symbol.iterator](); }
  keys() { return this._pairs.map(([k]) => k)[Symbol.iterator](); }
  values() { return this._pairs.map(([, v]) => v)[Symbol.iterator](); }
  forEach(fn, thisArg) { for (const [k, v] of this._pairs) fn.call(thisArg, v, k, this); }
  [Symbol.iterator]() { return this.entries(); }
  toJSON() { return this._pairs.map(([k, v]) => [k, v]); }
}

/** TLS facts of the connection that carried a response. */
class TLSInfo {
  constructor(raw, chainOf) {
    this.version = raw.tlsVersion;
    this.cipher = raw.cipher;
    this.alpn = raw.alpn;
    this.resumed = raw.resumed;
    this._chainOf = chainOf;
    this._chain = null;
  }
  /** The server's certificates as presented, leaf first. */
  get chain() {
    if (this._chain === null) this._chain = this._chainOf();
    return this._chain;
  }
}

function charsetOf(headers) {
  const ct = headers.get('content-type') || '';
  for (const part of ct.split(';').slice(1)) {
    const [k, v] = part.trim().split('=');
    if (k && k.toLowerCase() === 'charset' && v) return v.replace(/"/g, '');
  }
  return 'utf-8';
}

function decode(buf, charset) {
  try {
    return new TextDecoder(charset).decode(buf);
  } catch {
    return new TextDecoder('utf-8').decode(buf);
  }
}

/** A complete response: status, headers, body (a Buffer pointing into the
 * C response; V8 is told its size), text(), json(), httpVersion, ok, tls. */
class Response {
  constructor(raw, url) {
    this._h = raw.handle;
    this.url = url;
    this.status = raw.status;
    this.httpVersion = raw.httpVersion;
    this.headers = new Headers(raw.headers);
    this.body = raw.body;
    const h = this._h;
    this.tls = new TLSInfo(raw, () => (this._closed ? [] : wrapChain(addon.responseChain(h))));
    this._closed = false;
  }
  get ok() { return this.status >= 200 && this.status < 300; }
  text() { return decode(this.body, charsetOf(this.headers)); }
  json() { return JSON.parse(this.text()); }
  /** Releases the C response now (the body Buffer keeps its bytes alive while referenced). */
  close() {
    if (!this._closed) {
      if (this.tls._chain === null) this.tls._chain = wrapChain(addon.responseChain(this._h));
      this._closed = true;
      addon.responseClose(this._h);
    }
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Response { status: ${this.status}, httpVersion: '${this.httpVersion}', body: <${this.body.length} bytes> }`;
  }
}

/** The response of HttpClient.stream(): resolved when the head arrives, so
 * status, headers, httpVersion and tls are there before the body. `.body`
 * is a Readable (also async-iterable); a consumer slower than the network
 * holds the transfer back (sslb_client_pause above 4 MiB queued, resume
 * below 1 MiB). Destroying the body cancels the request. */
class StreamingResponse {
  constructor(raw, pending) {
    this.url = pending.url;
    this.status = raw.status;
    this.httpVersion = raw.httpVersion;
    this.headers = new Headers(raw.headers);
    const chain = wrapChain(raw.chain);
    this.tls = new TLSInfo(raw, () => chain);
    this.body = pending.readable;
    this._p = pending;
  }
  get ok() { return this.status >= 200 && this.status < 300; }
  /** Bytes of body the I/O thread has delivered so far. */
  get bytesReceived() { return this._p.received; }
  /** Times the transfer was held back for a slow consumer. */
  get pauses() { return this._p.pauses; }
  get done() { return this._p.done; }
  [Symbol.asyncIterator]() { return this.body[Symbol.asyncIterator](); }
  /** The whole (rest of the) body. */
  async buffer() {
    const parts = [];
    for await (const c of this.body) parts.push(c);
    return Buffer.concat(parts);
  }
  async text() { return decode(await this.buffer(), charsetOf(this.headers)); }
  async json() { return JSON.parse(await this.text()); }
  /** Stops the transfer (the request ends with CANCELLED). */
  cancel() { this.body.destroy(); }
}

// -------------------------------------------------------------- requests

function isAsyncIterable(v) {
  return v !== null && typeof v === 'object' && (typeof v[Symbol.asyncIterator] === 'function' ||
    (typeof v[Symbol.iterator] === 'function' && !ArrayBuffer.isView(v) && typeof v !== 'string'));
}

function toBuffer(chunk) {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (ArrayBuffer.isView(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
  throw new TypeError('a request body stream must yield Buffers, Uint8Arrays or strings');
}

/** A request body supplied piece by piece: the I/O thread asks (EV_READ)
 * and waits; a read-ahead buffer answers at once when it can. */
class BodySource {
  constructor(source) {
    this.it = typeof source[Symbol.asyncIterator] === 'function' ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    this.buf = null;
    this.ended = false;
    this.pulling = false;
    this.want = 0; // a read waits for this many bytes at most
    this.error = null;
  }
  read(p, max) {
    if (this.error) return addon.requestReadReply(p.rq, false);
    if (this.buf && this.buf.length) {
      const out = this.buf.subarray(0, max);
      this.buf = this.buf.subarray(out.length);
      addon.requestReadReply(p.rq, out);
      if (!this.buf.length) this.pull(p);
      return undefined;
    }
    if (this.ended) return addon.requestReadReply(p.rq, null);
    this.want = max;
    this.pull(p);
    return undefined;
  }
  pull(p) {
    if (this.pulling || this.ended || this.error) return;
    this.pulling = true;
    Promise.resolve().then(() => this.it.next()).then(({ value, done }) => {
      this.pulling = false;
      if (done) this.ended = true;
      else {
        const b = toBuffer(value);
        this.buf = this.buf && this.buf.length ? Buffer.concat([this.buf, b]) : b;
      }
      if (this.want) {
        const max = this.want;
        this.want = 0;
        if (!p.done) this.read(p, max);
      } else if (!done && this.buf.length === 0) this.pull(p);
    }, (err) => {
      this.pulling = false;
      this.error = err;
      p.ownError = p.ownError || err;
      if (this.want && !p.done) {
        this.want = 0;
        addon.requestReadReply(p.rq, false);
      }
    });
  }
  close() {
    if (typeof this.it.return === 'function') {
      try {
        const r = this.it.return();
        if (r && typeof r.catch === 'function') r.catch(() => {});
      } catch { /* the source's own cleanup failed: nothing to add */ }
    }
  }
}

/** A streamed response body. Every consumer (async iteration, 'data',
 * pipe) takes data through read(), which is where consumption is seen. */
class BodyReadable extends Readable {
  constructor(p) {
    super({ highWaterMark: STREAM_HWM });
    this._p = p;
  }
  _read() { this._p.consumed(); }
  read(n) {
    const chunk = super.read(n);
    if (chunk !== null) this._p.consumed();
    return chunk;
  }
  _destroy(err, cb) {
    if (!this._p.done) this._p.cancel();
    cb(err);
  }
}

/** One submitted request until its completion reached JavaScript. It holds
 * the client, so a client with requests in flight is not collected. */
class Pending {
  constructor(client, id, url, host) {
    this.client = client;
    this.id = id;
    this.url = url;
    this.host = host;
    this.rq = null;
    this.done = false;
    this.timedOut = false;
    this.aborted = null; // the AbortSignal's reason
    this.ownError = null;
    this.source = null;
    this.timer = null;
    this.signal = null;
    this.onAbort = null;
    this.promise = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    // streaming
    this.stream = false;
    this.readable = null;
    this.received = 0;
    this.pushed = 0;
    this.acked = 0;
    this.pauses = 0;
    this.headSeen = false;
    this.headResolve = null;
    this.headReject = null;
  }

  cancel() {
    if (!this.done && this.rq) addon.requestCancel(this.rq);
  }

  onHead(raw) {
    this.headSeen = true;
    if (this.headResolve) this.headResolve(new StreamingResponse(raw, this));
  }

  onChunk(buf) {
    this.received += buf.length;
    this.pushed += buf.length;
    if (this.readable && !this.readable.destroyed) this.readable.push(buf);
  }

  /** The consumer took bytes off the Readable: tell C (in steps of 256
   * KiB, or when the buffer is empty), which resumes a paused transfer
   * once less than 1 MiB is queued. */
  consumed() {
    const n = this.pushed - this.readable.readableLength - this.acked;
    if (n > 0 && !this.done && (n >= ACK_STEP || this.readable.readableLength === 0)) {
      this.acked += n;
      if (addon.requestAck(this.rq, n)) this.pauses++;
    }
  }

  settle(rc, value) {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort);
    if (this.source) this.source.close();
    const client = this.client;
    this.client = null;
    if (rc === 0) {
      const resp = new Response(value, this.url);
      if (this.stream) {
        if (this.readable && !this.readable.destroyed) this.readable.push(null);
        if (!this.headSeen && this.headReject) {
          // a completion without a head: only when a sink was not used
          this.onHead({ ...value, chain: [] });
        }
        resp.close();
        this.resolve(undefined);
      } else {
        this.resolve(resp);
      }
      return;
    }
    const err = client._translate(rc, value, this);
    if (this.stream) {
      if (this.headSeen) {
        if (this.readable && !this.readable.destroyed) this.readable.destroy(err);
      } else if (this.headReject) this.headReject(err);
      this.resolve(undefined);
    } else {
      this.reject(err);
    }
  }
}

// Every event of the batch is handled even when one throws (a 'data'
// listener runs inside readable.push()): a lost completion would leave its
// Promise pending forever, a lost read would keep the I/O thread waiting.
// The first exception is rethrown afterwards (an uncaught exception, as it
// would have been without the batching).
function dispatch(state, events) {
  let thrown = null;
  for (let i = 0; i < events.length; i += 4) {
    const type = events[i];
    const p = state.pending.get(events[i + 1]);
    if (!p) continue;
    try {
      switch (type) {
        case EV_DONE:
          state.pending.delete(p.id);
          p.settle(events[i + 2], events[i + 3]);
          break;
        case EV_HEAD: p.onHead(events[i + 2]); break;
        case EV_CHUNK: p.onChunk(events[i + 2]); break;
        case EV_READ:
          if (p.source) p.source.read(p, events[i + 2]);
          else addon.requestReadReply(p.rq, false);
          break;
        default: break;
      }
    } catch (e) {
      if (type === EV_READ && p.rq) {
        try { addon.requestReadReply(p.rq, false); } catch { /* already answered */ }
      }
      if (thrown === null) thrown = { e };
    }
  }
  if (thrown !== null) throw thrown.e;
}

// ---------------------------------------------------------------- client

function ms(v, what) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`${what} must be a number of milliseconds from 0 (none) to 4294967295`);
  }
  return Math.round(v);
}

function headerPairs(h, what = 'headers') {
  if (h === undefined || h === null) return [];
  const out = [];
  const it = h instanceof Map || typeof h.entries === 'function' && !Array.isArray(h) && !(h.constructor === Object)
    ? h.entries() : Array.isArray(h) ? h : Object.entries(h);
  for (const pair of it) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${what} must be an object, a Map or [name, value] pairs`);
    const [k, v] = pair;
    if (Array.isArray(v)) for (const x of v) out.push([String(k), String(x)]);
    else out.push([String(k), String(v)]);
  }
  return out;
}

const REQUEST_OPTIONS = new Set(['headers', 'body', 'json', 'timeout', 'signal', 'http', 'length']);

/**
 * An HTTPS client: one C client (connection pool, one I/O thread).
 *
 *   new HttpClient(engine, options)  with an engine style (Apache, Java, ...)
 *   new HttpClient({ trustManager | sslContext, ...options })  a Native client
 *
 * Options (ms for times): connectTimeout, requestTimeout, idleTimeout,
 * maxBody, redirects, http ('h2' | 'http/1.1' | 'any'), proxy, noProxy,
 * proxyFromEnv, resolve ({ 'host:port': address }), connectTo ({ 'host:port':
 * 'toHost:toPort' }, curl's --connect-to), decoding,
 * hostnamePolicy ('BUILTIN' | 'CLIENT' | 'BOTH' | 'NONE'), serverName,
 * identity ([keyStore, alias, keyPassword?]), hostnameVerifier
 * ((host, chain) => boolean), headers (sent with every request).
 */
class HttpClient {
  constructor(engine = null, options = undefined) {
    if (engine !== null && !(engine instanceof Engine)) {
      if (typeof engine === 'function' && engine.prototype instanceof Engine) engine = new engine(); // eslint-disable-line new-cap
      else if (typeof engine === 'object' && options === undefined) {
        options = engine;
        engine = null;
      } else throw new TypeError('engine must be an engine style (Apache, Java, Jetty, CIO, Android, OkHttp, Native)');
    }
    options = options || {};
    if (typeof options !== 'object') throw new TypeError('options must be an object');
    const { sslContext = null, trustManager = null } = options;
    if (engine === null) {
      if (sslContext !== null && !(sslContext instanceof SSLContext)) throw new TypeError('sslContext must be an SSLContext');
      if (trustManager !== null && !(trustManager instanceof TrustManager)) throw new TypeError('trustManager must be a TrustManager');
      engine = new Native({ sslContext, trustManager });
    } else if (sslContext !== null || trustManager !== null) {
      throw new TypeError('give sslContext/trustManager to the engine, not to the client');
    }
    this.engine = engine;
    const state = { pending: new Map() };
    const { e, info } = engine._build();
    try {
      // the dispatcher closes over `state` only, never over the client
      this._h = addon.clientNew(e, (events) => dispatch(state, events));
    } finally {
      addon.close(e);
    }
    this._state = state;
    this._sinks = [...info.sinks];
    this._serverName = options.serverName || info.serverName || null;
    this._nextId = 1;
    this._closing = null;
    this._defaultHeaders = headerPairs(options.headers);
    try {
      this._configure(options);
    } catch (err) {
      addon.clientClose(this._h);
      this._closing = Promise.resolve();
      throw err;
    }
  }

  _configure(o) {
    const known = new Set(['sslContext', 'trustManager', 'connectTimeout', 'requestTimeout', 'idleTimeout', 'maxBody',
      'redirects', 'http', 'proxy', 'noProxy', 'proxyFromEnv', 'resolve', 'connectTo', 'decoding', 'hostnamePolicy', 'serverName',
      'identity', 'hostnameVerifier', 'headers']);
    for (const k of Object.keys(o)) if (!known.has(k)) throw new TypeError(`unknown client option ${JSON.stringify(k)}`);
    const c = this._h;
    if (o.connectTimeout != null || o.requestTimeout != null) {
      const [dc, dr] = DEFAULT_TIMEOUTS[this.engine.name] || [10000, 30000];
      addon.clientSetTimeouts(c, o.connectTimeout == null ? dc : ms(o.connectTimeout, 'connectTimeout'),
        o.requestTimeout == null ? dr : ms(o.requestTimeout, 'requestTimeout'));
    }
    if (o.idleTimeout != null) addon.clientSetIdleTimeout(c, ms(o.idleTimeout, 'idleTimeout'));
    if (o.maxBody != null) addon.clientSetMaxBody(c, o.maxBody);
    if (o.redirects != null) addon.clientSetRedirects(c, o.redirects);
    if (o.http != null) addon.clientSetHttpPolicy(c, httpPolicy(o.http));
    if (o.proxyFromEnv) addon.clientUseEnvironmentProxy(c);
    if (o.proxy != null) addon.clientSetProxy(c, str(o.proxy, 'proxy'), names(o.noProxy, 'noProxy'));
    if (o.resolve != null) {
      const entries = o.resolve instanceof Map ? [...o.resolve] : Array.isArray(o.resolve) ? o.resolve : Object.entries(o.resolve);
      for (const entry of entries) {
        let host;
        let port;
        let address;
        if (entry.length === 3) [host, port, address] = entry;
        else {
          const key = String(entry[0]);
          const i = key.lastIndexOf(':');
          if (i < 0) throw new TypeError(`resolve key ${JSON.stringify(key)} must be "host:port"`);
          host = key.slice(0, i).replace(/^\[|\]$/g, '');
          port = Number(key.slice(i + 1));
          address = entry[1];
        }
        addon.clientAddResolve(c, str(host, 'resolve host'), port, str(address, 'resolve address'));
      }
    }
    if (o.connectTo != null) {
      // curl's --connect-to: { 'host:port': 'toHost:toPort' } (parts may be
      // empty: '' matches any / keeps the request's); the name verified
      // stays the URL's
      const hostPort = (v, what) => {
        const t = String(v);
        const i = t.lastIndexOf(':');
        if (i < 0) throw new TypeError(`connectTo ${what} ${JSON.stringify(t)} must be "host:port"`);
        const port = t.slice(i + 1) === '' ? 0 : Number(t.slice(i + 1));
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`connectTo ${what} ${JSON.stringify(t)} has no valid port`);
        return [t.slice(0, i).replace(/^\[|\]$/g, ''), port];
      };
      const entries = o.connectTo instanceof Map ? [...o.connectTo] : Object.entries(o.connectTo);
      for (const [from, to] of entries) {
        const [host, port] = hostPort(from, 'key');
        const [toHost, toPort] = hostPort(to, 'value');
        addon.clientAddConnectTo(c, host, port, toHost, toPort);
      }
    }
    if (o.decoding != null) addon.clientSetDecoding(c, Boolean(o.decoding));
    if (o.hostnamePolicy != null) addon.clientSetHostnamePolicy(c, hostnamePolicy(o.hostnamePolicy));
    if (o.serverName != null) addon.clientSetServerName(c, str(o.serverName, 'serverName'));
    if (o.identity != null) {
      const [ks, alias = null, keyPassword = null] = o.identity;
      if (!(ks instanceof KeyStore)) throw new TypeError('identity must be [keyStore, alias, keyPassword?]');
      addon.clientSetIdentity(c, ks._h, alias, keyPassword);
    }
    if (o.hostnameVerifier != null) {
      const sink = new errors.CallbackErrors('CERT_HOSTNAME_MISMATCH');
      addon.clientSetHostnameVerifier(c, hostnameVerifierHandle(o.hostnameVerifier, sink));
      this._sinks.push(sink);
    }
  }

  /** Connections this client has opened so far. */
  get connectionsOpened() { return addon.clientConnectionsOpened(this._h); }
  get closed() { return this._closing !== null; }
  /** Requests in flight. */
  get pending() { return this._state.pending.size; }

  /** Cancels what is in flight (those requests reject with code
   * 'CANCELLED'), frees the client off the JS thread and resolves once it
   * is gone. Idempotent. */
  close() {
    if (this._closing === null) {
      this._closing = addon.clientClose(this._h);
    }
    return this._closing;
  }

  /** The error a failed request rejects with: a JavaScript callback's own
   * exception when one caused the failure (`.cause` the sslbind error). */
  _translate(rc, message, p) {
    const code = nameOf(rc);
    let err = errors.errorFor(rc, code, message, p.host);
    if (rc === CANCELLED && p.timedOut) {
      err = new errors.TimeoutError(TIMEOUT, 'TIMEOUT', `no response within the request's timeout (${p.timeoutMs} ms, ${p.url})`);
    } else if (rc === CANCELLED && p.aborted !== null) {
      err = new errors.AbortError(CANCELLED, 'CANCELLED', `the request was aborted (${p.url})`, { cause: p.aborted.reason });
    }
    if (p.ownError) return errors.surface(p.ownError, err);
    const hosts = [err.host, p.host, this._serverName];
    for (const sink of this._sinks) {
      if (sink.codeName !== code) continue;
      const thrown = sink.take(...hosts);
      if (thrown !== undefined) return errors.surface(thrown, err);
    }
    return err;
  }

  _submit(method, url, opts, stream) {
    if (this._closing !== null) throw new errors.SslbindError(-1, 'CLOSED', 'this client is closed');
    if (typeof method !== 'string' || !METHOD_RE.test(method)) throw new TypeError('method must be an HTTP method token');
    if (url instanceof URL) url = url.href;
    if (typeof url !== 'string') throw new TypeError('url must be a string or URL');
    opts = opts || {};
    for (const k of Object.keys(opts)) if (!REQUEST_OPTIONS.has(k)) throw new TypeError(`unknown request option ${JSON.stringify(k)}`);
    const headers = [...this._defaultHeaders, ...headerPairs(opts.headers)];
    let body = opts.body === undefined ? null : opts.body;
    let readerLength = -2;
    let source = null;
    if (opts.json !== undefined) {
      if (body !== null) throw new TypeError('give body or json, not both');
      body = Buffer.from(JSON.stringify(opts.json), 'utf8');
      if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
    }
    if (typeof body === 'string') body = Buffer.from(body, 'utf8');
    else if (body instanceof ArrayBuffer) body = Buffer.from(body);
    else if (body !== null && !ArrayBuffer.isView(body)) {
      if (!isAsyncIterable(body)) throw new TypeError('body must be a Buffer, Uint8Array, string, Readable or (async) iterable');
      source = new BodySource(body);
      const cl = headers.find(([k]) => k.toLowerCase() === 'content-length');
      readerLength = opts.length != null ? opts.length : cl ? Number(cl[1]) : -1;
      body = null;
    }
    const http = opts.http == null ? 0 : httpPolicy(opts.http) + 1;
    const timeout = opts.timeout == null ? null : ms(opts.timeout, 'timeout');
    const signal = opts.signal || null;
    if (signal !== null && (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
      throw new TypeError('signal must be an AbortSignal');
    }
    let host = null;
    try { host = new URL(url).hostname.replace(/^\[|\]$/g, ''); } catch { /* C reports the URL */ }
    const id = this._nextId;
    this._nextId = this._nextId >= 0xfffffff0 ? 1 : this._nextId + 1;
    const p = new Pending(this, id, url, host);
    p.source = source;
    p.stream = stream;
    if (signal && signal.aborted) {
      p.done = true;
      const err = new errors.AbortError(CANCELLED, 'CANCELLED', `the request was aborted before it started (${url})`, { cause: signal.reason });
      if (source) source.close();
      return { p, early: err };
    }
    const flat = [];
    for (const [k, v] of headers) flat.push(k, v);
    p.rq = addon.clientSubmit(this._h, id, method.toUpperCase(), url, flat, body, http, stream, readerLength);
    this._state.pending.set(id, p);
    if (timeout !== null) {
      p.timeoutMs = timeout;
      p.timer = setTimeout(() => { p.timedOut = true; p.cancel(); }, timeout);
    }
    if (signal) {
      p.signal = signal;
      p.onAbort = () => { p.aborted = { reason: signal.reason }; p.cancel(); };
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    return { p, early: null };
  }

  /**
   * Sends a request; resolves with the complete Response. opts: headers,
   * body (Buffer | Uint8Array | string | Readable | (async) iterable),
   * json, timeout (ms; rejects with TimeoutError code 'TIMEOUT'), signal
   * (AbortSignal; rejects with AbortError code 'CANCELLED'), http
   * ('h2' | 'http/1.1' | 'any'), length (of a streamed body, if known).
   */
  request(method, url, opts = {}) {
    let r;
    try {
      r = this._submit(method, url, opts, false);
    } catch (e) {
      return Promise.reject(e);
    }
    return r.early ? Promise.reject(r.early) : r.p.promise;
  }
  get(url, opts) { return this.request('GET', url, opts); }
  head(url, opts) { return this.request('HEAD', url, opts); }
  post(url, opts) { return this.request('POST', url, opts); }
  put(url, opts) { return this.request('PUT', url, opts); }
  patch(url, opts) { return this.request('PATCH', url, opts); }
  delete(url, opts) { return this.request('DELETE', url, opts); }
  options(url, opts) { return this.request('OPTIONS', url, opts); }

  /** Resolves with a StreamingResponse once the head has arrived; its
   * `.body` Readable yields the body as it comes. */
  stream(method, url, opts = {}) {
    let r;
    try {
      r = this._submit(method, url, opts, true);
    } catch (e) {
      return Promise.reject(e);
    }
    if (r.early) return Promise.reject(r.early);
    const p = r.p;
    p.readable = new BodyReadable(p);
    return new Promise((resolve, reject) => {
      p.headResolve = resolve;
      p.headReject = reject;
    });
  }

  /** Submits every [method, url, opts?] at once; resolves, in order, with a
   * Response or the Error of each. Requests to one HTTP/2 origin share one
   * connection. */
  batch(items, { timeout = null } = {}) {
    if (!Array.isArray(items)) return Promise.reject(new TypeError('batch needs an array of [method, url, opts?]'));
    return Promise.all(items.map((item) => {
      if (!Array.isArray(item) || item.length < 2) return Promise.resolve(new TypeError('each batch item must be [method, url, opts?]'));
      const [method, url, opts = {}] = item;
      const o = timeout !== null && opts.timeout == null ? { ...opts, timeout } : opts;
      return this.request(method, url, o).then((r) => r, (e) => e);
    }));
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `HttpClient { engine: '${this.engine.name}', ${this.closed ? 'closed' : `connectionsOpened: ${this.connectionsOpened}`} }`;
  }
}

module.exports = { HttpClient, Response, StreamingResponse, Headers, TLSInfo, Certificate };
