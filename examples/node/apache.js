#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(Apache5) {
//       engine {
//           sslContext = SslSettings.getSslContext()
//           sslHostnameVerificationPolicy = ... // optional: BUILTIN, CLIENT, BOTH
//       }
//   }
// Usage: apache.js URL [keystore.jks [password]] [builtin|client|both]
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv, ' [builtin|client|both]');
  const settings = sslSettings(keystore, password);
  const policy = argv[5] ? argv[5].toUpperCase() : 'BUILTIN';
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.Apache({
    sslContext: settings.getSslContext(),
    sslHostnameVerificationPolicy: policy,
  })), 'Apache', url);
});
