/* sslbind verify HOST[:PORT]: takes the chain a server presents (through a
 * client that accepts any chain, so that an untrusted one can still be
 * looked at), verifies it with the trust the user gives and explains the
 * outcome step by step. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"

#define MAX_CHAIN 16

typedef struct {
  sslb_certificate *chain[MAX_CHAIN];
  size_t n;
} captured;

/* Verify callback of the fetching client: keeps the presented chain and
 * accepts it, whatever sslbind thinks of it (that is judged afterwards). */
static int capture(void *ud, const char *host, sslb_certificate *const *chain,
                   size_t n, int verdict, const char *report) {
  captured *cap = ud;
  for (size_t i = 0; i < cap->n; i++)
    sslb_certificate_free(cap->chain[i]);
  cap->n = 0;
  for (size_t i = 0; i < n && i < MAX_CHAIN; i++)
    cap->chain[cap->n++] = sslb_certificate_ref(chain[i]);
  return 0;
}

static int is_ip(const char *s) {
  uint8_t b[16];
  return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* RFC 6125 as the trust manager applies it: DNS SANs, a wildcard only as
 * the whole leftmost label; IP literals against IP SANs. */
static int name_matches(const sslb_certificate *c, const char *name, int *has_any) {
  int ip = is_ip(name);
  *has_any = 0;
  for (size_t k = 0; k < sslb_certificate_san_count(c); k++) {
    int t = sslb_certificate_san_type(c, k);
    const char *v = sslb_certificate_san_value(c, k);
    if (ip && t == SSLB_SAN_IP) {
      *has_any = 1;
      uint8_t a[16] = {0}, b[16] = {0};
      int fa = strchr(name, ':') ? AF_INET6 : AF_INET;
      int fb = strchr(v, ':') ? AF_INET6 : AF_INET;
      if (fa == fb && inet_pton(fa, name, a) == 1 && inet_pton(fb, v, b) == 1 &&
          !memcmp(a, b, 16))
        return 1;
    } else if (!ip && t == SSLB_SAN_DNS) {
      *has_any = 1;
      if (!strcasecmp(v, name))
        return 1;
      if (v[0] == '*' && v[1] == '.') {
        const char *dot = strchr(name, '.');
        if (dot && dot != name && !strcasecmp(dot + 1, v + 2))
          return 1;
      }
    }
  }
  return 0;
}

static void describe_span(int64_t secs, char *buf, size_t n) {
  int64_t d = secs / 86400;
  if (d >= 2)
    snprintf(buf, n, "%lld days", (long long)d);
  else if (secs >= 7200)
    snprintf(buf, n, "%lld hours", (long long)(secs / 3600));
  else
    snprintf(buf, n, "%lld minutes", (long long)(secs / 60));
}

static int self_signed(const sslb_certificate *c) {
  return !strcmp(sslb_certificate_subject(c), sslb_certificate_issuer(c));
}

static int weak_key(const sslb_certificate *c) {
  const char *alg = sslb_certificate_key_algorithm(c);
  unsigned bits = sslb_certificate_key_bits(c);
  return (!strcmp(alg, "RSA") && bits < 2048) || (!strcmp(alg, "EC") && bits < 256) ||
         !strcmp(alg, "DSA");
}

static int sha1_signed(const sslb_certificate *c) {
  const char *s = sslb_certificate_signature_algorithm(c);
  char up[64];
  size_t i = 0;
  for (; s[i] && i < sizeof up - 1; i++)
    up[i] = (char)toupper((unsigned char)s[i]);
  up[i] = 0;
  return strstr(up, "SHA1") != NULL || strstr(up, "MD5") != NULL;
}

static int split_target(const char *t, char *host, size_t hn, unsigned *port) {
  const char *end;
  size_t len;
  *port = 443;
  if (*t == '[') {
    end = strchr(t, ']');
    if (!end)
      return -1;
    len = (size_t)(end - t - 1);
    t++;
    end++;
  } else {
    end = strrchr(t, ':');
    if (end && strchr(t, ':') != end) /* a bare IPv6 literal */
      end = NULL;
    len = end ? (size_t)(end - t) : strlen(t);
  }
  if (!len || len >= hn)
    return -1;
  memcpy(host, t, len);
  host[len] = 0;
  if (end && *end == ':') {
    unsigned long p;
    if (cli_parse_uint(end + 1, 65535, &p) < 0 || !p)
      return -1;
    *port = (unsigned)p;
  } else if (end && *end) {
    return -1;
  }
  return 0;
}

/* Anchors the user named, loaded again to show which one the path
 * reaches (the system store is not enumerable through the API). */
static sslb_keystore *load_anchors(const cli_trust_opts *t) {
  const char *path = t->keystore ? t->keystore : t->cacert;
  sslb_keystore *ks = NULL;
  if (!path || sslb_keystore_new(&ks) < 0)
    return NULL;
  if (sslb_keystore_load_file(ks, path, t->keystore ? t->password : NULL) < 0) {
    sslb_keystore_free(ks);
    return NULL;
  }
  return ks;
}

/* The anchor certificate of `ks` whose subject is `dn` (a new reference). */
static sslb_certificate *find_anchor(sslb_keystore *ks, const char *dn,
                                     const char **alias) {
  for (size_t i = 0; ks && i < sslb_keystore_size(ks); i++) {
    sslb_certificate *c;
    if (sslb_keystore_entry_certificate(ks, i, 0, &c) < 0)
      continue;
    if (!strcmp(sslb_certificate_subject(c), dn)) {
      *alias = sslb_keystore_entry_alias(ks, i);
      return c;
    }
    sslb_certificate_free(c);
  }
  return NULL;
}

/* --at: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS" (UTC) or "@SECONDS". */
static int parse_time(const char *s, int64_t *out) {
  if (s[0] == '@') {
    unsigned long v;
    if (cli_parse_uint(s + 1, 0xFFFFFFFFFFUL, &v) < 0 || !v)
      return -1;
    *out = (int64_t)v;
    return 0;
  }
  struct tm tm = {0};
  char rest[8] = "";
  int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, rest);
  if ((n != 3 && n != 6) || rest[0] || tm.tm_mon < 1 || tm.tm_mon > 12 ||
      tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 1970)
    return -1;
  if (n == 3 && strlen(s) != 10)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t t = timegm(&tm);
  if (t <= 0)
    return -1;
  *out = (int64_t)t;
  return 0;
}

int cli_verify(int argc, char **argv) {
  cli_trust_opts trust = {0};
  const char *target = NULL, *servername = NULL;
  const char *resolve[16], *connect_to[16];
  int nresolve = 0, nconnect_to = 0, policy = SSLB_HTTP_ANY;
  unsigned connect_ms = 10000, timeout_ms = 30000;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h"))
      return cli_help(stdout, "verify");
    int t = cli_trust_option(&trust, argc, argv, &i);
    if (t < 0)
      return cli_usage_error("verify", "%s needs a value", a);
    if (t > 0)
      continue;
    if (!strcmp(a, "--http1.1"))
      policy = SSLB_HTTP_1_1;
    else if (!strcmp(a, "--http2"))
      policy = SSLB_HTTP_2;
    else if (a[0] == '-') {
      if (i + 1 >= argc)
        return cli_usage_error("verify", "%s: unknown option or missing value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "--servername"))
        servername = v;
      else if (!strcmp(a, "--at")) {
        if (parse_time(v, &trust.at) < 0)
          return cli_usage_error("verify", "--at: expected YYYY-MM-DD[THH:MM:SS] (UTC) "
                                 "or @SECONDS, got \"%s\"", v);
      } else if (!strcmp(a, "--resolve") && nresolve < 16)
        resolve[nresolve++] = v;
      else if (!strcmp(a, "--connect-to") && nconnect_to < 16)
        connect_to[nconnect_to++] = v;
      else if (!strcmp(a, "--connect-timeout")) {
        if (cli_parse_seconds(v, &connect_ms) < 0)
          return cli_usage_error("verify", "%s: expected seconds", a);
      } else if (!strcmp(a, "--timeout")) {
        if (cli_parse_seconds(v, &timeout_ms) < 0)
          return cli_usage_error("verify", "%s: expected seconds", a);
      } else
        return cli_usage_error("verify", "unknown option %s", a);
    } else if (!target)
      target = a;
    else
      return cli_usage_error("verify", "unexpected argument \"%s\"", a);
  }
  if (!target)
    return cli_usage_error("verify", "no HOST[:PORT] given");
  if (trust.insecure)
    return cli_usage_error("verify", "--insecure makes no sense here: verify never "
                                     "trusts what it looks at");
  char host[256];
  unsigned port;
  if (split_target(target, host, sizeof host, &port) < 0)
    return cli_usage_error("verify", "\"%s\": expected HOST[:PORT]", target);
  const char *name = servername ? servername : host;

  int status;
  sslb_trust_manager *tm = NULL, *fetch_tm = NULL;
  if ((status = cli_build_trust(&trust, name, 1, &tm)))
    return status;

  /* the fetching client: accepts any chain, keeps it, checks no name */
  captured cap = {{0}, 0};
  sslb_trust_builder *b = NULL;
  sslb_client *client = NULL;
  sslb_request *req = NULL;
  sslb_response *resp = NULL;
  sslb_keystore *anchors = NULL;
  char *report = NULL;
  int rc = sslb_trust_builder_new(&b);
  if (rc == 0)
    rc = sslb_trust_builder_replace_defaults(b);
  if (rc == 0)
    rc = sslb_trust_builder_set_verify_callback(b, capture, &cap);
  if (rc == 0)
    rc = sslb_trust_builder_build(b, &fetch_tm);
  if (rc == 0)
    rc = sslb_client_new(&client, fetch_tm);
  if (rc == 0)
    rc = sslb_client_set_hostname_policy(client, SSLB_HOSTNAME_NONE);
  if (rc == 0 && servername)
    rc = sslb_client_set_server_name(client, servername);
  if (rc == 0)
    rc = sslb_client_set_http_policy(client, policy);
  if (rc == 0)
    rc = sslb_client_set_timeouts(client, connect_ms, timeout_ms);
  if (rc < 0) {
    status = cli_fail(CLI_EXIT_OTHER, rc, "cannot set up the client");
    goto out;
  }
  for (int i = 0; i < nresolve; i++) {
    char h[256], addr[64];
    unsigned long p;
    if (sscanf(resolve[i], "%255[^:]:%lu:%63s", h, &p, addr) != 3 || p > 65535 ||
        sslb_client_add_resolve(client, h, (unsigned)p, addr) < 0) {
      status = cli_usage_error("verify", "--resolve %s: expected HOST:PORT:ADDRESS",
                               resolve[i]);
      goto out;
    }
  }
  for (int i = 0; i < nconnect_to; i++) {
    char h1[256] = "", h2[256] = "", p1[8] = "", p2[8] = "";
    const char *s = connect_to[i];
    int ok = sscanf(s, "%255[^:]", h1) >= 0;
    s += strlen(h1);
    ok = ok && *s == ':' && sscanf(++s, "%7[0-9]", p1) >= 0;
    s += strlen(p1);
    ok = ok && *s == ':' && sscanf(++s, "%255[^:]", h2) >= 0;
    s += strlen(h2);
    ok = ok && *s == ':' && sscanf(++s, "%7[0-9]", p2) >= 0;
    s += strlen(p2);
    if (!ok || *s || sslb_client_add_connect_to(client, h1, (unsigned)atoi(p1), h2,
                                                (unsigned)atoi(p2)) < 0) {
      status = cli_usage_error("verify", "--connect-to %s: expected "
                               "HOST1:PORT1:HOST2:PORT2", connect_to[i]);
      goto out;
    }
  }
  char url[400];
  snprintf(url, sizeof url, strchr(host, ':') ? "https://[%s]:%u/" : "https://%s:%u/",
           host, port);
  if ((rc = sslb_request_new(&req, "HEAD", url)) < 0) {
    status = cli_fail(CLI_EXIT_USAGE, rc, url);
    goto out;
  }
  printf("Connecting to %s port %u; the name to verify is \"%s\"\n", host, port, name);
  rc = sslb_client_execute(client, req, &resp);
  size_t n = 0;
  sslb_certificate *chain[MAX_CHAIN];
  if (rc == 0) {
    printf("Connected: %s, %s, ALPN %s\n", sslb_response_tls_version(resp),
           sslb_response_tls_cipher(resp),
           *sslb_response_alpn(resp) ? sslb_response_alpn(resp) : "(none)");
    for (size_t i = 0; i < sslb_response_peer_chain_length(resp) && n < MAX_CHAIN; i++)
      if (sslb_response_peer_certificate(resp, i, &chain[n]) == 0)
        n++;
  } else if (cap.n) {
    /* the handshake went through; the HTTP exchange did not */
    printf("Connected (the HTTP request then failed: %s)\n", sslb_error_name(rc));
    for (size_t i = 0; i < cap.n; i++)
      chain[n++] = sslb_certificate_ref(cap.chain[i]);
  } else {
    status = cli_fail(cli_exit_for(rc), rc, sslb_request_last_error(req));
    goto out;
  }
  if (!n) {
    status = cli_fail(CLI_EXIT_TLS, SSLB_ERR_TLS, "the server presented no certificate");
    goto out;
  }

  int64_t now = trust.at ? trust.at : (int64_t)time(NULL);
  char when[40], span[40];
  cli_format_time(now, when, sizeof when);

  printf("\n1. The chain the server presented (%zu certificate%s, leaf first):\n", n,
         n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    printf("  [%zu]%s\n", i, i == 0 ? " leaf" : "");
    cli_print_certificate(stdout, "      ", chain[i], now);
  }

  printf("\n2. Issuer links:\n");
  for (size_t i = 0; i < n; i++) {
    const sslb_certificate *c = chain[i];
    if (self_signed(c)) {
      printf("  [%zu] is self-signed (issuer = subject): it is trusted only if it "
             "is itself a trust anchor\n", i);
    } else if (i + 1 < n && !strcmp(sslb_certificate_issuer(c),
                                    sslb_certificate_subject(chain[i + 1]))) {
      printf("  [%zu] was issued by [%zu] (%s)\n", i, i + 1, sslb_certificate_issuer(c));
    } else {
      printf("  [%zu] was issued by %s, which the server did not send: that issuer "
             "must be a trust anchor\n", i, sslb_certificate_issuer(c));
    }
  }

  printf("\n3. Trust anchors: ");
  if (trust.keystore)
    printf("the certificates of keystore %s", trust.keystore);
  else if (trust.cacert)
    printf("the certificates of %s", trust.cacert);
  else
    printf("the system trust store");
  printf(" (%zu anchor%s)\n", sslb_trust_manager_anchor_count(tm),
         sslb_trust_manager_anchor_count(tm) == 1 ? "" : "s");
  anchors = load_anchors(&trust);
  int anchor_found = 0;
  if (anchors) {
    for (size_t i = 0; i < n && !anchor_found; i++) {
      const char *alias = NULL;
      sslb_certificate *a = find_anchor(anchors, sslb_certificate_subject(chain[i]), &alias);
      if (a && !strcmp(sslb_certificate_spki_pin(a), sslb_certificate_spki_pin(chain[i]))) {
        printf("  [%zu] %s is itself an anchor (entry \"%s\")\n", i,
               sslb_certificate_subject(a), alias);
        anchor_found = 1;
      }
      sslb_certificate_free(a);
      if (!anchor_found &&
          (a = find_anchor(anchors, sslb_certificate_issuer(chain[i]), &alias))) {
        printf("  the issuer of [%zu], %s, is an anchor (entry \"%s\", %s)\n", i,
               sslb_certificate_subject(a), alias, sslb_certificate_spki_pin(a));
        anchor_found = 1;
        sslb_certificate_free(a);
      }
    }
    if (!anchor_found)
      printf("  no anchor has the subject of a presented certificate or of its "
             "issuer: the path reaches no anchor\n");
  } else {
    printf("  (the anchor reached, if any, is in the verifier's report below)\n");
  }

  printf("\n4. Validity at %s:\n", when);
  for (size_t i = 0; i < n; i++) {
    int64_t nb = sslb_certificate_not_before(chain[i]);
    int64_t na = sslb_certificate_not_after(chain[i]);
    if (now > na) {
      cli_format_time(na, when, sizeof when);
      describe_span(now - na, span, sizeof span);
      printf("  [%zu] EXPIRED on %s (%s ago)\n", i, when, span);
    } else if (now < nb) {
      cli_format_time(nb, when, sizeof when);
      describe_span(nb - now, span, sizeof span);
      printf("  [%zu] NOT YET VALID: valid from %s (in %s)\n", i, when, span);
    } else {
      describe_span(na - now, span, sizeof span);
      printf("  [%zu] valid (%s left)\n", i, span);
    }
  }

  printf("\n5. Keys, signatures and CA flags:\n");
  for (size_t i = 0; i < n; i++) {
    const sslb_certificate *c = chain[i];
    printf("  [%zu] %s %u-bit key%s, signed with %s%s; %s\n", i,
           sslb_certificate_key_algorithm(c), sslb_certificate_key_bits(c),
           weak_key(c) ? " (TOO WEAK: at least RSA 2048 / EC 256)" : "",
           sslb_certificate_signature_algorithm(c),
           sha1_signed(c) ? " (INSECURE algorithm)" : "",
           sslb_certificate_is_ca(c) ? "a CA"
           : i == 0                  ? "not a CA (right for a leaf)"
                                     : "NOT a CA, yet it is meant to issue [0..]");
  }

  printf("\n6. Host name: \"%s\" against the leaf's names:\n", name);
  int has_any = 0, name_ok = name_matches(chain[0], name, &has_any);
  printf("  the leaf carries: ");
  if (!sslb_certificate_san_count(chain[0]))
    printf("no subject alternative names (the subject CN is never used)");
  for (size_t k = 0; k < sslb_certificate_san_count(chain[0]); k++)
    printf("%s%s", k ? ", " : "", sslb_certificate_san_value(chain[0], k));
  printf("\n  %s\n", name_ok   ? "match"
                     : has_any ? "NO MATCH: the leaf is not valid for this name"
                               : (is_ip(name) ? "NO MATCH: the leaf has no IP address names"
                                              : "NO MATCH: the leaf has no DNS names"));

  if (trust.npins) {
    printf("\n7. Pins required:\n");
    for (int p = 0; p < trust.npins; p++) {
      char pattern[256];
      const char *pin = cli_split_pin(trust.pins[p], name, pattern, sizeof pattern);
      int hit = -1;
      for (size_t i = 0; i < n && hit < 0; i++)
        if (!strcmp(sslb_certificate_spki_pin(chain[i]), pin))
          hit = (int)i;
      if (hit >= 0)
        printf("  %s: carried by [%d]\n", trust.pins[p], hit);
      else
        printf("  %s: on no presented certificate (an anchor may still carry it)\n",
               trust.pins[p]);
    }
  }

  rc = sslb_trust_manager_verify(tm, chain, n, name, &report);
  printf("\nThe verifier's report:\n");
  if (report) {
    const char *p = report;
    while (*p) {
      size_t l = strcspn(p, "\n");
      printf("  %.*s\n", (int)l, p);
      p += l + (p[l] == '\n');
    }
  }

  /* The verdict with the certificate that failed, as the steps found it. */
  char reason[600];
  snprintf(reason, sizeof reason, "%s", sslb_strerror(rc));
  switch (rc) {
  case SSLB_ERR_CERT_EXPIRED:
    for (size_t i = 0; i < n; i++)
      if (now > sslb_certificate_not_after(chain[i])) {
        cli_format_time(sslb_certificate_not_after(chain[i]), when, sizeof when);
        snprintf(reason, sizeof reason, "certificate [%zu] %s expired on %s", i,
                 sslb_certificate_subject(chain[i]), when);
        break;
      }
    break;
  case SSLB_ERR_CERT_NOT_YET_VALID:
    for (size_t i = 0; i < n; i++)
      if (now < sslb_certificate_not_before(chain[i])) {
        cli_format_time(sslb_certificate_not_before(chain[i]), when, sizeof when);
        snprintf(reason, sizeof reason, "certificate [%zu] %s is valid only from %s", i,
                 sslb_certificate_subject(chain[i]), when);
        break;
      }
    break;
  case SSLB_ERR_CERT_SELF_SIGNED:
    snprintf(reason, sizeof reason, "certificate [0] %s is self-signed and is not a "
             "trust anchor", sslb_certificate_subject(chain[0]));
    break;
  case SSLB_ERR_CERT_UNKNOWN_ISSUER:
    if (n > 1 && self_signed(chain[n - 1]))
      snprintf(reason, sizeof reason, "the chain ends in [%zu] %s, a self-signed root "
               "that is not a trust anchor", n - 1, sslb_certificate_subject(chain[n - 1]));
    else
      snprintf(reason, sizeof reason, "the issuer of certificate [%zu], %s, is not a trust "
             "anchor and the server did not send a path to one", n - 1,
             sslb_certificate_issuer(chain[n - 1]));
    break;
  case SSLB_ERR_CERT_HOSTNAME_MISMATCH:
    snprintf(reason, sizeof reason, "certificate [0] is not valid for \"%s\"", name);
    break;
  case SSLB_ERR_CERT_PIN_MISMATCH:
    snprintf(reason, sizeof reason, "the chain is trusted but no certificate of the "
             "trusted path carries a pin given for \"%s\"", name);
    break;
  default:
    break;
  }
  const char *hint = NULL;
  switch (rc) {
  case SSLB_ERR_CERT_UNKNOWN_ISSUER:
  case SSLB_ERR_CERT_SELF_SIGNED:
    hint = "if this server is yours, trust its CA (or its own certificate) with "
           "--cacert FILE or --keystore FILE, not with --insecure";
    break;
  case SSLB_ERR_CERT_HOSTNAME_MISMATCH:
    hint = "connect with a name the leaf carries (--resolve or --connect-to keep it "
           "while dialling another address), or reissue the certificate for this name";
    break;
  case SSLB_ERR_CERT_EXPIRED:
  case SSLB_ERR_CERT_NOT_YET_VALID:
    hint = "check this machine's clock; otherwise the certificate must be reissued";
    break;
  case SSLB_ERR_CERT_PIN_MISMATCH:
    hint = "the key changed, or the pin is of another certificate: "
           "`sslbind keystore pin FILE` prints the pins of a keystore or PEM file";
    break;
  default:
    break;
  }
  if (hint)
    printf("\nHint: %s.\n", hint);
  if (rc == 0) {
    printf("\ntrusted\n");
    status = CLI_OK;
  } else {
    printf("\nNOT trusted: %s \xe2\x80\x94 %s\n", sslb_error_name(rc), reason);
    status = cli_exit_for(rc) == CLI_EXIT_CERT ? CLI_EXIT_CERT : cli_exit_for(rc);
  }
  for (size_t i = 0; i < n; i++)
    sslb_certificate_free(chain[i]);
out:
  sslb_free(report);
  sslb_keystore_free(anchors);
  sslb_response_free(resp);
  sslb_request_free(req);
  sslb_client_free(client);
  sslb_trust_builder_free(b);
  sslb_trust_manager_free(fetch_tm);
  sslb_trust_manager_free(tm);
  for (size_t i = 0; i < cap.n; i++)
    sslb_certificate_free(cap.chain[i]);
  return status;
}
