/* SSL contexts as the client sees them: compiled credentials plus the
 * managers they came from. */
#ifndef SSLB_CONTEXT_H
#define SSLB_CONTEXT_H

#include "internal.h"
#include "tls/session.h"
#include "tls/x509.h"

typedef struct {
  char *alias;
  sslb_certificate **chain;
  size_t chain_len;
  sslb__key *key;
} sslb__identity;

struct sslb_key_manager {
  int refs;
  sslb__identity *v;
  size_t n;
};

struct sslb_ssl_context {
  int refs;
  sslb_key_manager *km; /* NULL: no client certificate */
  sslb_trust_manager *tm;
  char *protocols;     /* JSSE names, "TLSv1.3,TLSv1.2" */
  char *suites;        /* as given, "" for the defaults */
  char *priority;      /* what GnuTLS compiled */
  sslb__tls_ctx *tls;  /* credentials + priority cache */
};

struct sslb_socket_factory {
  int refs;
  sslb_ssl_context *ctx;
};

/* A context from a trust manager alone (NULL: the system store), with
 * err set on failure: what a plain sslb_client_new makes. */
int sslb__ssl_context_for_trust(sslb_ssl_context **out, sslb_trust_manager *tm,
                                sslb__err *err) SSLB__MUST_USE;
/* A copy of base with another key manager. */
int sslb__ssl_context_with_keys(sslb_ssl_context **out,
                                const sslb_ssl_context *base,
                                sslb_key_manager *km,
                                sslb__err *err) SSLB__MUST_USE;

/* Identities of several key managers in one. */
int sslb__key_manager_concat(sslb_key_manager **out,
                             sslb_key_manager *const *v,
                             size_t n) SSLB__MUST_USE;
/* The cipher suites sslbind can enable, in its order of preference. */
size_t sslb__suite_count(void);
const char *sslb__suite_name(size_t i);
/* Calls fn(ud, item) for each comma-separated, space-trimmed item; stops
 * at the first negative result. */
int sslb__each_item(const char *list, int (*fn)(void *, const char *),
                    void *ud) SSLB__MUST_USE;

#endif
