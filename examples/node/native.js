#!/usr/bin/env node
'use strict';
// No engine idiom: a client straight from the SSL context of keystore.jks.
// Usage: native.js URL [keystore.jks [password]]
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv);
  const settings = sslSettings(keystore, password);
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.Native({ sslContext: settings.getSslContext() })), 'Native', url);
});
