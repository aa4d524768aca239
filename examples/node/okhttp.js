#!/usr/bin/env node
'use strict';
// Ktor:
//   val client = HttpClient(OkHttp) {
//       engine {
//           config {
//               sslSocketFactory(SslSettings.getSslContext()!!.socketFactory,
//                                SslSettings.getTrustManager())
//               certificatePinner(CertificatePinner.Builder()
//                                   .add("localhost", "sha256/...").build())  // optional
//           }
//       }
//   }
// Usage: okhttp.js URL [keystore.jks [password]] [PATTERN PIN [any-hostname]]
// ("any-hostname" installs a hostnameVerifier that accepts every name: the
// pins still hold.)
const { sslbind, args, sslSettings, getAndPrint, main } = require('./_example');

main(async (argv) => {
  const [url, keystore, password] = args(argv, ' [PATTERN PIN [any-hostname]]');
  const settings = sslSettings(keystore, password);
  const config = (b) => {
    b.sslSocketFactory(settings.getSslContext().socketFactory, settings.getTrustManager());
    if (argv.length > 6) b.certificatePinner(new sslbind.CertificatePinner.Builder().add(argv[5], argv[6]).build());
    if (argv[7] === 'any-hostname') b.hostnameVerifier(() => true);
  };
  return getAndPrint(() => new sslbind.HttpClient(new sslbind.OkHttp({ config })), 'OkHttp', url);
});
