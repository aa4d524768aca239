#ifndef SSLB_TRUST_H
#define SSLB_TRUST_H

#include "tls/x509_internal.h"

/* How a pin's host pattern matches (OkHttp's CertificatePinner). */
enum {
  SSLB__PIN_EXACT = 0,     /* "example.com": that host only */
  SSLB__PIN_ONE_LABEL = 1, /* "*.example.com": one more leftmost label */
  SSLB__PIN_ANY_LABELS = 2 /* "**.example.com": zero or more labels */
};

/* One SPKI pin for one host pattern. Fixed-size, so that a builder's pins
 * copy into the manager with one allocation and compare field by field. */
typedef struct {
  int kind;
  char name[256]; /* lower case, no trailing dot, without the wildcard */
  uint8_t ip[16]; /* an IP literal pattern (exact only) */
  size_t iplen;   /* 4 or 16 for an IP literal, else 0 */
  char pin[52];   /* "sha256/" + canonical base64, as spki_pin prints it */
} sslb__pin;

struct sslb_trust_manager {
  int refs;
  sslb_certificate **anchors; /* explicit ones first, then the system's */
  size_t nanchors;
  gnutls_x509_crl_t *crls;
  size_t ncrls;
  int64_t time; /* 0: the clock */
  sslb__pin *pins;
  size_t npins;
  sslb_verify_fn verify_fn; /* NULL: no application callback */
  void *verify_data;
  int insecure; /* trust-all: verdicts are reported, never enforced */
};

/* sslb_trust_manager_verify with the name check separate from the host:
 * without check_name the host's pins still apply (a client whose hostname
 * verifier replaces the built-in name check keeps its pins). */
int sslb__trust_verify(sslb_trust_manager *tm, sslb_certificate *const *chain,
                       size_t chain_len, const char *host, int check_name,
                       char **report);

/* "DNS", "IP", "email", "URI" or "other": how reports name a SAN type. */
const char *sslb__san_label(int type);

/* Host name checks, exposed for tests: 1 when the certificate's SANs
 * cover host (DNS name or IP literal), 0 otherwise. */
int sslb__host_matches(const sslb_certificate *c, const char *host);

/* An IP literal (IPv6 possibly in brackets) into out; returns its length,
 * 4 or 16, or 0 when host is not one. */
size_t sslb__parse_ip(const char *host, uint8_t out[16]);
/* Lower-cases a DNS name into dst (256 bytes) without its trailing dot;
 * returns its length, or -1 when it does not fit. */
long sslb__normalize_name(char dst[256], const char *src);

/* Parses a host pattern and a "sha256/<base64>" pin into p; on failure
 * SSLB_ERR_INVALID_ARGUMENT with a message naming the problem in err. */
int sslb__pin_parse(sslb__pin *p, const char *pattern, const char *pin,
                    sslb__err *err) SSLB__MUST_USE;
/* 1 when p's host pattern covers host (as verification passes it: any
 * case, maybe a trailing dot, maybe a bracketed IPv6 literal), else 0. */
int sslb__pin_matches(const sslb__pin *p, const char *host);

#endif
