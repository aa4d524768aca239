/* sslb-keystore: list, generate and convert keystores through the public
 * API; the implementation is shared with `sslbind keystore`
 * (tools/sslbind/keystore.c). Output of `list` is tab-separated, one record
 * a line, for scripts:
 *   store  <format> <entries>
 *   entry  <alias> <kind> <chain-length> <locked> <created-ms> <algorithm>
 *   cert   <alias> <pos> <sha256> <pin> <serial> <subject> <issuer> <sans>
 * Errors print "error <CODE_NAME> <message>" on stderr and exit with 2. */
#include "../tools/sslbind/cli.h"

int main(int argc, char **argv) {
  return cli_keystore(argc - 1, argv + 1, CLI_KS_LEGACY);
}
