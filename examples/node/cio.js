#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(CIO) {
//       engine {
//           https {
//               trustManager = SslSettings.getTrustManager()
//               serverName = "localhost"                        // optional
//               addKeyStore(store, password, alias)             // optional: mTLS
//           }
//       }
//   }
// Usage: cio.js URL [keystore.jks [password]] [SERVER_NAME|- [IDENTITY.p12 ALIAS|*]]
// (ALIAS * adds every key of the store: the server's request picks one)
const { sslbind, args, fail, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv, ' [SERVER_NAME|- [IDENTITY ALIAS|*]]');
  const settings = sslSettings(keystore, password);
  let identity = null;
  if (argv.length > 7) {
    try {
      identity = sslbind.KeyStore.load(argv[6], password);
    } catch (e) {
      fail(e.code, e.message);
    }
  }
  const https = (t) => {
    t.trustManager = settings.getTrustManager();
    if (argv[5] && argv[5] !== '-') t.serverName = argv[5];
    if (identity) t.addKeyStore(identity, null, argv[7] === '*' ? null : argv[7]);
  };
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.CIO({ https })), 'CIO', url);
});
