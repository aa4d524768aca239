/* The test server's entry point, shared by sslb-testserver and
 * `sslbind serve`. */
#ifndef SSLB_TESTSERVER_H
#define SSLB_TESTSERVER_H

/** How a program presents the server. */
typedef struct {
  const char *prog;          /* prefix of error messages and usage */
  unsigned long default_port; /* 0: ephemeral */
  int announce_url;          /* also print "url https://ADDR:PORT/" */
} srv_main_options;

/**
 * Parses the options (argv[0] is skipped), serves until SIGINT or SIGTERM
 * and returns the exit status: 0 after a clean stop. A bad option or an
 * unusable identity prints "<prog>: <message>" on stderr and exits with 2.
 * Runs once per process.
 */
int srv_main(int argc, char **argv, const srv_main_options *opt);

#endif
