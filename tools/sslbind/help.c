/* sslbind help texts: `sslbind help [TOPIC]` and every `--help`. The man
 * page docs/sslbind.1 carries the same content. */
#include <string.h>

#include "cli.h"

static const char overview[] =
    "usage: sslbind COMMAND [ARGS]\n"
    "\n"
    "Verified HTTPS requests with the SSL configuration you already have:\n"
    "Java keystores (JKS, JCEKS), PKCS#12, PEM and the system store.\n"
    "\n"
    "Commands:\n"
    "  get|post|head URL   make a request (curl-like); body on stdout or -o FILE\n"
    "  verify HOST[:PORT]  fetch a server's chain and explain why it is or is\n"
    "                      not trusted\n"
    "  keystore list|generate|convert|pin|export\n"
    "                      inspect and make keystores (keytool-like)\n"
    "  serve               a local HTTPS server (HTTP/1.1 + HTTP/2, loopback)\n"
    "  help [TOPIC]        this text; topics: get, verify, keystore, serve,\n"
    "                      exit-codes, all\n"
    "  --version           print the version\n"
    "\n"
    "Every command takes --help. See also sslbind(1).\n";

static const char get_help[] =
    "usage: sslbind get|post|head URL [options]\n"
    "\n"
    "Makes one HTTPS request and writes the response body to stdout (or -o\n"
    "FILE); nothing else goes to stdout. Errors print one line\n"
    "\"sslbind: CODE_NAME: message\" on stderr; the exit status says which\n"
    "class of failure (sslbind help exit-codes).\n"
    "\n"
    "Trust (default: the system store):\n"
    "  --keystore F --password P  trust every certificate of a keystore (JKS,\n"
    "                      JCEKS, PKCS#12, PEM), as Java's\n"
    "                      TrustManagerFactory.init(keyStore) does\n"
    "  --cacert F          trust the CA certificate(s) of a PEM/DER file or\n"
    "                      directory instead of the system store\n"
    "  --pin [HOST=]sha256/BASE64  require this SPKI pin on the trusted path\n"
    "                      (repeatable; HOST defaults to the URL's host;\n"
    "                      patterns *.example.com, **.example.com)\n"
    "  -k, --insecure      do not verify the certificate (development only;\n"
    "                      warns on every run)\n"
    "Client identity (mutual TLS):\n"
    "  --identity-keystore F --identity-password P [--alias A]\n"
    "                      [--key-password K]   key and chain from a keystore\n"
    "  --cert PEM --key PEM  key and chain from PEM files (--key-password K\n"
    "                      for an encrypted key)\n"
    "Engine style:\n"
    "  --engine NAME       apache, java, jetty, cio, android, okhttp or native\n"
    "                      (default): the client is configured the way that\n"
    "                      Ktor engine takes its SSL objects (jetty speaks h2\n"
    "                      only, cio and android http/1.1 only)\n"
    "Request:\n"
    "  -X, --request METHOD  method (default GET, POST for post or with -d)\n"
    "  -H, --header 'Name: value'  add a header (repeatable)\n"
    "  -d, --data DATA     request body; -d @FILE reads it from a file\n"
    "  --http1.1 | --http2 only that protocol (default: h2 by ALPN, else\n"
    "                      http/1.1)\n"
    "  -L, --location      follow redirects; --max-redirs N (default 50)\n"
    "  --timeout S         whole request deadline in seconds (default none)\n"
    "  --connect-timeout S TCP + TLS handshake deadline (default 10)\n"
    "  --resolve HOST:PORT:ADDR  connect to ADDR for HOST:PORT; the name\n"
    "                      verified and sent stays HOST (repeatable)\n"
    "  --connect-to HOST1:PORT1:HOST2:PORT2  dial HOST2:PORT2 instead of\n"
    "                      HOST1:PORT1 (empty parts match any / keep it)\n"
    "  --proxy http://HOST:PORT  CONNECT proxy; --noproxy LIST goes direct\n"
    "                      (default: https_proxy/no_proxy from the environment)\n"
    "Output:\n"
    "  -o, --output FILE   write the body to FILE (progress bar on a terminal)\n"
    "  -i, --include       status line and headers before the body on stdout\n"
    "  -f, --fail          status 400 or above is an error (exit 9), no body\n"
    "  -s, --silent        no progress bar\n"
    "  -v, --verbose       on stderr: TLS version, cipher, ALPN, resumption,\n"
    "                      the server's chain (subject, issuer, validity, SANs,\n"
    "                      key, pin, SHA-256) and the headers (> sent, < received)\n";

static const char verify_help[] =
    "usage: sslbind verify HOST[:PORT] [options]\n"
    "\n"
    "Connects to HOST (port 443 by default), takes the certificate chain the\n"
    "server presents without trusting it, then verifies that chain with the\n"
    "trust you give and explains each step: the chain, the issuer links,\n"
    "each certificate's validity, key and CA flag, the trust anchor reached\n"
    "(if any), the names the leaf carries against the name asked for, and\n"
    "the pins. The last line is the verdict:\n"
    "  trusted\n"
    "  NOT trusted: CODE_NAME — reason\n"
    "Exit status 0 when trusted, 6 when not, or the class of the failure\n"
    "that prevented the check (4 connect, 5 TLS, 3 keystore, ...).\n"
    "\n"
    "Options:\n"
    "  --keystore F --password P  trust the certificates of a keystore\n"
    "  --cacert F          trust the CA certificate(s) of a PEM/DER file\n"
    "                      (default: the system store)\n"
    "  --servername NAME   the name to verify and send as SNI (default HOST)\n"
    "  --at DATE           verify as of DATE (YYYY-MM-DD[THH:MM:SS] UTC or\n"
    "                      @SECONDS): will this chain still be trusted then?\n"
    "  --pin [HOST=]sha256/BASE64  pins to check (repeatable)\n"
    "  --resolve HOST:PORT:ADDR, --connect-to H1:P1:H2:P2  as for get\n"
    "  --connect-timeout S, --timeout S\n"
    "  --http1.1 | --http2\n";

static const char keystore_help[] =
    "usage: sslbind keystore COMMAND ...\n"
    "\n"
    "Keystores in JKS, JCEKS (read only), PKCS#12 and PEM, told apart by their\n"
    "content.\n"
    "\n"
    "  list F [--password P] [--unlock ALIAS=KEYPW] [-v] [--tsv]\n"
    "      entries: alias, kind, created, key algorithm and (with -v, or\n"
    "      always for one entry) each chain certificate: subject, issuer,\n"
    "      validity, SANs, SHA-256 and SHA-1 fingerprints, SPKI pin.\n"
    "      --tsv prints the tab-separated records of sslb-keystore:\n"
    "        store <format> <entries>\n"
    "        entry <alias> <kind> <chain-length> <locked> <created-ms> <alg>\n"
    "        cert  <alias> <pos> <sha256> <pin> <serial> <subject> <issuer> <sans>\n"
    "  generate F --alias A --password P [--domain D ...] [--ip IP ...]\n"
    "      [--days N] [--key rsa2048|rsa3072|rsa4096|ec256|ec384|ed25519]\n"
    "      [--ca | --client] [--subject DN] [--key-password K]\n"
    "      [--sign-with F:ALIAS] [--format pkcs12|jks|pem]\n"
    "      a key pair and certificate, as Ktor's buildKeyStore does\n"
    "      (default: ec256, server, CN=localhost, localhost and 127.0.0.1,\n"
    "      PKCS#12; --sign-with takes the issuer from another store opened\n"
    "      with --password)\n"
    "  convert IN OUT [--password P] [--out-password P2 | --no-out-password]\n"
    "      [--format pkcs12|jks|pem] [--add-cert ALIAS=FILE]\n"
    "      re-encode a keystore (PKCS#12 by default)\n"
    "  pin F|CERT.pem [--password P]\n"
    "      the SPKI pin (sha256/...) of every certificate, one per line:\n"
    "        sha256/BASE64  ALIAS[POS]  SUBJECT\n"
    "  export F ALIAS OUT.pem [--password P]\n"
    "      an entry's certificate as PEM\n"
    "\n"
    "Errors: \"sslbind: CODE_NAME: message\", exit status 3 for keystore and\n"
    "password problems, 2 for usage.\n";

static const char serve_help[] =
    "usage: sslbind serve --keystore F --password P [options]\n"
    "\n"
    "A local HTTPS development server (HTTP/1.1 and HTTP/2 by ALPN) with the\n"
    "identity of a keystore: the server side of the client commands. It binds\n"
    "loopback addresses only, prints \"listening ADDR PORT\" and a URL line\n"
    "once ready, logs one line per request on stderr and stops on SIGINT or\n"
    "SIGTERM.\n"
    "\n"
    "Options:\n"
    "  --keystore F --password P [--alias A]  identity (JKS, PKCS#12, PEM)\n"
    "  --cert FILE --key FILE   identity from PEM files instead\n"
    "  --port N            default 8443; 0 picks a free port\n"
    "  --address ADDR      127.0.0.1 (default) or ::1; other addresses are\n"
    "                      refused\n"
    "  --alpn LIST         h2,http/1.1 (default), h2 or http/1.1\n"
    "  --client-ca F       verify client certificates against these CAs\n"
    "  --require-client-cert  mutual TLS: refuse clients without one\n"
    "  --max-streams N     HTTP/2 concurrent streams (100)\n"
    "  --quiet             no request log\n"
    "\n"
    "Endpoints: / (hello), /echo (the request body), /headers, /bytes/N,\n"
    "/delay/MS, /status/CODE, /redirect/N, /client-cert, /stats.\n";

static const char exit_help_intro[] = "";

int cli_help(FILE *f, const char *topic) {
  if (!topic) {
    fputs(overview, f);
    return 0;
  }
  if (!strcmp(topic, "get") || !strcmp(topic, "post") || !strcmp(topic, "head"))
    fputs(get_help, f);
  else if (!strcmp(topic, "verify"))
    fputs(verify_help, f);
  else if (!strncmp(topic, "keystore", 8))
    fputs(keystore_help, f);
  else if (!strcmp(topic, "serve"))
    fputs(serve_help, f);
  else if (!strcmp(topic, "exit-codes")) {
    fputs(exit_help_intro, f);
    cli_print_exit_codes(f);
  } else if (!strcmp(topic, "all")) {
    fputs(overview, f);
    fputs("\n", f);
    fputs(get_help, f);
    fputs("\n", f);
    fputs(verify_help, f);
    fputs("\n", f);
    fputs(keystore_help, f);
    fputs("\n", f);
    fputs(serve_help, f);
    fputs("\n", f);
    cli_print_exit_codes(f);
  } else {
    fprintf(stderr, "sslbind: no help on \"%s\" (get, verify, keystore, serve, "
                    "exit-codes, all)\n", topic);
    return CLI_EXIT_USAGE;
  }
  return 0;
}
