/* sslbind serve: the project's HTTPS test server as a local development
 * server (loopback only, HTTP/1.1 and HTTP/2). */
#include <string.h>

#include "../../tests/server/testserver.h"
#include "cli.h"

int cli_serve(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return cli_help(stdout, "serve");
  /* srv_main skips its argv[0] */
  char *args[argc + 2];
  args[0] = "sslbind serve";
  for (int i = 0; i < argc; i++)
    args[i + 1] = argv[i];
  args[argc + 1] = NULL;
  srv_main_options opt = {"sslbind serve", 8443, 1};
  return srv_main(argc + 1, args, &opt);
}
