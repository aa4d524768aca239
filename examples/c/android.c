/* Ktor:
 *   val client = HttpClient(Android) {
 *     engine {
 *       sslManager = { httpsURLConnection ->
 *         httpsURLConnection.sslSocketFactory = SslSettings.getSslContext()?.socketFactory
 *       }
 *     }
 *   }
 * Usage: engine-android URL [keystore.jks [password]] */
#include "example.h"

static int ssl_manager(void *user_data, sslb_connection *conn) {
  sslb_socket_factory *factory = user_data;
  fprintf(stderr, "sslManager\t%s:%u\n", sslb_connection_host(conn), sslb_connection_port(conn));
  return sslb_connection_set_socket_factory(conn, factory);
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
  sslb_engine *engine = NULL;
  sslb_client *client = NULL;
  int rc = sslb_ssl_settings_ssl_context(settings, &ctx);
  if (rc == 0)
    rc = sslb_ssl_context_socket_factory(ctx, &factory);
  if (rc == 0)
    rc = sslb_engine_new(&engine, SSLB_ENGINE_ANDROID);
  if (rc == 0)
    rc = sslb_engine_set_ssl_manager(engine, ssl_manager, factory);
  if (rc == 0)
    rc = sslb_client_new_from_engine(&client, engine);
  int status = rc == 0 ? get_and_print(client, "Android", argv[1]) : 2;
  if (rc < 0)
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_engine_last_error(engine));
  sslb_client_free(client); /* before the factory its callback uses */
  sslb_engine_free(engine);
  sslb_socket_factory_free(factory);
  sslb_ssl_context_free(ctx);
  sslb_ssl_settings_free(settings);
  return status;
}
