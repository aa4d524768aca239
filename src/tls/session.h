/* Non-blocking TLS client sessions on GnuTLS, verified by a trust manager. */
#ifndef SSLB_SESSION_H
#define SSLB_SESSION_H

#include <sys/types.h>

#include "internal.h"
#include "tls/x509.h"

#define SSLB__AGAIN (-1000) /* would block: poll for sslb__tls_wants() */

typedef struct sslb__tls_ctx sslb__tls_ctx; /* per client: credentials */
typedef struct sslb__tls sslb__tls;         /* per connection */

/* TLS 1.2 and 1.3 with AEAD suites only: the default GnuTLS priority. */
#define SSLB__PRIORITY_DEFAULT                                                  \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"      \
  "+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:%SAFE_RENEGOTIATION"

/* Credentials verified by tm, with a GnuTLS priority string
 * (SSLB_ERR_UNSUPPORTED when GnuTLS cannot use it). */
int sslb__tls_ctx_new(sslb__tls_ctx **out, sslb_trust_manager *tm,
                      const char *priority, sslb__err *err) SSLB__MUST_USE;
void sslb__tls_ctx_free(sslb__tls_ctx *ctx);
/* Client certificate chain (leaf first) and key for mutual TLS. */
int sslb__tls_ctx_set_identity(sslb__tls_ctx *ctx,
                               sslb_certificate *const *chain, size_t n,
                               const sslb__key *key, sslb__err *err)
    SSLB__MUST_USE;

/* host: sent as SNI (unless an IP literal) and, with check_name, verified
 * against the certificate's SANs during the handshake.
 * alpn: 0 any (h2, http/1.1), 1 http/1.1 only, 2 h2 only */
int sslb__tls_new(sslb__tls **out, sslb__tls_ctx *ctx, int fd,
                  const char *host, int check_name, int alpn,
                  sslb__err *err) SSLB__MUST_USE;
void sslb__tls_free(sslb__tls *t);
/* 0 when done, SSLB__AGAIN, or a code with err set (verification failures
 * carry the verifier's code and report). */
int sslb__tls_handshake(sslb__tls *t, sslb__err *err) SSLB__MUST_USE;
/* 1: wants to write; 0: wants to read */
int sslb__tls_wants_write(const sslb__tls *t);
/* >0 bytes, 0 at a clean close, SSLB__AGAIN, or a negative code */
ssize_t sslb__tls_read(sslb__tls *t, void *buf, size_t n, sslb__err *err);
/* >0 bytes taken, SSLB__AGAIN (call again with the same data), or a code */
ssize_t sslb__tls_write(sslb__tls *t, const void *buf, size_t n,
                        sslb__err *err);
/* bytes received but not yet returned: decrypted in GnuTLS or raw in the
 * read-ahead buffer. Non-zero after SSLB__AGAIN means "read again": GnuTLS
 * returns EAGAIN after a post-handshake message (a TLS 1.3 session ticket)
 * even when more records are already here, where epoll cannot see them. */
size_t sslb__tls_pending(sslb__tls *t);
const char *sslb__tls_alpn(const sslb__tls *t);    /* "" when none */
/* The verifier's report on the peer's chain ("" when none was made). */
const char *sslb__tls_report(const sslb__tls *t);
/* Session resumption: data from a finished connection, offered by a new
 * one before its handshake. get returns 0 and replaces out's contents when
 * the session can be resumed (TLS 1.3: a ticket has arrived). */
int sslb__tls_get_session(sslb__tls *t, sslb__buf *out);
void sslb__tls_set_session(sslb__tls *t, const uint8_t *p, size_t n);
int sslb__tls_resumed(const sslb__tls *t);
/* The peer's chain as presented, parsed once per connection (borrowed). */
size_t sslb__tls_peer_chain(sslb__tls *t, sslb_certificate *const **chain);
const char *sslb__tls_version(const sslb__tls *t);
const char *sslb__tls_cipher(const sslb__tls *t);

#endif
