/* sslbind's own certification-path rules, applied on top of GnuTLS's
 * verification (signatures, CA flags, key purpose, CRLs): name constraints
 * evaluated as RFC 5280 4.2.1.10 says (on every name of every certificate
 * below the constraining CA, never on the subject CN), path length with
 * self-issued certificates exempt, and the profile rules GnuTLS does not
 * check (extension form and criticality, CN consistency, key sizes).
 * For src/tls/ only. */
#ifndef SSLB_PKIX_H
#define SSLB_PKIX_H

#include "tls/x509_internal.h"

/* A path for the checks below: certs[0] is the leaf and certs[n - 1] the
 * trust anchor, each certificate issued by the next; n == 1 when the leaf
 * is trusted as itself. */
typedef struct {
  const sslb_certificate *const *certs;
  size_t n;
} sslb__pkix_path;

/* Each check returns 0, or a CERT_ code with the reason in msg (never a
 * secret: names and subjects only). */

/* Extension form and profile rules on every certificate of the path. */
int sslb__pkix_profile(const sslb__pkix_path *p, char *msg, size_t msglen);

/* basicConstraints pathLenConstraint, self-issued intermediates exempt. */
int sslb__pkix_path_length(const sslb__pkix_path *p, char *msg, size_t msglen);

/* The name constraints of every CA of the path (the anchor included) on
 * every name of the certificates below it, and on host when not NULL (a
 * DNS name or an IP literal). */
int sslb__pkix_name_constraints(const sslb__pkix_path *p, const char *host,
                                char *msg, size_t msglen);

/* 1 when issuer's key verifies the signature on c, else 0. */
int sslb__pkix_signed_by(const sslb_certificate *c,
                         const sslb_certificate *issuer);

/* 1 when the certificate carries the extension (or cannot be read);
 * UNKNOWN_CRITICAL: a critical extension that neither GnuTLS nor sslbind
 * processes. */
enum {
  SSLB__EXT_NAME_CONSTRAINTS,
  SSLB__EXT_TLS_FEATURE,
  SSLB__EXT_UNKNOWN_CRITICAL
};
int sslb__pkix_has_ext(const sslb_certificate *c, int which);

/* The problem with a CRL issued by issuer that makes it unusable (a
 * version 2 CRL whose CRLNumber is missing or critical, an issuer whose keyUsage lacks cRLSign),
 * or NULL when it is well-formed. */
const char *sslb__pkix_crl_problem(gnutls_x509_crl_t crl,
                                   const sslb_certificate *issuer);

#endif
