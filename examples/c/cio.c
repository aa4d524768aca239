/* Ktor:
 *   val client = HttpClient(CIO) {
 *     engine {
 *       https {
 *         trustManager = SslSettings.getTrustManager()
 *         serverName = "localhost"                        // optional
 *         addKeyStore(store, password, alias)             // optional: mTLS
 *       }
 *     }
 *   }
 * Usage: engine-cio URL [keystore.jks [password]] [SERVER_NAME|- [IDENTITY.p12 ALIAS|*]]
 * (ALIAS * adds every key of the store: the server's request picks one) */
#include <string.h>

#include "example.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return usage(argv[0]);
  const char *password = argc > 3 ? argv[3] : "foobar";
  sslb_ssl_settings *settings = ssl_settings(argc > 2 ? argv[2] : "keystore.jks", password);
  if (!settings)
    return 2;
  sslb_trust_manager *tm = NULL;
  sslb_keystore *identity = NULL;
  sslb_engine *engine = NULL;
  sslb_client *client = NULL;
  int rc = sslb_ssl_settings_trust_manager(settings, &tm);
  if (rc == 0)
    rc = sslb_engine_new(&engine, SSLB_ENGINE_CIO);
  if (rc == 0) /* https { trustManager = ... } */
    rc = sslb_engine_set_trust_manager(engine, tm);
  if (rc == 0 && argc > 4 && strcmp(argv[4], "-") != 0) /* https { serverName = ... } */
    rc = sslb_engine_set_server_name(engine, argv[4]);
  if (rc == 0 && argc > 6) { /* https { addKeyStore(store, password, alias) } */
    rc = sslb_keystore_new(&identity);
    if (rc == 0 && (rc = sslb_keystore_load_file(identity, argv[5], password)) < 0)
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_keystore_last_error(identity));
    else if (rc == 0)
      rc = sslb_engine_add_key_store(engine, identity, NULL,
                                     strcmp(argv[6], "*") ? argv[6] : NULL);
  }
  if (rc == 0)
    rc = sslb_client_new_from_engine(&client, engine);
  int status = rc == 0 ? get_and_print(client, "CIO", argv[1]) : 2;
  if (rc < 0)
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_engine_last_error(engine));
  sslb_client_free(client);
  sslb_engine_free(engine);
  sslb_keystore_free(identity);
  sslb_trust_manager_free(tm);
  sslb_ssl_settings_free(settings);
  return status;
}
