/* GnuTLS-level access to certificates and keys, for src/tls/ only. */
#ifndef SSLB_X509_INTERNAL_H
#define SSLB_X509_INTERNAL_H

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls/x509.h"

struct sslb__key {
  int refs;
  gnutls_x509_privkey_t k;
};

int sslb__key_wrap(sslb__key **out, gnutls_x509_privkey_t k) SSLB__MUST_USE;
gnutls_x509_crt_t sslb__cert_crt(const sslb_certificate *c);
/* Maps a GnuTLS error to a message suffix that carries no secret. */
const char *sslb__gnutls_msg(int gnutls_rc);

#endif
