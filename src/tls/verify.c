/* Chain verification: every path from the leaf through the presented
 * intermediates to an anchor is tried (bounded), each checked by GnuTLS
 * (signatures, CA constraints, path length, name constraints on SANs, key
 * purpose, revocation, algorithm strength) and then by sslbind's own rules.
 * The first path that passes (and carries a key pinned for the host, when
 * there are pins) wins; otherwise the most specific failure of the first
 * complete path is reported. Then an insecure trust-all manager stops
 * enforcing the verdict, and an application's verify callback, if any,
 * has the last word. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls/pkix.h"
#include "tls/trust.h"
#include "util/text.h"

#define MAX_DEPTH 8  /* certificates in a path, anchor excluded */
#define MAX_PATHS 64 /* complete paths evaluated per verification */
/* partial paths visited per verification: without key identifiers, names
 * alone can make a hostile chain of 16 look like millions of paths, and
 * each step checks the issuer against every anchor */
#define MAX_NODES 256

typedef struct {
  sslb_certificate *const *in; /* presented chain */
  size_t nin;
  const sslb_trust_manager *tm;
  const char *host;
  int64_t now;
  const sslb_certificate *path[MAX_DEPTH];
  size_t n;
  int evaluated;
  int nodes;
  int best_rc;        /* failure of the first complete path */
  char best_msg[512];
  const sslb_certificate *ok_path[MAX_DEPTH + 1];
  size_t ok_n;
  int found;
  int check_name;    /* match host against the SANs (else pins only) */
  const char **pins; /* pinned for host, each once */
  size_t npins;
  const char *pin_hit; /* the pin the accepted path carries */
  size_t pin_hit_at;   /* its certificate, in ok_path */
  int pin_failed;      /* a trusted path carried none of the pins */
  char *pin_msg;       /* why, for the first such path (malloc'd) */
} search;

static int same_cert(const sslb_certificate *a, const sslb_certificate *b) {
  const uint8_t *x, *y;
  size_t xl, yl;
  sslb__cert_der(a, &x, &xl);
  sslb__cert_der(b, &y, &yl);
  return xl == yl && memcmp(x, y, xl) == 0;
}

static void fmt_time(int64_t t, char *buf, size_t n) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* ---------------------------------------------------------- host names */

static void lower_copy(char *dst, const char *src, size_t n) {
  size_t i = 0;
  for (; src[i] && i + 1 < n; i++)
    dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] + 32) : src[i];
  dst[i] = 0;
}

size_t sslb__parse_ip(const char *host, uint8_t out[16]) {
  char buf[64];
  size_t n = strlen(host);
  if (n >= sizeof buf)
    return 0;
  if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
    memcpy(buf, host + 1, n - 2);
    buf[n - 2] = 0;
  } else {
    memcpy(buf, host, n + 1);
  }
  if (inet_pton(AF_INET, buf, out) == 1)
    return 4;
  if (inet_pton(AF_INET6, buf, out) == 1)
    return 16;
  return 0;
}

static int valid_dns_label_chars(const char *s) {
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
          *s == '.' || *s == '_'))
      return 0;
  return 1;
}

long sslb__normalize_name(char dst[256], const char *src) {
  if (strlen(src) >= 256)
    return -1;
  lower_copy(dst, src, 256);
  size_t n = strlen(dst);
  if (n && dst[n - 1] == '.')
    dst[--n] = 0;
  return (long)n;
}

/* RFC 6125 matching, strict: a wildcard only as the entire leftmost label,
 * matching exactly one non-empty label, with at least two labels after it. */
static int dns_match(const char *pattern_in, const char *host) {
  char pat[256];
  long pl = sslb__normalize_name(pat, pattern_in);
  if (pl <= 0 || pat[0] == '.' || strstr(pat, "..") || !valid_dns_label_chars(pat + (pat[0] == '*')))
    return 0;
  if (pat[0] != '*')
    return strchr(pat, '*') == NULL && strcmp(pat, host) == 0;
  if (pat[1] != '.' || strchr(pat + 1, '*'))
    return 0;
  const char *rest = pat + 2;
  if (!strchr(rest, '.'))
    return 0; /* "*.com": too broad */
  const char *dot = strchr(host, '.');
  if (!dot || dot == host)
    return 0;
  return strcmp(dot + 1, rest) == 0;
}

int sslb__host_matches(const sslb_certificate *c, const char *host_in) {
  /* a DNS name has up to 253 characters (plus a trailing dot): a SAN that
   * does not fit is skipped, so the buffer must hold any valid one */
  uint8_t ip[16], san[256];
  size_t iplen = sslb__parse_ip(host_in, ip);
  char host[256];
  long hl = sslb__normalize_name(host, host_in);
  if (hl < 0 || (!iplen && (!hl || !valid_dns_label_chars(host))))
    return 0;
  gnutls_x509_crt_t crt = sslb__cert_crt(c);
  for (unsigned i = 0;; i++) {
    size_t n = sizeof san - 1;
    unsigned crit;
    int t = gnutls_x509_crt_get_subject_alt_name2(crt, i, san, &n, NULL, &crit);
    if (t == GNUTLS_E_SHORT_MEMORY_BUFFER)
      continue;
    if (t < 0)
      break;
    if (iplen && t == GNUTLS_SAN_IPADDRESS) {
      if (n == iplen && memcmp(san, ip, n) == 0)
        return 1;
    } else if (!iplen && t == GNUTLS_SAN_DNSNAME) {
      san[n] = 0;
      if (strlen((char *)san) == n && dns_match((char *)san, host))
        return 1;
    }
  }
  return 0;
}

/* OkHttp's CertificatePinner patterns; an IP literal matches only an
 * exact IP pattern, by its bytes. */
int sslb__pin_matches(const sslb__pin *p, const char *host_in) {
  uint8_t ip[16];
  size_t iplen = sslb__parse_ip(host_in, ip);
  if (iplen || p->iplen)
    return iplen == p->iplen && memcmp(ip, p->ip, iplen) == 0;
  char host[256];
  long hl = sslb__normalize_name(host, host_in);
  if (hl <= 0 || host[0] == '.' || host[hl - 1] == '.' || strstr(host, ".."))
    return 0;
  size_t h = (size_t)hl, n = strlen(p->name);
  if (h == n)
    return p->kind != SSLB__PIN_ONE_LABEL && strcmp(host, p->name) == 0;
  if (p->kind == SSLB__PIN_EXACT || h < n + 2 || host[h - n - 1] != '.' ||
      strcmp(host + h - n, p->name) != 0)
    return 0;
  /* "*." adds exactly one label: no dot before the suffix's */
  return p->kind == SSLB__PIN_ANY_LABELS ||
         memchr(host, '.', h - n - 1) == NULL;
}

/* ---------------------------------------------------------- evaluation */

static int is_sha1_or_md5(const sslb_certificate *c) {
  int sig = gnutls_x509_crt_get_signature_algorithm(sslb__cert_crt(c));
  if (sig < 0)
    return 1;
  gnutls_digest_algorithm_t h = gnutls_sign_get_hash_algorithm(sig);
  return h == GNUTLS_DIG_SHA1 || h == GNUTLS_DIG_MD5 || h == GNUTLS_DIG_MD2;
}

static int weak_key(const sslb_certificate *c) {
  const char *alg = sslb_certificate_key_algorithm(c);
  unsigned bits = sslb_certificate_key_bits(c);
  if (!strcmp(alg, "RSA") || !strcmp(alg, "RSASSA-PSS") || !strcmp(alg, "DSA"))
    return bits < 2048;
  if (!strcmp(alg, "EC"))
    return bits < 256;
  return 0;
}

static int fail(search *s, int code, const char *fmt, ...) SSLB__PRINTF(3, 4);
static int fail(search *s, int code, const char *fmt, ...) {
  if (!s->best_rc) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->best_msg, sizeof s->best_msg, fmt, ap);
    va_end(ap);
    s->best_rc = code;
  }
  return code;
}

static int map_status(search *s, unsigned st, const sslb_certificate *anchor) {
  const char *leaf = sslb_certificate_subject(s->path[0]);
  if (st & GNUTLS_CERT_REVOKED)
    return fail(s, SSLB_ERR_CERT_REVOKED,
                "a certificate of the path was revoked by its issuer's CRL");
  if (st & GNUTLS_CERT_INSECURE_ALGORITHM)
    return fail(s, SSLB_ERR_CERT_INSECURE_ALGORITHM,
                "the path uses an insecure signature algorithm or key size");
  if (st & GNUTLS_CERT_PURPOSE_MISMATCH)
    return fail(s, SSLB_ERR_CERT_PURPOSE,
                "'%s' (or an issuer) does not allow TLS server "
                "authentication (extended key usage)",
                leaf);
  if (st & GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS)
    return fail(s, SSLB_ERR_CERT_INVALID,
                "a certificate of the path has a critical extension that is "
                "not understood");
  if (st & GNUTLS_CERT_SIGNER_NOT_FOUND)
    return fail(s, SSLB_ERR_CERT_UNKNOWN_ISSUER,
                "no issuer of the path is trusted");
  if (st & GNUTLS_CERT_SIGNER_NOT_CA)
    return fail(s, SSLB_ERR_CERT_INVALID,
                "an issuing certificate of the path is not a CA "
                "(basicConstraints/keyUsage)");
  if (st & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
    return fail(s, SSLB_ERR_CERT_INVALID,
                "an issuing CA's constraints (path length or name "
                "constraints) are violated");
  if (st & GNUTLS_CERT_SIGNATURE_FAILURE)
    return fail(s, SSLB_ERR_CERT_INVALID,
                "a signature of the path does not verify");
  (void)anchor;
  return fail(s, SSLB_ERR_CERT_INVALID,
              "the path is invalid (GnuTLS status 0x%x)", st);
}

static int check_time(search *s, const sslb_certificate *c, size_t pos) {
  char t[40], now[40];
  int64_t nb = sslb_certificate_not_before(c), na = sslb_certificate_not_after(c);
  if (s->now < nb) {
    fmt_time(nb, t, sizeof t);
    fmt_time(s->now, now, sizeof now);
    return fail(s, SSLB_ERR_CERT_NOT_YET_VALID,
                "certificate [%zu] '%s' is valid only from %s (now %s)", pos,
                sslb_certificate_subject(c), t, now);
  }
  if (s->now > na) {
    fmt_time(na, t, sizeof t);
    fmt_time(s->now, now, sizeof now);
    return fail(s, SSLB_ERR_CERT_EXPIRED,
                "certificate [%zu] '%s' expired at %s (now %s)", pos,
                sslb_certificate_subject(c), t, now);
  }
  return 0;
}

/* What GnuTLS's verification reported, certificate by certificate: its
 * output callback takes no user pointer, hence thread-local. */
static __thread struct {
  gnutls_x509_crt_t leaf;
  unsigned leaf_out; /* the leaf's step */
  unsigned others;   /* every other step */
} vlog;

static int log_step(gnutls_x509_crt_t cert, gnutls_x509_crt_t issuer,
                    gnutls_x509_crl_t crl, unsigned out) {
  (void)issuer;
  if (crl || !(out & ~GNUTLS_CERT_INVALID))
    return 0;
  if (vlog.leaf && gnutls_x509_crt_equals(cert, vlog.leaf))
    vlog.leaf_out |= out;
  else
    vlog.others |= out;
  return 0;
}

/* GnuTLS says only "constraints failed" (GNUTLS_CERT_SIGNER_CONSTRAINTS_
 * FAILURE) for its name constraints, which also test the subject CN of a
 * certificate without DNS names, and for its path length, which counts
 * self-issued certificates. sslbind evaluates both itself. Its verdict
 * replaces GnuTLS's when that failure came from the leaf's step alone:
 * every issuer above was then checked in full, and what GnuTLS may have
 * skipped at that step (the leaf's signature when the path length ran
 * out, its issuer being a CA allowed to sign certificates, its purpose)
 * is checked here. A TLS feature extension (must-staple) keeps GnuTLS's
 * verdict. */
static int constraints_only_at_leaf(const search *s,
                                    const sslb_certificate *anchor) {
  if (vlog.others ||
      (vlog.leaf_out & ~GNUTLS_CERT_INVALID) !=
          GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
    return 0;
  const sslb_certificate *issuer = s->n > 1 ? s->path[1] : anchor;
  unsigned crit, ca = 0, ku;
  int pl;
  if (gnutls_x509_crt_get_basic_constraints(sslb__cert_crt(issuer), &crit,
                                            &ca, &pl) < 0 || !ca)
    return 0;
  int g = gnutls_x509_crt_get_key_usage(sslb__cert_crt(issuer), &ku, &crit);
  if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
    ku = GNUTLS_KEY_KEY_CERT_SIGN;
  else if (g < 0)
    return 0;
  if (!(ku & GNUTLS_KEY_KEY_CERT_SIGN))
    return 0;
  for (size_t i = 0; i <= s->n; i++)
    if (sslb__pkix_has_ext(i < s->n ? s->path[i] : anchor,
                           SSLB__EXT_TLS_FEATURE))
      return 0;
  /* GnuTLS checks a certificate's critical extensions when it verifies
   * what it issued: when the path length ran out at the leaf, neither the
   * leaf's nor its issuer's were */
  if (sslb__pkix_has_ext(s->path[0], SSLB__EXT_UNKNOWN_CRITICAL) ||
      sslb__pkix_has_ext(issuer, SSLB__EXT_UNKNOWN_CRITICAL))
    return 0;
  /* the leaf's purpose: serverAuth or any, when it says */
  int listed = 0, fits = 0;
  for (unsigned i = 0; i < 64; i++) {
    char oid[128];
    size_t on = sizeof oid;
    g = gnutls_x509_crt_get_key_purpose_oid(sslb__cert_crt(s->path[0]), i,
                                            oid, &on, NULL);
    if (g == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
      break;
    if (g < 0)
      return 0;
    listed = 1;
    fits |= !strcmp(oid, GNUTLS_KP_TLS_WWW_SERVER) || !strcmp(oid, GNUTLS_KP_ANY);
  }
  if (listed && !fits)
    return 0;
  return sslb__pkix_signed_by(s->path[0], issuer);
}

/* The first certificate of the path (anchor excluded) that one of the
 * CRLs revokes, or -1. GnuTLS consults CRLs only for a path it found
 * otherwise valid, so a path accepted over its verdict is checked here. */
static int revoked_in_path(const search *s, gnutls_x509_crl_t *crls,
                           size_t ncrls) {
  for (size_t i = 0; ncrls && i < s->n; i++)
    if (gnutls_x509_crt_check_revocation(sslb__cert_crt(s->path[i]), crls,
                                         (unsigned)ncrls) == 1)
      return (int)i;
  return -1;
}

/* Checks the current path completed by anchor. */
static int evaluate(search *s, const sslb_certificate *anchor) {
  s->evaluated++;
  /* 1. GnuTLS: signatures, CA constraints, purpose, CRLs, algorithms */
  gnutls_x509_trust_list_t tl;
  if (gnutls_x509_trust_list_init(&tl, 0) < 0)
    return SSLB_ERR_NO_MEMORY;
  gnutls_x509_crt_t ca;
  gnutls_x509_crt_t chain[MAX_DEPTH];
  int rc = 0;
  if (gnutls_x509_crt_init(&ca) < 0) {
    gnutls_x509_trust_list_deinit(tl, 1);
    return SSLB_ERR_NO_MEMORY;
  }
  const uint8_t *der;
  size_t dlen;
  sslb__cert_der(anchor, &der, &dlen);
  gnutls_datum_t d = {(unsigned char *)der, (unsigned)dlen};
  if (gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_DER) < 0 ||
      gnutls_x509_trust_list_add_cas(tl, &ca, 1, 0) != 1) {
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_trust_list_deinit(tl, 1);
    return SSLB_ERR_INTERNAL;
  }
  /* A CRL counts when a CA of this path (or the anchor) signed it.
   * GNUTLS_TL_VERIFY_CRL would check it against the trust list, which holds
   * only the anchor, and so drop every CRL of an intermediate CA. A CRL
   * past its nextUpdate still revokes what it lists. */
  gnutls_x509_crt_t issuers[MAX_DEPTH + 1];
  unsigned nissuers = 0;
  for (size_t i = 1; i < s->n; i++)
    issuers[nissuers++] = sslb__cert_crt(s->path[i]);
  issuers[nissuers++] = ca;
  const unsigned crl_time = GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED |
                            GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE;
  /* A CRL of a CA of the path that is signed by it but malformed (no CRL
   * number, say) fails the path: revocation cannot be told. */
  const sslb_certificate *crl_issuer = NULL;
  const char *crl_problem = NULL;
  gnutls_x509_crl_t *valid = NULL; /* the CRLs given to GnuTLS */
  size_t nvalid = 0;
  if (s->tm->ncrls && !(valid = calloc(s->tm->ncrls, sizeof *valid))) {
    gnutls_x509_trust_list_deinit(tl, 1);
    return SSLB_ERR_NO_MEMORY;
  }
  for (size_t i = 0; i < s->tm->ncrls; i++) {
    unsigned vret = 0;
    if (gnutls_x509_crl_verify(s->tm->crls[i], issuers, nissuers, 0, &vret) < 0)
      continue;
    for (size_t k = 1; k <= s->n && !crl_issuer; k++) {
      const sslb_certificate *by = k < s->n ? s->path[k] : anchor;
      if (!(vret & (GNUTLS_CERT_SIGNATURE_FAILURE |
                    GNUTLS_CERT_SIGNER_NOT_FOUND)) &&
          gnutls_x509_crl_check_issuer(s->tm->crls[i], sslb__cert_crt(by)) &&
          (crl_problem = sslb__pkix_crl_problem(s->tm->crls[i], by)))
        crl_issuer = by;
    }
    /* GnuTLS adds INVALID to the time flags; any real failure (issuer not
     * found, not a CA, bad signature, weak algorithm) has its own bit */
    if (vret & crl_time)
      vret &= ~(crl_time | GNUTLS_CERT_INVALID);
    if (vret)
      continue;
    valid[nvalid++] = s->tm->crls[i];
    gnutls_x509_crl_t crl;
    gnutls_datum_t cd;
    if (gnutls_x509_crl_export2(s->tm->crls[i], GNUTLS_X509_FMT_DER, &cd) < 0)
      continue;
    if (gnutls_x509_crl_init(&crl) >= 0) {
      if (gnutls_x509_crl_import(crl, &cd, GNUTLS_X509_FMT_DER) < 0 ||
          gnutls_x509_trust_list_add_crls(tl, &crl, 1, 0, 0) != 1)
        gnutls_x509_crl_deinit(crl);
    }
    gnutls_free(cd.data);
  }
  for (size_t i = 0; i < s->n; i++)
    chain[i] = sslb__cert_crt(s->path[i]);
  gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                   (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER, 0};
  unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
                   GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                   GNUTLS_VERIFY_DO_NOT_ALLOW_UNSORTED_CHAIN |
                   GNUTLS_PROFILE_TO_VFLAGS(GNUTLS_PROFILE_MEDIUM);
  unsigned status = 0;
  vlog.leaf = chain[0];
  vlog.leaf_out = vlog.others = 0;
  int g = gnutls_x509_trust_list_verify_crt2(
      tl, chain, (unsigned)s->n, &purpose, 1, flags, &status, log_step);
  vlog.leaf = NULL;
  gnutls_x509_trust_list_deinit(tl, 1);
  int revoked = (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
                    ? revoked_in_path(s, valid, nvalid)
                    : -1;
  free(valid);
  /* 2. own checks, most fundamental first */
  for (size_t i = 0; i < s->n; i++)
    if (weak_key(s->path[i]))
      return fail(s, SSLB_ERR_CERT_WEAK_KEY,
                  "certificate [%zu] '%s' has a %u-bit %s key (at least 2048 "
                  "RSA / 256 EC required)",
                  i, sslb_certificate_subject(s->path[i]),
                  sslb_certificate_key_bits(s->path[i]),
                  sslb_certificate_key_algorithm(s->path[i]));
  for (size_t i = 0; i < s->n; i++)
    if (!same_cert(s->path[i], anchor) && is_sha1_or_md5(s->path[i]))
      return fail(s, SSLB_ERR_CERT_INSECURE_ALGORITHM,
                  "certificate [%zu] '%s' is signed with %s", i,
                  sslb_certificate_subject(s->path[i]),
                  sslb_certificate_signature_algorithm(s->path[i]));
  for (size_t i = 0; i <= s->n; i++) {
    const sslb_certificate *c = i < s->n ? s->path[i] : anchor;
    if (!strcmp(sslb_certificate_key_algorithm(c), "DSA"))
      return fail(s, SSLB_ERR_CERT_INSECURE_ALGORITHM,
                  "'%s' has a DSA key, which TLS no longer accepts",
                  sslb_certificate_subject(c));
  }
  if (!same_cert(s->path[0], anchor)) {
    /* A leaf issued by someone else must be an end entity. (A self-signed
     * certificate trusted as itself may say CA: `openssl req -x509` makes
     * them so.) */
    gnutls_x509_crt_t leaf = sslb__cert_crt(s->path[0]);
    unsigned ku = 0, crit;
    int has_ku = gnutls_x509_crt_get_key_usage(leaf, &ku, &crit) >= 0;
    if (sslb_certificate_is_ca(s->path[0]) ||
        (has_ku && (ku & GNUTLS_KEY_KEY_CERT_SIGN)))
      return fail(s, SSLB_ERR_CERT_INVALID,
                  "the leaf '%s' is a CA certificate (basicConstraints CA or "
                  "keyCertSign), not a server certificate",
                  sslb_certificate_subject(s->path[0]));
    if (sslb__pkix_has_ext(s->path[0], SSLB__EXT_NAME_CONSTRAINTS))
      return fail(s, SSLB_ERR_CERT_INVALID,
                  "the leaf '%s' carries name constraints, which only CA "
                  "certificates may",
                  sslb_certificate_subject(s->path[0]));
  }
  /* the path as pkix.h takes it: leaf first, anchor last */
  const sslb_certificate *full[MAX_DEPTH + 1];
  sslb__pkix_path px = {full, 0};
  for (size_t i = 0; i < s->n; i++)
    full[px.n++] = s->path[i];
  if (!same_cert(s->path[s->n - 1], anchor))
    full[px.n++] = anchor;
  char m[512];
  if ((rc = sslb__pkix_profile(&px, m, sizeof m)) < 0)
    return fail(s, rc, "%s", m);
  if (crl_issuer)
    return fail(s, SSLB_ERR_CERT_INVALID,
                "the CRL issued by '%s' cannot be used: %s",
                sslb_certificate_subject(crl_issuer), crl_problem);
  if (g < 0)
    return fail(s, SSLB_ERR_CERT_INVALID, "verification failed: %s",
                gnutls_strerror(g));
  const char *host = s->check_name ? s->host : NULL;
  if (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE) {
    /* say which constraint, when sslbind finds one violated */
    if ((rc = sslb__pkix_name_constraints(&px, host, m, sizeof m)) < 0 ||
        (rc = sslb__pkix_path_length(&px, m, sizeof m)) < 0)
      return fail(s, rc, "%s", m);
    if ((status & ~GNUTLS_CERT_INVALID) ==
            GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE &&
        constraints_only_at_leaf(s, anchor)) {
      if (revoked >= 0)
        return fail(s, SSLB_ERR_CERT_REVOKED,
                    "certificate [%d] '%s' was revoked by its issuer's CRL",
                    revoked, sslb_certificate_subject(s->path[revoked]));
      status = 0;
    }
  }
  if (status)
    return map_status(s, status, anchor);
  for (size_t i = 0; i < s->n; i++)
    if ((rc = check_time(s, s->path[i], i)) < 0)
      return rc;
  if (!same_cert(s->path[s->n - 1], anchor) &&
      (rc = check_time(s, anchor, s->n)) < 0)
    return rc;
  if (host && !sslb__host_matches(s->path[0], host))
    return fail(s, SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                "'%s' is not among the subject alternative names of '%s' "
                "(the subject CN is not consulted)",
                host, sslb_certificate_subject(s->path[0]));
  if ((rc = sslb__pkix_name_constraints(&px, host, m, sizeof m)) < 0 ||
      (rc = sslb__pkix_path_length(&px, m, sizeof m)) < 0)
    return fail(s, rc, "%s", m);
  return 0;
}

static int in_path(const search *s, const sslb_certificate *c) {
  for (size_t i = 0; i < s->n; i++)
    if (same_cert(s->path[i], c))
      return 1;
  return 0;
}

static void accept_path(search *s, const sslb_certificate *anchor) {
  s->found = 1;
  s->ok_n = 0;
  for (size_t i = 0; i < s->n; i++)
    s->ok_path[s->ok_n++] = s->path[i];
  if (!same_cert(s->path[s->n - 1], anchor))
    s->ok_path[s->ok_n++] = anchor;
}

/* Whether the accepted path (ok_path) carries a pinned key. The first path
 * that does not is described for the report: if no other trusted path
 * has one, that is the failure. */
static int pins_hold(search *s) {
  if (!s->npins)
    return 1;
  for (size_t i = 0; i < s->ok_n; i++) {
    const char *have = sslb_certificate_spki_pin(s->ok_path[i]);
    for (size_t k = 0; have && k < s->npins; k++)
      if (strcmp(have, s->pins[k]) == 0) {
        s->pin_hit = s->pins[k];
        s->pin_hit_at = i;
        return 1;
      }
  }
  if (s->pin_failed)
    return 0;
  s->pin_failed = 1;
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__buf_printf(&b, "certificate pinning failure for %s: pinned ", s->host);
  for (size_t k = 0; k < s->npins; k++)
    sslb__buf_printf(&b, "%s%s", k ? ", " : "", s->pins[k]);
  sslb__buf_str(&b, "; the trusted path has ");
  for (size_t i = 0; i < s->ok_n; i++)
    sslb__buf_printf(&b, "%s%s (%s)", i ? ", " : "",
                     sslb_certificate_spki_pin(s->ok_path[i]),
                     sslb_certificate_subject(s->ok_path[i]));
  /* without memory the code alone still tells what failed */
  if (sslb__buf_ok(&b) == 0)
    s->pin_msg = (char *)sslb__buf_take(&b, NULL);
  else
    sslb__buf_free(&b);
  return 0;
}

static int extend(search *s) {
  if (++s->nodes > MAX_NODES)
    return 0;
  const sslb_certificate *last = s->path[s->n - 1];
  const sslb_trust_manager *tm = s->tm;
  /* First the certificate itself as an anchor (a self-signed server
   * certificate in a trust store, as on the Ktor page), then anchors that
   * issued it. */
  for (int pass = 0; pass < 2; pass++)
    for (size_t a = 0; a < tm->nanchors && s->evaluated < MAX_PATHS; a++) {
      int itself = same_cert(tm->anchors[a], last);
      if (pass == 0 ? !itself
                    : itself || !sslb__cert_issued_by(last, tm->anchors[a]))
        continue;
      int rc = evaluate(s, tm->anchors[a]);
      if (rc == 0) {
        accept_path(s, tm->anchors[a]);
        if (pins_hold(s))
          return 1;
        /* another trusted path (through a cross-signed intermediate, say)
         * may still carry a pinned key */
        s->found = 0;
        continue;
      }
      if (rc == SSLB_ERR_NO_MEMORY || rc == SSLB_ERR_INTERNAL)
        return rc;
    }
  if (s->n == MAX_DEPTH)
    return 0;
  for (size_t i = 1; i < s->nin && s->evaluated < MAX_PATHS; i++) {
    const sslb_certificate *c = s->in[i];
    if (in_path(s, c) || sslb__cert_self_issued(last) ||
        !sslb__cert_issued_by(last, c))
      continue;
    s->path[s->n++] = c;
    int r = extend(s);
    s->n--;
    if (r != 0)
      return r;
  }
  return 0;
}

const char *sslb__san_label(int type) {
  switch (type) {
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

static void describe_cert(sslb__buf *b, size_t i, const sslb_certificate *c) {
  char nb[40], na[40];
  fmt_time(sslb_certificate_not_before(c), nb, sizeof nb);
  fmt_time(sslb_certificate_not_after(c), na, sizeof na);
  sslb__buf_printf(b, "  [%zu] subject: %s\n      issuer:  %s\n", i,
                   sslb_certificate_subject(c), sslb_certificate_issuer(c));
  sslb__buf_str(b, "      SANs:    ");
  size_t n = sslb_certificate_san_count(c);
  for (size_t k = 0; k < n; k++)
    sslb__buf_printf(b, "%s%s:%s", k ? ", " : "",
                     sslb__san_label(sslb_certificate_san_type(c, k)),
                     sslb_certificate_san_value(c, k));
  if (!n)
    sslb__buf_str(b, "(none)");
  sslb__buf_printf(b, "\n      valid:   %s .. %s\n      key:     %s %u, "
                   "signed %s\n      pin:     %s\n",
                   nb, na, sslb_certificate_key_algorithm(c),
                   sslb_certificate_key_bits(c),
                   sslb_certificate_signature_algorithm(c),
                   sslb_certificate_spki_pin(c));
}

/* Verdicts are the CERT_ codes; other failures (memory, a GnuTLS
 * primitive) say nothing about the chain, so neither trust-all nor a
 * callback may turn them into trust. Checked by name so that CERT_ codes
 * appended to the table later count too. */
static int is_cert_code(int rc) {
  return rc < 0 && strncmp(sslb_error_name(rc), "CERT_", 5) == 0;
}

/* The pins of every pattern that covers host, each once. */
static int collect_pins(search *s) {
  const sslb_trust_manager *tm = s->tm;
  if (!s->host || !tm->npins)
    return 0;
  s->pins = calloc(tm->npins, sizeof *s->pins);
  if (!s->pins)
    return SSLB_ERR_NO_MEMORY;
  for (size_t i = 0; i < tm->npins; i++) {
    if (!sslb__pin_matches(&tm->pins[i], s->host))
      continue;
    size_t k = 0;
    while (k < s->npins && strcmp(s->pins[k], tm->pins[i].pin) != 0)
      k++;
    if (k == s->npins)
      s->pins[s->npins++] = tm->pins[i].pin;
  }
  return 0;
}

/* Everything after the result line: the presented chain and, when one was
 * found, the trusted path with the pin it carries. */
static void describe_body(sslb__buf *b, const search *s) {
  sslb__buf_str(b, "presented chain:\n");
  for (size_t i = 0; i < s->nin; i++)
    describe_cert(b, i, s->in[i]);
  if (!s->found)
    return;
  sslb__buf_str(b, "trusted path:\n");
  for (size_t i = 0; i < s->ok_n; i++)
    sslb__buf_printf(b, "  %s%s\n", sslb_certificate_subject(s->ok_path[i]),
                     i + 1 == s->ok_n ? "  (anchor)" : "");
  if (s->pin_hit)
    sslb__buf_printf(b, "pinned: %zu key(s) for this host; %s matches %s\n",
                     s->npins, s->pin_hit,
                     sslb_certificate_subject(s->ok_path[s->pin_hit_at]));
}

/* The report: host, "result: " + result, then the body. NULL without
 * memory. */
static char *compose(const search *s, const sslb__buf *result,
                     const sslb__buf *body) {
  if (sslb__buf_ok(result) < 0 || sslb__buf_ok(body) < 0)
    return NULL;
  sslb__buf b;
  sslb__buf_init(&b);
  sslb__buf_printf(&b, "host: %s%s\nresult: ",
                   s->host ? s->host : "(not checked)",
                   s->host && !s->check_name ? " (name not checked)" : "");
  sslb__buf_put(&b, result->p, result->len);
  sslb__buf_str(&b, "\n");
  sslb__buf_put(&b, body->p, body->len);
  if (sslb__buf_ok(&b) == 0)
    return (char *)sslb__buf_take(&b, NULL);
  sslb__buf_free(&b);
  return NULL;
}

int sslb_trust_manager_verify(sslb_trust_manager *tm,
                              sslb_certificate *const *chain,
                              size_t chain_len, const char *host,
                              char **report) {
  return sslb__trust_verify(tm, chain, chain_len, host, host != NULL, report);
}

int sslb__trust_verify(sslb_trust_manager *tm, sslb_certificate *const *chain,
                       size_t chain_len, const char *host, int check_name,
                       char **report) {
  if (report)
    *report = NULL;
  if (!tm || !chain || chain_len == 0)
    return SSLB_ERR_INVALID_ARGUMENT;
  for (size_t i = 0; i < chain_len; i++)
    if (!chain[i])
      return SSLB_ERR_INVALID_ARGUMENT;
  search *s = calloc(1, sizeof *s);
  if (!s)
    return SSLB_ERR_NO_MEMORY;
  s->in = chain;
  s->nin = chain_len;
  s->tm = tm;
  /* only NULL skips the name check: "" is a name nothing matches */
  s->host = host;
  s->check_name = host && check_name;
  s->now = tm->time ? tm->time : (int64_t)time(NULL);
  s->path[0] = chain[0];
  s->n = 1;
  int rc = collect_pins(s);
  if (rc == 0)
    rc = extend(s);
  if (rc > 0) {
    rc = 0;
  } else if (rc == 0 && s->pin_failed) {
    /* the chain is trusted: that no trusted path carries a pinned key is
     * the most specific thing to say */
    rc = SSLB_ERR_CERT_PIN_MISMATCH;
  } else if (rc == 0) {
    if (!s->evaluated) {
      if (chain_len == 1 && sslb__cert_self_issued(chain[0]))
        fail(s, SSLB_ERR_CERT_SELF_SIGNED,
             "'%s' is self-signed and is not among the %zu trusted "
             "certificates",
             sslb_certificate_subject(chain[0]), tm->nanchors);
      else
        fail(s, SSLB_ERR_CERT_UNKNOWN_ISSUER,
             "no path from '%s' to any of the %zu trusted certificates (the "
             "issuer '%s' is unknown%s)",
             sslb_certificate_subject(chain[0]), tm->nanchors,
             sslb_certificate_issuer(s->in[chain_len - 1]),
             chain_len > 1 ? "; an intermediate may be missing" : "");
    }
    rc = s->best_rc ? s->best_rc : SSLB_ERR_CERT_INVALID;
  }
  const char *why = rc == SSLB_ERR_CERT_PIN_MISMATCH && s->pin_failed
                        ? s->pin_msg
                    : s->best_rc == rc ? s->best_msg
                                       : NULL;
  if (!why)
    why = sslb_strerror(rc);

  /* sslbind's verdict, as the result line says it */
  int verdict = rc;
  sslb__buf line, body;
  sslb__buf_init(&line);
  sslb__buf_init(&body);
  if (tm->insecure && is_cert_code(rc)) {
    verdict = 0;
    sslb__buf_printf(&line,
                     "NOT VERIFIED (insecure trust-all): would have failed "
                     "with %s: %s",
                     sslb_error_name(rc), why);
  } else if (tm->insecure && rc == 0) {
    sslb__buf_str(&line, "NOT VERIFIED (insecure trust-all): the chain would "
                         "have been trusted");
  } else if (rc == 0) {
    sslb__buf_str(&line, "trusted");
  } else {
    sslb__buf_printf(&line, "%s: %s", sslb_error_name(rc), why);
  }
  int decided = verdict == 0 || is_cert_code(verdict);
  char *text = NULL;
  if (report || (tm->verify_fn && decided)) {
    describe_body(&body, s);
    text = compose(s, &line, &body);
  }

  int final = verdict;
  if (tm->verify_fn && decided) {
    int cb = tm->verify_fn(tm->verify_data, host, chain, chain_len, verdict,
                           text ? text : "");
    final = cb == 0 ? 0 : is_cert_code(cb) ? cb : SSLB_ERR_CERT_REJECTED;
    if (final != verdict && report) {
      /* the report says who decided, and keeps what sslbind said */
      sslb__buf over;
      sslb__buf_init(&over);
      if (final == 0)
        sslb__buf_str(&over, "trusted by the verify callback");
      else
        sslb__buf_printf(&over, "%s: rejected by the verify callback",
                         sslb_error_name(final));
      sslb__buf_str(&over, " (sslbind's verdict: ");
      sslb__buf_put(&over, line.p, line.len);
      sslb__buf_str(&over, ")");
      free(text);
      text = compose(s, &over, &body);
      sslb__buf_free(&over);
    }
  }
  if (report)
    *report = text;
  else
    free(text);
  sslb__buf_free(&line);
  sslb__buf_free(&body);
  free(s->pin_msg);
  free(s->pins);
  free(s);
  return final;
}
