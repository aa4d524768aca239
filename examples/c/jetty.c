/* Ktor:
 *   val client = HttpClient(Jetty) {
 *     engine {
 *       sslContextFactory = SslContextFactory.Client().apply {
 *         sslContext = SslSettings.getSslContext()
 *         endpointIdentificationAlgorithm = null  // optional: no host check
 *       }
 *     }
 *   }
 * Usage: engine-jetty URL [keystore.jks [password]] [no-identification] */
#include <string.h>

#include "example.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return usage(argv[0]);
  sslb_ssl_settings *settings = ssl_settings(argc > 2 ? argv[2] : "keystore.jks",
                                             argc > 3 ? argv[3] : "foobar");
  if (!settings)
    return 2;
  sslb_ssl_context *ctx = NULL;
  sslb_ssl_context_factory *factory = NULL;
  sslb_engine *engine = NULL;
  sslb_client *client = NULL;
  int rc = sslb_ssl_settings_ssl_context(settings, &ctx);
  if (rc == 0) /* SslContextFactory.Client().apply { sslContext = ... } */
    rc = sslb_ssl_context_factory_new(&factory);
  if (rc == 0)
    rc = sslb_ssl_context_factory_set_ssl_context(factory, ctx);
  if (rc == 0 && argc > 4 && !strcmp(argv[4], "no-identification"))
    rc = sslb_ssl_context_factory_set_endpoint_identification_algorithm(factory, NULL);
  if (rc == 0)
    rc = sslb_engine_new(&engine, SSLB_ENGINE_JETTY);
  if (rc == 0)
    rc = sslb_engine_set_ssl_context_factory(engine, factory);
  if (rc == 0)
    rc = sslb_client_new_from_engine(&client, engine);
  int status = rc == 0 ? get_and_print(client, "Jetty", argv[1]) : 2;
  if (rc < 0)
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_engine_last_error(engine));
  sslb_client_free(client);
  sslb_engine_free(engine);
  sslb_ssl_context_factory_free(factory);
  sslb_ssl_context_free(ctx);
  sslb_ssl_settings_free(settings);
  return status;
}
