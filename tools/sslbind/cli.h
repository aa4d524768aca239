/* sslbind command-line tool: declarations shared by the subcommands. */
#ifndef SSLBIND_CLI_H
#define SSLBIND_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <sslbind/sslbind.h>

/* Exit statuses, one per failure class (see `sslbind help exit-codes`). */
enum {
  CLI_OK = 0,
  CLI_EXIT_OTHER = 1,     /* anything not below (internal, out of memory) */
  CLI_EXIT_USAGE = 2,     /* bad option, missing argument, malformed URL */
  CLI_EXIT_KEYSTORE = 3,  /* keystore, key or password, PEM files */
  CLI_EXIT_CONNECT = 4,   /* name resolution or TCP connection, proxy */
  CLI_EXIT_TLS = 5,       /* TLS handshake or record layer */
  CLI_EXIT_CERT = 6,      /* certificate not trusted, pin mismatch */
  CLI_EXIT_TIMEOUT = 7,   /* a timeout expired */
  CLI_EXIT_PROTOCOL = 8,  /* HTTP protocol error, early close, limits */
  CLI_EXIT_HTTP = 9,      /* HTTP status >= 400 with --fail */
  CLI_EXIT_FILE = 10      /* a local file could not be read or written */
};

/* The exit status of a library code in a request's context. */
int cli_exit_for(int code);
/* The table of exit statuses as printed by `sslbind help exit-codes`. */
void cli_print_exit_codes(FILE *f);

/* "sslbind: <CODE_NAME>: <message>" on stderr; returns `exit_status`. */
int cli_fail(int exit_status, int code, const char *message);
/* "sslbind: <message>" on stderr, then a pointer to --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reads a whole file (NUL-terminated for convenience); NULL on failure. */
uint8_t *cli_read_file(const char *path, size_t *len);
/* Parses a non-negative decimal (fractions allowed when `fraction`): 0 ok. */
int cli_parse_seconds(const char *s, unsigned *ms);
int cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Prints a certificate's facts, each line starting with `indent`. */
void cli_print_certificate(FILE *f, const char *indent,
                           const sslb_certificate *c, int64_t now);
/* "2026-12-04 22:27:33 UTC" */
void cli_format_time(int64_t t, char *buf, size_t n);

/* Trust options shared by get and verify. */
typedef struct {
  const char *keystore, *password, *cacert;
  const char *pins[64];
  int npins;
  int insecure;
  int64_t at; /* verification time, 0 = now */
} cli_trust_opts;
/* Parses one trust option at argv[*i]; 1 consumed, 0 not a trust option,
 * -1 missing value. */
int cli_trust_option(cli_trust_opts *t, int argc, char **argv, int *i);
/* Splits a --pin argument "[HOST=]sha256/..." into its host pattern
 * (`host` when absent) and the pin. */
const char *cli_split_pin(const char *arg, const char *host, char *pattern, size_t n);
/* Builds the trust manager the options describe; pins without HOST= apply
 * to `host`. Returns 0 or an exit status after printing the error. */
int cli_build_trust(const cli_trust_opts *t, const char *host,
                    int with_pins, sslb_trust_manager **out);

/* Subcommands: each returns the process exit status. */
int cli_get(int argc, char **argv, const char *method);
int cli_verify(int argc, char **argv);
int cli_serve(int argc, char **argv);

/* Keystore tool: `sslbind keystore ...` (style CLI_KS_SSLBIND) and the
 * sslb-keystore program (CLI_KS_LEGACY: tab-separated listing, errors as
 * "error\tCODE\tmessage" and exit status 2). argv[0] is the subcommand. */
enum { CLI_KS_SSLBIND = 0, CLI_KS_LEGACY = 1 };
int cli_keystore(int argc, char **argv, int style);

/* Help texts. `topic` NULL prints the overview. Returns 0, or 2 for an
 * unknown topic. */
int cli_help(FILE *f, const char *topic);

#endif
