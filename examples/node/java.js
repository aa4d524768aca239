#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(Java) {
//       engine {
//           config {
//               sslContext(SslSettings.getSslContext())
//               sslParameters(SSLParameters(cipherSuites, protocols)) // optional
//           }
//       }
//   }
// Usage: java.js URL [keystore.jks [password]] [PROTOCOLS [SUITES]]
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv, ' [PROTOCOLS [SUITES]]');
  const settings = sslSettings(keystore, password);
  const config = (b) => {
    b.sslContext(settings.getSslContext());
    if (argv[5]) b.sslParameters({ protocols: argv[5], cipherSuites: argv[6] || null });
  };
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.Java({ config })), 'Java', url);
});
