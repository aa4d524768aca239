#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(Android) {
//       engine {
//           sslManager = { httpsURLConnection ->
//               httpsURLConnection.sslSocketFactory = SslSettings.getSslContext()?.socketFactory
//           }
//       }
//   }
// Usage: android.js URL [keystore.jks [password]]
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv);
  const settings = sslSettings(keystore, password);
  const factory = settings.getSslContext().socketFactory;
  const sslManager = (conn) => {
    process.stderr.write(`sslManager\t${conn.host}:${conn.port}\n`);
    conn.sslSocketFactory = factory;
  };
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.Android({ sslManager })), 'Android', url);
});
