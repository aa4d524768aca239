#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "tls/session.h"
#include "tls/trust.h"


struct sslb__tls_ctx {
  gnutls_certificate_credentials_t creds;
  gnutls_priority_t prio;
  sslb_trust_manager *tm;
};

struct sslb__tls {
  gnutls_session_t s;
  sslb__tls_ctx *ctx;
  char host[256];
  int check_name; /* the trust manager checks host against the SANs */
  int verify_rc;
  char *report;
  char alpn[16];
  char version[16];
  char cipher[64];
  size_t send_inflight; /* length of a send GnuTLS buffered on EAGAIN */
  const char *alpn_offer;
  int fd;
  sslb_certificate *peer[16]; /* as presented, kept from verification */
  size_t npeer;
  int peer_loaded;
  /* Raw bytes read ahead: GnuTLS asks for each record's header and body
   * separately; one recv per 64 KiB instead of two per record. */
  uint8_t rbuf[65536];
  size_t rpos, rlen;
};

static ssize_t pull(gnutls_transport_ptr_t ptr, void *data, size_t len) {
  sslb__tls *t = ptr;
  if (t->rpos == t->rlen) {
    ssize_t r;
    do
      r = recv(t->fd, t->rbuf, sizeof t->rbuf, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
      gnutls_transport_set_errno(t->s, errno == EWOULDBLOCK ? EAGAIN : errno);
      return -1;
    }
    t->rpos = 0;
    t->rlen = (size_t)r;
    if (r == 0)
      return 0;
  }
  size_t n = t->rlen - t->rpos < len ? t->rlen - t->rpos : len;
  memcpy(data, t->rbuf + t->rpos, n);
  t->rpos += n;
  return (ssize_t)n;
}

static ssize_t push(gnutls_transport_ptr_t ptr, const void *data, size_t len) {
  sslb__tls *t = ptr;
  ssize_t r;
  do
    r = send(t->fd, data, len, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    gnutls_transport_set_errno(t->s, errno == EWOULDBLOCK ? EAGAIN : errno);
  return r;
}

static ssize_t vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov,
                        int iovcnt) {
  sslb__tls *t = ptr;
  struct msghdr m = {0};
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = (size_t)iovcnt;
  ssize_t r;
  do
    r = sendmsg(t->fd, &m, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    gnutls_transport_set_errno(t->s, errno == EWOULDBLOCK ? EAGAIN : errno);
  return r;
}

static int verify_cb(gnutls_session_t s) {
  sslb__tls *t = gnutls_session_get_ptr(s);
  unsigned n = 0;
  const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
  if (!peers || n == 0) {
    t->verify_rc = SSLB_ERR_CERT_INVALID;
    return -1;
  }
  if (n > 16)
    n = 16;
  sslb_certificate *chain[16];
  size_t got = 0;
  for (unsigned i = 0; i < n; i++)
    if (sslb__cert_from_der(&chain[got], peers[i].data, peers[i].size, NULL) ==
        0)
      got++;
  int rc = got ? sslb__trust_verify(t->ctx->tm, chain, got, t->host,
                                    t->check_name, &t->report)
               : SSLB_ERR_CERT_INVALID;
  for (size_t i = 0; i < got; i++)
    t->peer[i] = chain[i]; /* kept for the responses' TLS facts */
  t->npeer = got;
  t->peer_loaded = 1;
  t->verify_rc = rc;
  return rc == 0 ? 0 : -1;
}

int sslb__tls_ctx_new(sslb__tls_ctx **out, sslb_trust_manager *tm,
                      const char *priority, sslb__err *err) {
  sslb__tls_ctx *c = calloc(1, sizeof *c);
  if (!c)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  int g = gnutls_certificate_allocate_credentials(&c->creds);
  const char *bad = NULL;
  if (g >= 0)
    g = gnutls_priority_init2(&c->prio, priority, &bad, 0);
  if (g < 0) {
    sslb__tls_ctx_free(c);
    if (bad)
      return sslb__fail(err, SSLB_ERR_UNSUPPORTED,
                        "GnuTLS cannot use the TLS parameters at '%s'", bad);
    return sslb__fail(err, SSLB_ERR_TLS, "TLS set-up failed: %s",
                      gnutls_strerror(g));
  }
  gnutls_certificate_set_verify_function(c->creds, verify_cb);
  c->tm = sslb_trust_manager_ref(tm);
  *out = c;
  return 0;
}

int sslb__tls_ctx_set_identity(sslb__tls_ctx *c,
                               sslb_certificate *const *chain, size_t n,
                               const sslb__key *key, sslb__err *err) {
  gnutls_x509_crt_t certs[16];
  if (n == 0 || n > 16)
    return sslb__fail(err, SSLB_ERR_INVALID_ARGUMENT,
                      "a client chain of %zu certificates is not usable", n);
  for (size_t i = 0; i < n; i++)
    certs[i] = sslb__cert_crt(chain[i]);
  int g = gnutls_certificate_set_x509_key(c->creds, certs, (unsigned)n, key->k);
  if (g < 0)
    return sslb__fail(err, SSLB_ERR_TLS, "the client identity was refused: %s",
                      gnutls_strerror(g));
  return 0;
}

void sslb__tls_ctx_free(sslb__tls_ctx *c) {
  if (!c)
    return;
  if (c->creds)
    gnutls_certificate_free_credentials(c->creds);
  if (c->prio)
    gnutls_priority_deinit(c->prio);
  sslb_trust_manager_free(c->tm);
  free(c);
}

int sslb__tls_new(sslb__tls **out, sslb__tls_ctx *ctx, int fd,
                  const char *host, int check_name, int alpn, sslb__err *err) {
  sslb__tls *t = calloc(1, sizeof *t);
  if (!t)
    return sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
  t->ctx = ctx;
  t->check_name = check_name;
  snprintf(t->host, sizeof t->host, "%s", host);
  int g = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  if (g < 0) {
    free(t);
    return sslb__fail(err, SSLB_ERR_TLS, "TLS session: %s",
                      gnutls_strerror(g));
  }
  gnutls_session_set_ptr(t->s, t);
  gnutls_priority_set(t->s, ctx->prio);
  gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, ctx->creds);
  uint8_t ip[16];
  int is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
  if (!is_ip) /* no SNI for IP literals (RFC 6066) */
    gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, host, strlen(host));
  gnutls_datum_t protos[2];
  unsigned np = 0;
  if (alpn != 1)
    protos[np++] = (gnutls_datum_t){(unsigned char *)"h2", 2};
  if (alpn != 2)
    protos[np++] = (gnutls_datum_t){(unsigned char *)"http/1.1", 8};
  gnutls_alpn_set_protocols(t->s, protos, np, 0);
  t->alpn_offer = alpn == 1 ? "http/1.1" : alpn == 2 ? "h2" : "h2, http/1.1";
  t->fd = fd;
  gnutls_transport_set_ptr(t->s, t);
  gnutls_transport_set_pull_function(t->s, pull);
  gnutls_transport_set_push_function(t->s, push);
  gnutls_transport_set_vec_push_function(t->s, vec_push);
  gnutls_handshake_set_timeout(t->s, 0);
  *out = t;
  return 0;
}

void sslb__tls_free(sslb__tls *t) {
  if (!t)
    return;
  for (size_t i = 0; i < t->npeer; i++)
    sslb_certificate_free(t->peer[i]);
  gnutls_deinit(t->s);
  free(t->report);
  free(t);
}

int sslb__tls_handshake(sslb__tls *t, sslb__err *err) {
  int g = gnutls_handshake(t->s);
  if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED)
    return SSLB__AGAIN;
  if (g < 0) {
    if (t->verify_rc < 0)
      return sslb__fail(err, t->verify_rc, "certificate verification failed "
                                           "for %s:\n%s",
                        t->host, t->report ? t->report : "");
    if (g == GNUTLS_E_FATAL_ALERT_RECEIVED &&
        gnutls_alert_get(t->s) == GNUTLS_A_NO_APPLICATION_PROTOCOL)
      return sslb__fail(err, SSLB_ERR_PROTOCOL,
                        "%s refused every offered protocol (ALPN: %s)", t->host,
                        t->alpn_offer);
    if (g == GNUTLS_E_FATAL_ALERT_RECEIVED)
      return sslb__fail(err, SSLB_ERR_TLS,
                        "TLS handshake with %s failed: the server sent the "
                        "alert '%s'",
                        t->host, gnutls_alert_get_name(gnutls_alert_get(t->s)));
    if (g == GNUTLS_E_PREMATURE_TERMINATION || g == GNUTLS_E_PUSH_ERROR ||
        g == GNUTLS_E_PULL_ERROR)
      return sslb__fail(err, SSLB_ERR_CONNECTION_CLOSED,
                        "the connection to %s closed during the TLS "
                        "handshake: %s",
                        t->host, gnutls_strerror(g));
    return sslb__fail(err, SSLB_ERR_TLS, "TLS handshake with %s failed: %s",
                      t->host, gnutls_strerror(g));
  }
  gnutls_datum_t p;
  if (gnutls_alpn_get_selected_protocol(t->s, &p) == 0 && p.size < sizeof t->alpn) {
    memcpy(t->alpn, p.data, p.size);
    t->alpn[p.size] = 0;
  }
  const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
  snprintf(t->version, sizeof t->version, "%s", v ? v : "");
  const char *cs = gnutls_ciphersuite_get(t->s); /* IANA name */
  snprintf(t->cipher, sizeof t->cipher, "%s", cs ? cs : "");
  return 0;
}

const char *sslb__tls_report(const sslb__tls *t) {
  return t->report ? t->report : "";
}

int sslb__tls_wants_write(const sslb__tls *t) {
  return gnutls_record_get_direction(t->s) == 1;
}

ssize_t sslb__tls_read(sslb__tls *t, void *buf, size_t n, sslb__err *err) {
  ssize_t r = gnutls_record_recv(t->s, buf, n);
  if (r >= 0)
    return r;
  if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
    return SSLB__AGAIN;
  if (r == GNUTLS_E_PREMATURE_TERMINATION)
    return 0; /* peers that close without close_notify: judged by framing */
  if (r == GNUTLS_E_PULL_ERROR) /* the socket failed: reset by the peer */
    return sslb__fail(err, SSLB_ERR_CONNECTION_CLOSED,
                      "the connection to %s failed while reading: %s", t->host,
                      strerror(errno));
  return sslb__fail(err, SSLB_ERR_TLS, "TLS read from %s failed: %s", t->host,
                    gnutls_strerror((int)r));
}

ssize_t sslb__tls_write(sslb__tls *t, const void *buf, size_t n,
                        sslb__err *err) {
  /* After EAGAIN GnuTLS holds the encrypted record: finish that send with
   * (NULL, 0) before anything new. */
  size_t inflight = t->send_inflight;
  ssize_t r = inflight ? gnutls_record_send(t->s, NULL, 0)
                       : gnutls_record_send(t->s, buf, n);
  if (r >= 0) {
    t->send_inflight = 0;
    return r;
  }
  if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
    if (!inflight)
      t->send_inflight = n;
    return SSLB__AGAIN;
  }
  return sslb__fail(err, SSLB_ERR_CONNECTION_CLOSED,
                    "TLS write to %s failed: %s", t->host,
                    gnutls_strerror((int)r));
}

size_t sslb__tls_pending(sslb__tls *t) {
  return gnutls_record_check_pending(t->s) + (t->rlen - t->rpos);
}

int sslb__tls_get_session(sslb__tls *t, sslb__buf *out) {
  if (gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3 &&
      !(gnutls_session_get_flags(t->s) & GNUTLS_SFLAGS_SESSION_TICKET))
    return -1; /* no ticket yet */
  gnutls_datum_t d;
  if (gnutls_session_get_data2(t->s, &d) < 0)
    return -1;
  out->len = 0;
  sslb__buf_put(out, d.data, d.size);
  gnutls_memset(d.data, 0, d.size);
  gnutls_free(d.data);
  return sslb__buf_ok(out);
}

void sslb__tls_set_session(sslb__tls *t, const uint8_t *p, size_t n) {
  (void)gnutls_session_set_data(t->s, p, n); /* a stale one is just ignored */
}

size_t sslb__tls_peer_chain(sslb__tls *t, sslb_certificate *const **chain) {
  if (!t->peer_loaded) { /* a resumed session: no verification ran */
    t->peer_loaded = 1;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(t->s, &n);
    for (unsigned i = 0; peers && i < n && t->npeer < 16; i++)
      if (sslb__cert_from_der(&t->peer[t->npeer], peers[i].data, peers[i].size,
                              NULL) == 0)
        t->npeer++;
  }
  *chain = t->peer;
  return t->npeer;
}

int sslb__tls_resumed(const sslb__tls *t) {
  return gnutls_session_is_resumed(t->s) != 0;
}

const char *sslb__tls_alpn(const sslb__tls *t) { return t->alpn; }
const char *sslb__tls_version(const sslb__tls *t) { return t->version; }
const char *sslb__tls_cipher(const sslb__tls *t) { return t->cipher; }
