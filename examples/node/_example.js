'use strict';
// Shared by the engine examples (the counterpart of examples/python/_example.py
// and examples/c/example.h): the Ktor page's SslSettings (keystore.jks,
// password foobar) and one GET whose outcome is printed as the line
//
//   engine NAME  status S  version V  tls T  alpn A  verified yes
//
// (tab-separated) followed by the body, or "error CODE message" on stderr
// (tab-separated) and exit status 2.
const path = require('node:path');

let sslbind;
try {
  sslbind = require('sslbind');
} catch {
  // run from a checkout without installing the package
  sslbind = require(path.join(__dirname, '..', '..', 'bindings', 'node'));
}

function fail(code, message) {
  process.stderr.write(`error\t${code}\t${message}\n`);
  process.exit(2);
}

/** [url, keystore path, password] from the command line. */
function args(argv, usageExtra = '') {
  if (argv.length < 3) {
    process.stderr.write(`usage: ${path.basename(argv[1])} URL [KEYSTORE [PASSWORD]]${usageExtra}\n`);
    process.exit(2);
  }
  return [argv[2], argv[3] || 'keystore.jks', argv[4] || 'foobar'];
}

/** object SslSettings { getKeyStore(); getTrustManagerFactory(); ... } */
function sslSettings(file, password) {
  try {
    return new sslbind.SslSettings(file, password);
  } catch (e) {
    if (e instanceof sslbind.SslbindError) fail(e.code, e.message);
    throw e;
  }
}

/** client.get(url): prints the outcome; exits 2 on failure. */
async function getAndPrint(makeClient, engine, url) {
  let r;
  let client;
  try {
    client = makeClient();
    r = await client.get(url);
  } catch (e) {
    if (client) await client.close();
    if (e instanceof sslbind.SslbindError) fail(e.code, e.message);
    // an error thrown by one of the example's own callbacks
    const cause = e && e.cause;
    fail(cause && cause.code ? cause.code : (e && e.name) || 'Error', `${e && e.name}: ${e && e.message}`);
  }
  await client.close();
  process.stdout.write(`engine\t${engine}\tstatus\t${r.status}\tversion\t${r.httpVersion}\t` +
    `tls\t${r.tls.version}\talpn\t${r.tls.alpn}\tverified\tyes\n`);
  process.stdout.write(r.body); // then the body, as it came
  return 0;
}

function main(fn) {
  fn(process.argv).catch((e) => fail(e && e.code ? e.code : 'Error', e && e.message));
}

module.exports = { sslbind, fail, args, sslSettings, getAndPrint, main };
