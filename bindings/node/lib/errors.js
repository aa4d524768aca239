'use strict';
// The error classes: one per family of SSLB_ERR_* codes.
//
//   SslbindError                   .code (name, e.g. 'CERT_EXPIRED'), .errno (negative C code)
//   ├── InvalidArgumentError       INVALID_ARGUMENT
//   ├── InvalidURLError            URL
//   ├── OutOfMemoryError           NO_MEMORY
//   ├── FileError                  IO
//   ├── UnsupportedError           UNSUPPORTED
//   ├── InternalError              INTERNAL
//   ├── KeystoreError              NOT_FOUND, KEYSTORE_FORMAT .. PASSWORD_REQUIRED
//   │   ├── BadPasswordError       BAD_PASSWORD, BAD_KEY_PASSWORD
//   │   ├── PasswordRequiredError  PASSWORD_REQUIRED, KEY_LOCKED
//   │   └── EntryNotFoundError     NOT_FOUND
//   ├── TLSError                   TLS
//   │   └── CertificateVerifyError every CERT_* code (.reason, .host, .chain, .report)
//   ├── ConnectionError            CONNECT, CONNECTION_CLOSED, RESOLVE
//   ├── TimeoutError               TIMEOUT (and a request's own `timeout`)
//   ├── ProtocolError              PROTOCOL
//   │   └── TooManyRedirectsError  TOO_MANY_REDIRECTS
//   ├── TooLargeError              TOO_LARGE
//   └── CancelledError             CANCELLED
//       └── AbortError             an AbortSignal fired (name 'AbortError', .cause = signal.reason)
//
// The message is the detailed last_error of the C handle the call was made
// on (the code's description when there is none); sslbind never puts a
// password or key material in it.

class SslbindError extends Error {
  constructor(errno, code, message, options) {
    super(message || code, options);
    this.name = new.target.name;
    this.code = code;
    this.errno = errno;
  }
}

class InvalidArgumentError extends SslbindError {}
class InvalidURLError extends SslbindError {}
class OutOfMemoryError extends SslbindError {}
class FileError extends SslbindError {}
class UnsupportedError extends SslbindError {}
class InternalError extends SslbindError {}
class KeystoreError extends SslbindError {}
class BadPasswordError extends KeystoreError {}
class PasswordRequiredError extends KeystoreError {}
class EntryNotFoundError extends KeystoreError {}
class TLSError extends SslbindError {}
class ConnectionError extends SslbindError {}
class TimeoutError extends SslbindError {}
class ProtocolError extends SslbindError {}
class TooManyRedirectsError extends ProtocolError {}
class TooLargeError extends SslbindError {}
class CancelledError extends SslbindError {}
class AbortError extends CancelledError {
  constructor(errno, code, message, options) {
    super(errno, code, message, options);
    this.name = 'AbortError';
  }
}

/** The server's chain was refused: `.reason` is the code name, `.host` the
 * name checked, `.chain` the presented chain parsed from the verifier's
 * report, `.report` the whole report. */
class CertificateVerifyError extends TLSError {
  constructor(errno, code, message, host) {
    super(errno, code, message);
    this.reason = code;
    const [parsedHost, report] = splitReport(message || '');
    this.host = parsedHost || host || null;
    this.report = report;
    this.chain = parseChain(report);
  }
}

const CLASSES = {
  INVALID_ARGUMENT: InvalidArgumentError,
  NO_MEMORY: OutOfMemoryError,
  IO: FileError,
  NOT_FOUND: EntryNotFoundError,
  UNSUPPORTED: UnsupportedError,
  INTERNAL: InternalError,
  KEYSTORE_FORMAT: KeystoreError,
  KEYSTORE_TRUNCATED: KeystoreError,
  KEYSTORE_CORRUPT: KeystoreError,
  BAD_PASSWORD: BadPasswordError,
  KEYSTORE_INTEGRITY: KeystoreError,
  DUPLICATE_ALIAS: KeystoreError,
  KEY_LOCKED: PasswordRequiredError,
  BAD_KEY_PASSWORD: BadPasswordError,
  CERTIFICATE: KeystoreError,
  PRIVATE_KEY: KeystoreError,
  LIMIT: KeystoreError,
  ALIAS_EXISTS: KeystoreError,
  WRONG_ENTRY_KIND: KeystoreError,
  PASSWORD_REQUIRED: PasswordRequiredError,
  URL: InvalidURLError,
  RESOLVE: ConnectionError,
  CONNECT: ConnectionError,
  TLS: TLSError,
  TIMEOUT: TimeoutError,
  PROTOCOL: ProtocolError,
  CONNECTION_CLOSED: ConnectionError,
  TOO_LARGE: TooLargeError,
  CANCELLED: CancelledError,
  TOO_MANY_REDIRECTS: TooManyRedirectsError,
};

function classFor(code) {
  // codes are append-only: a CERT_ code added later is still a refusal
  if (code.startsWith('CERT_')) return CertificateVerifyError;
  return CLASSES[code] || SslbindError;
}

/** The error for a negative code with a handle's message. */
function errorFor(errno, code, message, host) {
  const Cls = classFor(code);
  if (Cls === CertificateVerifyError) return new Cls(errno, code, message, host);
  return new Cls(errno, code, message);
}

// ------------------------------------------------------------- reports

function splitReport(message) {
  const idx = message.indexOf('host: ');
  const report = idx >= 0 && (idx === 0 || message[idx - 1] === '\n') ? message.slice(idx) : '';
  const m = /^host: (\S+)/m.exec(report);
  if (m) return [m[1], report];
  const f = /verification failed for (\S+?):?$/m.exec(message);
  return [f ? f[1] : null, report];
}

function parseTime(s) {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$/.exec(s.trim());
  return m ? new Date(`${m[1]}T${m[2]}Z`) : null;
}

/** The "presented chain:" section of a verifier report as objects:
 * { index, subject, issuer, sans: [[kind, value]], notBefore, notAfter,
 *   key, signature, pin }. */
function parseChain(report) {
  const chain = [];
  const lines = report.split('\n');
  const start = lines.indexOf('presented chain:');
  if (start < 0) return chain;
  let cur = null;
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break; // the next section
    const m = /^\s*\[(\d+)\] subject: (.*)$/.exec(line);
    if (m) {
      cur = { index: Number(m[1]), subject: m[2] };
      chain.push(cur);
      continue;
    }
    if (!cur) continue;
    const t = line.trim();
    const colon = t.indexOf(':');
    if (colon < 0) continue;
    const key = t.slice(0, colon);
    const value = t.slice(colon + 1).trim();
    if (key === 'issuer') cur.issuer = value;
    else if (key === 'SANs') {
      cur.sans = value === '(none)' ? [] : value.split(', ').map((item) => {
        const c = item.indexOf(':');
        return [item.slice(0, c), item.slice(c + 1)];
      });
    } else if (key === 'valid') {
      const [nb, na] = value.split(' .. ');
      cur.notBefore = parseTime(nb || '');
      cur.notAfter = parseTime(na || '');
    } else if (key === 'key') {
      const i = value.indexOf(', signed ');
      cur.key = i < 0 ? value : value.slice(0, i);
      cur.signature = i < 0 ? '' : value.slice(i + ', signed '.length);
    } else if (key === 'pin') cur.pin = value;
  }
  return chain;
}

// ------------------------------------------------- callback exceptions

/** Where a JavaScript callback (verify callback, hostname verifier,
 * sslManager) leaves what it threw, by host, for the request that failed
 * because of it. `codeName` is the sslbind error such a failure becomes;
 * only a request failing with that code takes the exception. A callback
 * that returns normally for a host clears that host's entry. (C passes no
 * request identity to callbacks: the host is the key.) */
class CallbackErrors {
  constructor(codeName) {
    this.codeName = codeName;
    this.byHost = new Map();
  }
  record(host, err) { this.byHost.set(host ?? null, err); }
  clear(host) { if (this.byHost.size) this.byHost.delete(host ?? null); }
  take(...hosts) {
    for (const h of hosts) {
      if (this.byHost.has(h ?? null)) return this.byHost.get(h ?? null);
    }
    return undefined;
  }
}

/** A callback's own exception, linked to the sslbind error it became:
 * `.cause` unless the thrown object already has one, and always
 * `.sslbindError`. Non-objects thrown are wrapped in an Error. */
function surface(thrown, sslbindError) {
  let err = thrown;
  if (err === null || (typeof err !== 'object' && typeof err !== 'function')) {
    err = new Error(String(thrown), { cause: sslbindError });
  }
  try {
    if (!Object.prototype.hasOwnProperty.call(err, 'cause')) {
      Object.defineProperty(err, 'cause', { value: sslbindError, configurable: true, writable: true });
    }
    Object.defineProperty(err, 'sslbindError', { value: sslbindError, configurable: true, writable: true });
  } catch { /* a frozen object: surfaced as is */ }
  return err;
}

module.exports = {
  SslbindError, InvalidArgumentError, InvalidURLError, OutOfMemoryError, FileError,
  UnsupportedError, InternalError, KeystoreError, BadPasswordError, PasswordRequiredError,
  EntryNotFoundError, TLSError, CertificateVerifyError, ConnectionError, TimeoutError,
  ProtocolError, TooManyRedirectsError, TooLargeError, CancelledError, AbortError,
  CLASSES, classFor, errorFor, parseChain, splitReport, CallbackErrors, surface,
};
