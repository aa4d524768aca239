/* sslbind tool: error mapping, file helpers, certificate printing and the
 * trust options shared by get and verify. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int cli_exit_for(int code) {
  switch (code) {
  case SSLB_OK:
    return CLI_OK;
  case SSLB_ERR_URL:
  case SSLB_ERR_INVALID_ARGUMENT:
    return CLI_EXIT_USAGE;
  case SSLB_ERR_IO:
  case SSLB_ERR_NOT_FOUND:
  case SSLB_ERR_KEYSTORE_FORMAT:
  case SSLB_ERR_KEYSTORE_TRUNCATED:
  case SSLB_ERR_KEYSTORE_CORRUPT:
  case SSLB_ERR_BAD_PASSWORD:
  case SSLB_ERR_KEYSTORE_INTEGRITY:
  case SSLB_ERR_DUPLICATE_ALIAS:
  case SSLB_ERR_KEY_LOCKED:
  case SSLB_ERR_BAD_KEY_PASSWORD:
  case SSLB_ERR_CERTIFICATE:
  case SSLB_ERR_PRIVATE_KEY:
  case SSLB_ERR_ALIAS_EXISTS:
  case SSLB_ERR_WRONG_ENTRY_KIND:
  case SSLB_ERR_PASSWORD_REQUIRED:
    return CLI_EXIT_KEYSTORE;
  case SSLB_ERR_RESOLVE:
  case SSLB_ERR_CONNECT:
    return CLI_EXIT_CONNECT;
  case SSLB_ERR_TLS:
    return CLI_EXIT_TLS;
  case SSLB_ERR_TIMEOUT:
    return CLI_EXIT_TIMEOUT;
  case SSLB_ERR_PROTOCOL:
  case SSLB_ERR_CONNECTION_CLOSED:
  case SSLB_ERR_TOO_LARGE:
  case SSLB_ERR_TOO_MANY_REDIRECTS:
    return CLI_EXIT_PROTOCOL;
  default:
    if (code <= SSLB_ERR_CERT_EXPIRED && code >= SSLB_ERR_CERT_REJECTED)
      return CLI_EXIT_CERT;
    return CLI_EXIT_OTHER;
  }
}

void cli_print_exit_codes(FILE *f) {
  fputs("Exit status\n"
        "  0   success\n"
        "  1   other failure (internal error, out of memory, cancelled)\n"
        "  2   usage: unknown option, missing argument, malformed URL\n"
        "  3   keystore, key or password: unreadable or corrupt store, wrong\n"
        "      password, no such alias, locked key, bad PEM certificate/key\n"
        "  4   host name not resolved, or connection refused/unreachable\n"
        "  5   TLS handshake or record layer failure\n"
        "  6   certificate not trusted (expired, unknown issuer, self-signed,\n"
        "      host name mismatch, pin mismatch, ...); verify: NOT trusted\n"
        "  7   timeout (--timeout, --connect-timeout, idle)\n"
        "  8   HTTP protocol error, connection closed early, too many\n"
        "      redirects, response too large\n"
        "  9   HTTP status 400 or above with -f/--fail\n"
        "  10  a local file (-o, -d @file, --cacert, --cert) could not be\n"
        "      read or written\n",
        f);
}

int cli_fail(int exit_status, int code, const char *message) {
  fprintf(stderr, "sslbind: %s: %s\n", sslb_error_name(code),
          message && *message ? message : sslb_strerror(code));
  return exit_status;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("sslbind: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'sslbind %s%s--help'.\n", cmd ? cmd : "",
          cmd ? " " : "");
  return CLI_EXIT_USAGE;
}

uint8_t *cli_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *p = malloc(cap + 1);
  while (p) {
    size_t r = fread(p + n, 1, cap - n, f);
    n += r;
    if (r == 0)
      break;
    if (n == cap) {
      uint8_t *q = realloc(p, cap * 2 + 1);
      if (!q) {
        free(p);
        p = NULL;
        break;
      }
      p = q;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!p || bad) {
    free(p);
    return NULL;
  }
  p[n] = 0;
  *len = n;
  return p;
}

int cli_parse_uint(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  if (!s || !*s || *s == '-' || *s == '+')
    return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || errno || v > max)
    return -1;
  *out = v;
  return 0;
}

int cli_parse_seconds(const char *s, unsigned *ms) {
  char *end;
  if (!s || !*s || *s == '-')
    return -1;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno || v < 0 || v > 4000000.0)
    return -1;
  *ms = (unsigned)(v * 1000.0 + 0.5);
  if (*ms == 0 && v > 0)
    *ms = 1;
  return 0;
}

void cli_format_time(int64_t t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
    snprintf(buf, n, "%lld", (long long)t);
}

static const char *san_kind(int t) {
  switch (t) {
  case SSLB_SAN_DNS:
    return "DNS";
  case SSLB_SAN_IP:
    return "IP";
  case SSLB_SAN_EMAIL:
    return "email";
  case SSLB_SAN_URI:
    return "URI";
  default:
    return "other";
  }
}

void cli_print_certificate(FILE *f, const char *indent,
                           const sslb_certificate *c, int64_t now) {
  char nb[40], na[40];
  int64_t b = sslb_certificate_not_before(c), a = sslb_certificate_not_after(c);
  cli_format_time(b, nb, sizeof nb);
  cli_format_time(a, na, sizeof na);
  fprintf(f, "%ssubject:     %s\n", indent, sslb_certificate_subject(c));
  fprintf(f, "%sissuer:      %s\n", indent, sslb_certificate_issuer(c));
  fprintf(f, "%sserial:      %s\n", indent, sslb_certificate_serial(c));
  fprintf(f, "%snot before:  %s%s\n", indent, nb,
          now < b ? "  (not yet valid)" : "");
  fprintf(f, "%snot after:   %s%s\n", indent, na,
          now > a ? "  (expired)" : "");
  fprintf(f, "%sSANs:        ", indent);
  size_t n = sslb_certificate_san_count(c);
  if (!n)
    fputs("(none)", f);
  for (size_t k = 0; k < n; k++)
    fprintf(f, "%s%s:%s", k ? ", " : "", san_kind(sslb_certificate_san_type(c, k)),
            sslb_certificate_san_value(c, k));
  fputc('\n', f);
  fprintf(f, "%skey:         %s %u bits%s\n", indent,
          sslb_certificate_key_algorithm(c), sslb_certificate_key_bits(c),
          sslb_certificate_is_ca(c) ? ", CA" : "");
  fprintf(f, "%ssignature:   %s\n", indent,
          sslb_certificate_signature_algorithm(c));
  fprintf(f, "%spin:         %s\n", indent, sslb_certificate_spki_pin(c));
  fprintf(f, "%sSHA-256:     %s\n", indent,
          sslb_certificate_sha256_fingerprint(c));
}

int cli_trust_option(cli_trust_opts *t, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if (!strcmp(a, "--insecure") || !strcmp(a, "-k")) {
    t->insecure = 1;
    return 1;
  }
  int takes = !strcmp(a, "--keystore") || !strcmp(a, "--password") ||
              !strcmp(a, "--cacert") || !strcmp(a, "--pin");
  if (!takes)
    return 0;
  if (*i + 1 >= argc)
    return -1;
  const char *v = argv[++*i];
  if (!strcmp(a, "--keystore"))
    t->keystore = v;
  else if (!strcmp(a, "--password"))
    t->password = v;
  else if (!strcmp(a, "--cacert"))
    t->cacert = v;
  else if (t->npins < (int)(sizeof t->pins / sizeof t->pins[0]))
    t->pins[t->npins++] = v;
  else
    return -1;
  return 1;
}

const char *cli_split_pin(const char *arg, const char *host, char *pattern, size_t n) {
  const char *eq = strchr(arg, '=');
  /* "sha256/...=" alone: the '=' is base64 padding */
  if (!strncmp(arg, "sha256/", 7) || !eq || (size_t)(eq - arg) >= n) {
    snprintf(pattern, n, "%s", host ? host : "");
    return arg;
  }
  memcpy(pattern, arg, (size_t)(eq - arg));
  pattern[eq - arg] = 0;
  return eq + 1;
}

int cli_build_trust(const cli_trust_opts *t, const char *host, int with_pins,
                    sslb_trust_manager **out) {
  sslb_trust_builder *b = NULL;
  sslb_keystore *ks = NULL;
  int rc = sslb_trust_builder_new(&b), status = 0;
  *out = NULL;
  if (rc < 0)
    return cli_fail(CLI_EXIT_OTHER, rc, NULL);
  if (t->keystore || t->cacert)
    rc = sslb_trust_builder_replace_defaults(b);
  if (rc == 0 && t->keystore) {
    /* TrustManagerFactory.init(keyStore): every certificate of the store */
    if ((rc = sslb_keystore_new(&ks)) == 0 &&
        (rc = sslb_keystore_load_file(ks, t->keystore, t->password)) < 0) {
      char msg[1024];
      const char *detail = sslb_keystore_last_error(ks);
      if (strstr(detail, t->keystore))
        snprintf(msg, sizeof msg, "%s", detail);
      else
        snprintf(msg, sizeof msg, "%s: %s", t->keystore, detail);
      status = cli_fail(CLI_EXIT_KEYSTORE, rc, msg);
      goto out;
    }
    if (rc == 0)
      rc = sslb_trust_builder_add_keystore(b, ks);
  }
  if (rc == 0 && t->cacert && (rc = sslb_trust_builder_add_file(b, t->cacert)) < 0) {
    char msg[1024];
    snprintf(msg, sizeof msg, "--cacert %s: %s", t->cacert,
             sslb_trust_builder_last_error(b));
    status = cli_fail(rc == SSLB_ERR_IO ? CLI_EXIT_FILE : CLI_EXIT_KEYSTORE, rc, msg);
    goto out;
  }
  for (int p = 0; rc == 0 && with_pins && p < t->npins; p++) {
    char pattern[256];
    const char *pin = cli_split_pin(t->pins[p], host, pattern, sizeof pattern);
    if ((rc = sslb_trust_builder_add_pin(b, pattern, pin)) < 0) {
      char msg[1024];
      snprintf(msg, sizeof msg, "--pin %s: %s", t->pins[p],
               sslb_trust_builder_last_error(b));
      status = cli_fail(CLI_EXIT_USAGE, rc, msg);
      goto out;
    }
  }
  if (rc == 0 && t->at)
    rc = sslb_trust_builder_set_time(b, t->at);
  if (rc == 0 && t->insecure)
    rc = sslb_trust_builder_insecure_trust_all(b);
  if (rc == 0)
    rc = sslb_trust_builder_build(b, out);
  if (rc < 0)
    status = cli_fail(cli_exit_for(rc), rc, sslb_trust_builder_last_error(b));
out:
  sslb_keystore_free(ks);
  sslb_trust_builder_free(b);
  return status;
}
