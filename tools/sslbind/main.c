/* sslbind: verified HTTPS requests, keystores, chain diagnosis and a local
 * HTTPS server, from the command line. */
#include <string.h>

#include "cli.h"

int main(int argc, char **argv) {
  if (argc < 2)
    return cli_help(stderr, NULL) == 0 ? CLI_EXIT_USAGE : CLI_EXIT_USAGE;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("sslbind %s (library %s)\n", SSLB_VERSION_STRING, sslb_version());
    return 0;
  }
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
    return cli_help(stdout, NULL);
  if (!strcmp(cmd, "help"))
    return cli_help(stdout, argc > 2 ? argv[2] : "all");
  if (!strcmp(cmd, "get"))
    return cli_get(argc - 2, argv + 2, "GET");
  if (!strcmp(cmd, "post"))
    return cli_get(argc - 2, argv + 2, "POST");
  if (!strcmp(cmd, "head"))
    return cli_get(argc - 2, argv + 2, "HEAD");
  if (!strcmp(cmd, "keystore"))
    return cli_keystore(argc - 2, argv + 2, CLI_KS_SSLBIND);
  if (!strcmp(cmd, "verify"))
    return cli_verify(argc - 2, argv + 2);
  if (!strcmp(cmd, "serve"))
    return cli_serve(argc - 2, argv + 2);
  return cli_usage_error(NULL, "unknown command \"%s\"", cmd);
}
