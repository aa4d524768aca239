/* Ktor:
 *   val client = HttpClient(OkHttp) {
 *     engine {
 *       config {
 *         sslSocketFactory(SslSettings.getSslContext()!!.socketFactory,
 *                          SslSettings.getTrustManager())
 *         certificatePinner(CertificatePinner.Builder()
 *                             .add("localhost", "sha256/...").build())  // optional
 *       }
 *     }
 *   }
 * Usage: engine-okhttp URL [keystore.jks [password]] [PATTERN PIN [any-hostname]]
 * ("any-hostname" installs a hostnameVerifier that accepts every name: the
 * pins still hold.) */
#include <string.h>

#include "example.h"

static int any_hostname(void *ud, const char *host, sslb_certificate *const *chain,
                        size_t n) {
  (void)ud, (void)host, (void)chain, (void)n;
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return usage(argv[0]);
  sslb_ssl_settings *settings = ssl_settings(argc > 2 ? argv[2] : "keystore.jks",
                                             argc > 3 ? argv[3] : "foobar");
  if (!settings)
    return 2;
  sslb_ssl_context *ctx = NULL;
  sslb_socket_factory *factory = NULL;
  sslb_trust_manager *tm = NULL;
  sslb_engine *engine = NULL;
  sslb_client *client = NULL;
  int rc = sslb_ssl_settings_ssl_context(settings, &ctx);
  if (rc == 0)
    rc = sslb_ssl_context_socket_factory(ctx, &factory);
  if (rc == 0)
    rc = sslb_ssl_settings_trust_manager(settings, &tm);
  if (rc == 0)
    rc = sslb_engine_new(&engine, SSLB_ENGINE_OKHTTP);
  if (rc == 0) /* config { sslSocketFactory(factory, trustManager) } */
    rc = sslb_engine_set_ssl_socket_factory(engine, factory, tm);
  if (rc == 0 && argc > 5) /* config { certificatePinner(...) } */
    rc = sslb_engine_add_certificate_pin(engine, argv[4], argv[5]);
  if (rc == 0 && argc > 6 && !strcmp(argv[6], "any-hostname"))
    rc = sslb_engine_set_hostname_verifier(engine, any_hostname, NULL);
  if (rc == 0)
    rc = sslb_client_new_from_engine(&client, engine);
  int status = rc == 0 ? get_and_print(client, "OkHttp", argv[1]) : 2;
  if (rc < 0)
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_engine_last_error(engine));
  sslb_client_free(client);
  sslb_engine_free(engine);
  sslb_trust_manager_free(tm);
  sslb_socket_factory_free(factory);
  sslb_ssl_context_free(ctx);
  sslb_ssl_settings_free(settings);
  return status;
}
