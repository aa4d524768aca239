#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(Jetty) {
//       engine {
//           sslContextFactory = SslContextFactory.Client().apply {
//               sslContext = SslSettings.getSslContext()
//               endpointIdentificationAlgorithm = null  // optional: no host check
//           }
//       }
//   }
// Usage: jetty.js URL [keystore.jks [password]] [no-identification]
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv, ' [no-identification]');
  const settings = sslSettings(keystore, password);
  const factory = new sslbind.SslContextFactory.Client().apply((f) => {
    f.sslContext = settings.getSslContext();
    if (argv[5] === 'no-identification') f.endpointIdentificationAlgorithm = null;
  });
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.Jetty({ sslContextFactory: factory })), 'Jetty', url);
});
