#ifndef SSLB_TRUST_H
#define SSLB_TRUST_H

#include "tls/x509_internal.h"

struct sslb_trust_manager {
  int refs;
  sslb_certificate **anchors; /* explicit ones first, then the system's */
  size_t nanchors;
  gnutls_x509_crl_t *crls;
  size_t ncrls;
  int64_t time; /* 0: the clock */
};

/* Host name checks, exposed for tests: 1 when the certificate's SANs
 * cover host (DNS name or IP literal), 0 otherwise. */
int sslb__host_matches(const sslb_certificate *c, const char *host);

#endif
