'use strict';
// Loads the compiled addon (build/Release/sslbind.node, next to its copy
// of libsslbind.so.0) and installs the error factory.
const path = require('node:path');
const fs = require('node:fs');

const candidates = [
  process.env.SSLBIND_NODE_ADDON,
  path.join(__dirname, '..', 'build', 'Release', 'sslbind.node'),
].filter(Boolean);

let addon = null;
let lastError = null;
for (const file of candidates) {
  if (!fs.existsSync(file)) continue;
  try {
    addon = require(file);
    break;
  } catch (e) {
    lastError = e;
  }
}
if (!addon) {
  const why = lastError ? `: ${lastError.message}` : ' (not built)';
  const err = new Error(`the sslbind addon could not be loaded from ${candidates.join(' or ')}${why}; ` +
    'build it with `npm run build` in bindings/node (needs cmake and the built C library)');
  err.code = 'ERR_SSLBIND_ADDON';
  if (lastError) err.cause = lastError;
  throw err;
}

module.exports = addon;

const { errorFor } = require('./errors');
addon.setErrorFactory((errno, code, message) => errorFor(errno, code, message));
