/* No engine idiom: a client straight from the SSL context of keystore.jks.
 * Usage: engine-native URL [keystore.jks [password]] */
#include "example.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return usage(argv[0]);
  sslb_ssl_settings *settings = ssl_settings(argc > 2 ? argv[2] : "keystore.jks",
                                             argc > 3 ? argv[3] : "foobar");
  if (!settings)
    return 2;
  sslb_ssl_context *ctx = NULL;
  sslb_client *client = NULL;
  int rc = sslb_ssl_settings_ssl_context(settings, &ctx);
  if (rc == 0)
    rc = sslb_client_new_with_context(&client, ctx);
  int status = rc == 0 ? get_and_print(client, "Native", argv[1]) : 2;
  if (rc < 0)
    fprintf(stderr, "error\t%s\tclient\n", sslb_error_name(rc));
  sslb_client_free(client);
  sslb_ssl_context_free(ctx);
  sslb_ssl_settings_free(settings);
  return status;
}
