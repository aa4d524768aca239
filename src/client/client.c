/* The client: one I/O thread per client running an epoll loop over all of
 * its connections. Callers hand jobs over through an inbox (mutex +
 * eventfd); the loop assigns them to origins, opens connections (TCP, TLS
 * with ALPN), and drives HTTP/1.1 (one exchange per connection, a
 * keep-alive pool per origin) or HTTP/2 (one connection per origin, many
 * streams up to the server's limit, the rest queued). */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <uriparser/Uri.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/job.h"
#include "client/queue.h"
#include "http/h1.h"
#include "http/decode.h"
#include "http/h2.h"
#include "keystore/ks.h"
#include "tls/context.h"
#include "tls/session.h"
#include "tls/trust.h"
#include "util/text.h"

#define MAX_ADDRS 8
#define MAX_H1_CONNS 16 /* per origin */
#define READ_CHUNK 65536

#define DNS_TTL_MS 60000
#define DNS_MAX 256
/* sslb_client_add_connect_to: requests for host:port dial to_host:to_port */
struct connect_to {
  char host[256], to_host[256];
  unsigned port, to_port;
  struct connect_to *next;
};

struct dns_entry {
  char host[256];
  unsigned port;
  int64_t expires_ms; /* INT64_MAX: a resolve override */
  struct sockaddr_storage addrs[MAX_ADDRS];
  socklen_t addrlen[MAX_ADDRS];
  int naddrs;
  struct dns_entry *next;
};

enum { C_CONNECTING, C_PROXY, C_HANDSHAKING, C_READY, C_CLOSED };

typedef struct conn conn;
typedef struct origin origin;

struct conn {
  origin *o;
  int fd;
  int state;
  int proto; /* 1 or 2 once ready */
  int addr;  /* index being tried */
  sslb__tls *tls;
  sslb_ssl_context *ctx; /* the context its TLS came from (a reference) */
  char name[256];        /* SNI and the name its certificate must match */
  int client_check;      /* match the name after the handshake as well */
  sslb_hostname_verifier_fn verifier; /* replaces the built-in name check */
  void *verifier_ud;
  sslb__h1 *h1;
  sslb__job *h1job;
  sslb__h2 *h2;
  sslb__buf out;
  size_t out_off;
  int64_t deadline_ms; /* connect + handshake */
  unsigned events;     /* registered epoll events (may be none) */
  int watched;         /* fd is in the epoll set */
  int session_saved;
  unsigned served; /* HTTP/1.1 responses completed on this connection */
  int h1_got;      /* bytes of the current HTTP/1.1 response arrived */
  int rx_paused;   /* not reading: the HTTP/1.1 request is paused */
  int64_t last_rx_ms; /* when the server last sent anything */
  sslb__job *running; /* HTTP/2 jobs on this connection (lprev/lnext) */
  sslb__chain *chain; /* the server's, for responses (made at the first) */
  int plain_ready; /* plain http: the connection was announced ready */
  int inline_run; /* lent to a thread running its request itself: the loop
                     leaves it alone (see run_inline) */
  conn *next;
};

static void link_job(conn *k, sslb__job *j) {
  j->lprev = NULL;
  j->lnext = k->running;
  if (k->running)
    k->running->lprev = j;
  k->running = j;
}

static void unlink_job(conn *k, sslb__job *j) {
  if (j->lprev)
    j->lprev->lnext = j->lnext;
  else if (k->running == j)
    k->running = j->lnext;
  if (j->lnext)
    j->lnext->lprev = j->lprev;
  j->lprev = j->lnext = NULL;
}

struct origin {
  int https;
  char host[256];
  unsigned port;
  int proxied;
  char via_host[256];
  unsigned via_port;
  struct sockaddr_storage addrs[MAX_ADDRS];
  socklen_t addrlen[MAX_ADDRS];
  int naddrs;
  int policy; /* sslb_http_policy: part of the pool's key */
  int proto;  /* 0 unknown until a handshake says */
  sslb__buf session; /* TLS session to resume (ticket), if any */
  conn *conns;
  sslb__job *pend, *pend_tail;
  origin *next;
  origin *next_touched; /* take_inbox: origins given jobs this round */
  int touched;
};

struct sslb_client {
  sslb_ssl_context *ctx;
  /* contexts replaced by set_identity: connections may still use them */
  sslb_ssl_context **retired;
  size_t nretired;
  char server_name[256]; /* "" : each URL's host */
  int hostname_policy;   /* sslb_hostname_policy */
  sslb_hostname_verifier_fn verifier;
  void *verifier_ud;
  sslb_connection_fn conn_cb;
  void *conn_cb_ud;
  int warned_insecure; /* the trust-all warning is logged once */
  int policy;
  int no_decoding;
  unsigned max_redirects;
  /* proxies: per scheme (0 http, 1 https); set before requests start */
  char proxy_host[2][256];
  unsigned proxy_port[2];
  char *no_proxy;
  unsigned connect_ms, request_ms, idle_ms;
  size_t max_body;
  pthread_mutex_t mu;
  sslb__job *inbox, *inbox_tail;
  int stopping;
  int free_on_exit; /* freed from its own I/O thread: the loop frees it */
  sslb__task *loop_task;
  int epfd, evfd;
  origin *origins;
  struct dns_entry *dns; /* guarded by mu */
  struct connect_to *connect_to; /* guarded by mu */
  /* names not in the cache are resolved on this thread, so that neither
   * the I/O loop nor a submitting thread waits for DNS */
  sslb__task *resolver_task;
  pthread_cond_t resolve_cv;
  sslb__job *rq, *rq_tail; /* guarded by mu */
  int stop_resolver;       /* guarded by mu */
  int cancel_pending;      /* guarded by mu */
  int resume_pending;      /* guarded by mu */
  conn *dead; /* closed this round; freed when the round ends */
  size_t opened;
  /* The loop's state (origins, connections, epoll set) is changed only
   * with run_mu held: by the loop for each round, and by a thread of
   * sslb_client_execute lending itself an idle connection. checkouts counts
   * such loans, so that the loop drops events it collected across one;
   * inline_runners are the loans not yet returned. */
  pthread_mutex_t run_mu;
  pthread_cond_t inline_cv;
  unsigned checkouts;
  int inline_runners;
  int loop_exiting; /* atomic: the loop is shutting down */
  /* set while a lending thread ends its exchange: dispatching (which may
   * fail other requests, whose callbacks belong on the I/O thread) is left
   * to the loop's next round, which redispatch asks for */
  int defer_dispatch;
  int redispatch;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- jobs */

/* Drops a reference to a shared chain; the last frees it. */
static void chain_unref(sslb__chain *ch) {
  if (!ch || __atomic_sub_fetch(&ch->refs, 1, __ATOMIC_ACQ_REL))
    return;
  for (size_t i = 0; i < ch->n; i++)
    sslb_certificate_free(ch->certs[i]);
  free(ch);
}


sslb_response *sslb__resp_new(void) {
  sslb_response *r = malloc(sizeof *r);
  if (r) {
    memset(r, 0, offsetof(sslb_response, h_own));
    r->h = r->h_own;
    r->caph = SSLB__RESP_FIELDS;
  }
  return r;
}

/* Room for n bytes of header strings: in the response, in its newest
 * block, or in a new block. */
static char *header_room(sslb_response *r, size_t n) {
  if (n <= SSLB__RESP_STRINGS - r->strings_used) {
    char *p = r->strings + r->strings_used;
    r->strings_used += n;
    return p;
  }
  sslb__hblock *b = r->blocks;
  if (!b || n > b->cap - b->used) {
    size_t cap = n > 4096 ? n : 4096;
    if (!(b = malloc(sizeof *b + cap)))
      return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = r->blocks;
    r->blocks = b;
  }
  char *p = b->data + b->used;
  b->used += n;
  return p;
}

int sslb__resp_add_header(sslb_response *r, const char *n, size_t nl,
                          const char *v, size_t vl) {
  if (r->nh == r->caph) {
    size_t nc = r->caph * 2;
    sslb__hdr *h = r->h == r->h_own ? malloc(nc * sizeof *h)
                                    : realloc(r->h, nc * sizeof *h);
    if (!h)
      return SSLB_ERR_NO_MEMORY;
    if (r->h == r->h_own)
      memcpy(h, r->h_own, r->nh * sizeof *h);
    r->h = h;
    r->caph = nc;
  }
  char *name = header_room(r, nl + 1 + vl + 1);
  if (!name)
    return SSLB_ERR_NO_MEMORY;
  memcpy(name, n, nl);
  name[nl] = 0;
  char *value = name + nl + 1;
  memcpy(value, v, vl);
  value[vl] = 0;
  r->h[r->nh++] = (sslb__hdr){name, value};
  return 0;
}

void sslb__resp_clear_headers(sslb_response *r) {
  while (r->blocks) {
    sslb__hblock *b = r->blocks;
    r->blocks = b->next;
    free(b);
  }
  r->strings_used = 0;
  r->nh = 0;
  r->header_bytes = 0;
}

/* Undoes the response's content codings when this client offered them. */
static void decode_body(sslb__job *j) {
  sslb_response *r = j->resp;
  const char *enc = sslb_response_header(r, "content-encoding");
  if (!j->decode || !enc || r->body.len == 0)
    return;
  sslb__buf out;
  sslb__buf_init(&out);
  int rc = sslb__decode(enc, r->body.p, r->body.len, j->max_body, &out,
                        sslb__job_err(j));
  if (rc == 0) {
    sslb__buf_drop(&r->body);
    r->body = out;
  } else if (rc < 0) {
    j->rc = rc;
  }
}

static int follow_redirect(sslb__job *j);

static int redirect_candidate(const sslb__job *j) {
  int st = j->resp->status;
  return j->client->max_redirects &&
         (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
         sslb_response_header(j->resp, "location");
}

int sslb__job_head(sslb__job *j) {
  if (j->head_done)
    return 0;
  j->head_done = 1;
  if (redirect_candidate(j)) {
    /* followed, or failed for a reason of its own: not the response the
     * caller will see either way */
    j->skip_body = 1;
    return 0;
  }
  const sslb_request *u = j->user_req;
  if (u->head && u->head(u->head_ud, j->resp) != 0)
    return j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_CANCELLED,
                              "the head callback stopped the transfer");
  return 0;
}

int sslb__job_body(sslb__job *j, const uint8_t *p, size_t n) {
  const sslb_request *u = j->user_req;
  if (j->skip_body)
    return 0;
  if (u->sink) {
    if (u->sink(u->sink_ud, p, n) != 0)
      return j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_CANCELLED,
                                "the body sink stopped the transfer");
    return 0;
  }
  sslb__buf *b = &j->resp->body;
  if (b->len + n > j->max_body)
    return j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_TOO_LARGE,
                              "the response body exceeds the %zu-byte limit",
                              j->max_body);
  sslb__buf_put(b, p, n);
  if (sslb__buf_ok(b) < 0)
    return j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_NO_MEMORY, "out of memory");
  return 0;
}

static void complete(sslb__job *j) {
  if (j->rc == 0 && follow_redirect(j))
    return; /* on its way again, to the new location */
  if (j->rc == 0)
    decode_body(j);
  if (j->cb || j->queue) {
    /* submitted: hand over the result, then the job is gone */
    sslb_response *resp = j->resp;
    if (j->rc < 0) {
      sslb_response_free(resp);
      resp = NULL;
    }
    sslb_request_free(j->own_req);
    sslb_completion_fn cb = j->cb;
    sslb_queue *q = j->queue;
    void *ud = j->cb_ud;
    int rc = j->rc;
    free(j); /* the job is the first member of its box */
    if (q)
      sslb__queue_push(q, ud, rc, resp);
    else
      cb(ud, rc, resp);
    return;
  }
  pthread_mutex_lock(&j->mu);
  j->done = 1;
  pthread_cond_signal(&j->cv);
  pthread_mutex_unlock(&j->mu);
}

static void fail_job(sslb__job *j, int rc, const char *msg) {
  if (j->rc == 0)
    j->rc = sslb__fail(sslb__job_err(j), rc, "%s", msg);
  complete(j);
}

/* ------------------------------------------------------------- epoll */

static void watch(sslb_client *c, conn *k, int want_write) {
  unsigned ev = (k->rx_paused ? 0 : EPOLLIN) | (want_write ? EPOLLOUT : 0);
  if (k->watched && ev == k->events)
    return;
  struct epoll_event e = {.events = ev, .data.ptr = k};
  /* registered with no events while paused: still a MOD, not an ADD */
  epoll_ctl(c->epfd, k->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, k->fd, &e);
  k->watched = 1;
  k->events = ev;
}

static void dispatch(sslb_client *c, origin *o);

/* Closes a connection's socket so that what was written last (a GOAWAY, a
 * TLS alert) reaches the peer: bytes left unread in the socket would make
 * the kernel answer the close with a reset, which destroys them at the peer
 * before it reads them. Sends FIN, drops what is queued (at most 256 KiB,
 * without waiting), then closes. */
static void close_quietly(int fd) {
  char sink[4096];
  shutdown(fd, SHUT_WR);
  for (int i = 0; i < 64 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
  }
  close(fd);
}

static void conn_free(sslb_client *c, conn *k) {
  if (k->fd >= 0) {
    epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
    close_quietly(k->fd);
  }
  sslb__tls_free(k->tls);
  chain_unref(k->chain);
  sslb_ssl_context_free(k->ctx);
  sslb__h1_free(k->h1);
  sslb__h2_free(k->h2);
  sslb__buf_free(&k->out);
  free(k);
}

static void unlink_conn(origin *o, conn *k) {
  for (conn **p = &o->conns; *p; p = &(*p)->next)
    if (*p == k) {
      *p = k->next;
      return;
    }
}

static int stale_retry(const conn *k) {
  const sslb__job *j = k->h1job;
  if (!j || k->state != C_CLOSED || k->served == 0 || k->h1_got || j->retried)
    return 0;
  const char *m = j->req->method;
  if (j->req->reader)
    return 0; /* read once: cannot be sent again */
  return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") ||
         !strcmp(m, "PUT") || !strcmp(m, "DELETE");
}

/* Closes a connection. Its running work fails with rc/msg; when it was the
 * origin's last connection and never became ready, queued jobs fail too
 * (the origin cannot be reached). The memory lives until the loop round
 * ends, so callers up the stack may still look at k->state. */
static void conn_close(sslb_client *c, conn *k, int rc, const char *msg) {
  if (k->state == C_CLOSED)
    return;
  origin *o = k->o;
  int was_ready = k->state == C_READY;
  k->state = C_CLOSED;
  if (k->fd >= 0) {
    epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
    close_quietly(k->fd);
    k->fd = -1;
  }
  unlink_conn(o, k);
  k->next = c->dead;
  c->dead = k;
  if (k->h1job && rc != SSLB_ERR_CANCELLED && rc != SSLB_ERR_TIMEOUT &&
      stale_retry(k)) {
    /* a reused keep-alive connection closed before any byte of the answer:
     * the server dropped it while idle, so the request runs again (once,
     * idempotent methods only) on a new connection; not when the client
     * itself ended it (a cancel or a timeout) */
    sslb__job *j = k->h1job;
    k->h1job = NULL;
    j->retried = 1;
    j->next = o->pend;
    o->pend = j;
    if (!o->pend_tail)
      o->pend_tail = j;
  }
  if (k->h1job) {
    sslb__job *j = k->h1job;
    k->h1job = NULL;
    fail_job(j, rc ? rc : SSLB_ERR_CONNECTION_CLOSED, msg);
  }
  if (k->h2)
    sslb__h2_fail_all(k->h2, rc ? rc : SSLB_ERR_CONNECTION_CLOSED, msg);
  if (!was_ready) {
    if (rc < 0 && !o->conns) {
      while (o->pend) {
        sslb__job *j = o->pend;
        o->pend = j->next;
        fail_job(j, rc, msg);
      }
      o->pend_tail = NULL;
    }
    return; /* no redial from a failed dial */
  }
  dispatch(c, o);
}

static void bury(sslb_client *c) {
  while (c->dead) {
    conn *k = c->dead;
    c->dead = k->next;
    conn_free(c, k);
  }
}

static void conn_fail(sslb_client *c, conn *k, int rc, const sslb__err *err) {
  conn_close(c, k, rc, err->msg[0] ? err->msg : sslb_strerror(rc));
}

/* ---------------------------------------------------------- connecting */

static int try_connect(sslb_client *c, conn *k, sslb__err *err) {
  origin *o = k->o;
  for (; k->addr < o->naddrs; k->addr++) {
    const struct sockaddr *sa = (const struct sockaddr *)&o->addrs[k->addr];
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
      continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, sa, o->addrlen[k->addr]) == 0 || errno == EINPROGRESS) {
      k->fd = fd;
      k->events = 0;
      k->watched = 0;
      watch(c, k, 1);
      return 0;
    }
    close(fd);
  }
  return sslb__fail(err, SSLB_ERR_CONNECT, "cannot connect to %s port %u: %s",
                    o->host, o->port, strerror(errno ? errno : ECONNREFUSED));
}

static void open_conn(sslb_client *c, origin *o) {
  conn *k = calloc(1, sizeof *k);
  sslb__err err = {{0}};
  if (!k) {
    return;
  }
  k->o = o;
  k->fd = -1;
  k->state = C_CONNECTING;
  k->deadline_ms = c->connect_ms ? now_ms() + c->connect_ms : 0;
  k->next = o->conns;
  o->conns = k;
  __atomic_add_fetch(&c->opened, 1, __ATOMIC_RELAXED);
  int rc = try_connect(c, k, &err);
  if (rc < 0)
    conn_fail(c, k, rc, &err);
}

static int start_tls(sslb_client *c, conn *k, sslb__err *err);

/* CONNECT host:port through the proxy; the reply is read as it comes. */
static int send_connect(sslb_client *c, conn *k, sslb__err *err) {
  origin *o = k->o;
  char req[700];
  const char *fmt = strchr(o->host, ':') ? "[%s]:%u" : "%s:%u";
  char target[300];
  snprintf(target, sizeof target, fmt, o->host, o->port);
  int n = snprintf(req, sizeof req,
                   "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sslbind/%s\r\n\r\n",
                   target, target, SSLB_VERSION_STRING);
  ssize_t w = send(k->fd, req, (size_t)n, MSG_NOSIGNAL);
  if (w != n) /* a fresh socket takes a few hundred bytes at once */
    return sslb__fail(err, SSLB_ERR_CONNECT, "cannot send CONNECT to the proxy "
                                             "%s port %u",
                      o->via_host, o->via_port);
  k->state = C_PROXY;
  k->out.len = 0;
  watch(c, k, 0);
  return 0;
}

static int read_connect_reply(sslb_client *c, conn *k, sslb__err *err) {
  origin *o = k->o;
  uint8_t buf[4096];
  /* read only up to the end of the reply: the tunnel's bytes come after */
  for (;;) {
    ssize_t r = recv(k->fd, buf, 1, 0);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
      return 0;
    if (r <= 0)
      return sslb__fail(err, SSLB_ERR_CONNECT,
                        "the proxy %s port %u closed the connection during "
                        "CONNECT",
                        o->via_host, o->via_port);
    sslb__buf_put(&k->out, buf, 1);
    if (k->out.len > 16384)
      return sslb__fail(err, SSLB_ERR_CONNECT, "the proxy's CONNECT reply is "
                                               "too long");
    if (k->out.len >= 4 && !memcmp(k->out.p + k->out.len - 4, "\r\n\r\n", 4))
      break;
  }
  char *line = (char *)k->out.p;
  char *eol = strstr(line, "\r\n");
  if (eol)
    *eol = 0;
  int ok = !strncmp(line, "HTTP/1.", 7) && strlen(line) >= 12 &&
           !strncmp(line + 9, "200", 3);
  if (!ok) {
    int rc = sslb__fail(err, SSLB_ERR_CONNECT,
                        "the proxy %s port %u refused the tunnel to %s port "
                        "%u: %.200s",
                        o->via_host, o->via_port, o->host, o->port, line);
    return rc;
  }
  k->out.len = 0;
  return start_tls(c, k, err);
}

struct sslb_connection {
  conn *k;
  int changed_context;
};

static int start_tls(sslb_client *c, conn *k, sslb__err *err) {
  if (!k->o->https) {
    k->state = C_READY;
    k->proto = 1;
    return 0;
  }
  /* set_identity may swap the context: the old one stays alive (retired) */
  k->ctx = sslb_ssl_context_ref(__atomic_load_n(&c->ctx, __ATOMIC_ACQUIRE));
  snprintf(k->name, sizeof k->name, "%s",
           c->server_name[0] ? c->server_name : k->o->host);
  k->verifier = c->verifier;
  k->verifier_ud = c->verifier_ud;
  sslb_connection view = {k, 0};
  if (c->conn_cb && c->conn_cb(c->conn_cb_ud, &view) != 0)
    return sslb__fail(err, SSLB_ERR_CANCELLED,
                      "the connection callback refused the connection to %s",
                      k->o->host);
  int policy = c->hostname_policy;
  int in_handshake = !k->verifier && (policy == SSLB_HOSTNAME_BUILTIN ||
                                      policy == SSLB_HOSTNAME_BOTH);
  k->client_check = !k->verifier && (policy == SSLB_HOSTNAME_CLIENT ||
                                     policy == SSLB_HOSTNAME_BOTH);
  SSLB__GUARD(sslb__tls_new(&k->tls, k->ctx->tls, k->fd, k->name, in_handshake,
                            k->o->policy, err));
  /* a session is resumed only with the credentials that made it */
  if (k->o->session.len && !view.changed_context)
    sslb__tls_set_session(k->tls, k->o->session.p, k->o->session.len);
  k->state = C_HANDSHAKING;
  return 0;
}

/* The names a certificate carries, for messages: "DNS:a, IP:b", as the
 * verifier's reports write them. */
static void san_list(const sslb_certificate *cert, char *out, size_t n) {
  size_t used = 0;
  out[0] = 0;
  for (size_t i = 0; i < sslb_certificate_san_count(cert) && used < n; i++) {
    int t = sslb_certificate_san_type(cert, i);
    int w = snprintf(out + used, n - used, "%s%s:%s", used ? ", " : "",
                     sslb__san_label(t), sslb_certificate_san_value(cert, i));
    if (w < 0)
      break;
    used += (size_t)w;
  }
  if (!out[0])
    snprintf(out, n, "none");
}

/* The name check that runs after the handshake: a hostname verifier, or
 * the built-in SAN rules when the policy asks the client to check. */
static int check_name_after(conn *k, sslb__err *err) {
  if (!k->verifier && !k->client_check)
    return 0;
  sslb_certificate *const *chain;
  size_t n = sslb__tls_peer_chain(k->tls, &chain);
  if (n == 0)
    return sslb__fail(err, SSLB_ERR_CERT_INVALID,
                      "%s presented no certificate", k->name);
  char names[512];
  san_list(chain[0], names, sizeof names);
  if (k->verifier) {
    if (k->verifier(k->verifier_ud, k->name, chain, n))
      return 0;
    return sslb__fail(err, SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                      "the hostname verifier refused the certificate of %s "
                      "(subject '%s'; names: %s)",
                      k->name, sslb_certificate_subject(chain[0]), names);
  }
  if (sslb__host_matches(chain[0], k->name) == 1)
    return 0;
  return sslb__fail(err, SSLB_ERR_CERT_HOSTNAME_MISMATCH,
                    "the certificate is not valid for %s, checked by the "
                    "client after the handshake (subject '%s'; names: %s)",
                    k->name, sslb_certificate_subject(chain[0]), names);
}

static int send_connect(sslb_client *c, conn *k, sslb__err *err);
static int read_connect_reply(sslb_client *c, conn *k, sslb__err *err);
static int start_tls(sslb_client *c, conn *k, sslb__err *err);

static void h2_done(void *ud, sslb__job *j, int retry) {
  conn *k = ud;
  unlink_job(k, j);
  if (retry) {
    /* refused before processing: run it again, first in line */
    j->rc = 0;
    sslb__job_clear_msg(j);
    j->next = k->o->pend;
    k->o->pend = j;
    if (!k->o->pend_tail)
      k->o->pend_tail = j;
    return;
  }
  complete(j);
}

static void handshake_done(sslb_client *c, conn *k, sslb__err *err) {
  const char *alpn = sslb__tls_alpn(k->tls);
  k->proto = !strcmp(alpn, "h2") ? 2 : 1;
  if (k->o->policy == SSLB_HTTP_2 && k->proto != 2) {
    sslb__fail(err, SSLB_ERR_PROTOCOL,
               "%s did not agree to HTTP/2 (ALPN '%s'), which this request "
               "requires",
               k->o->host, alpn);
    conn_fail(c, k, SSLB_ERR_PROTOCOL, err);
    return;
  }
  if (sslb_trust_manager_is_insecure(k->ctx->tm) &&
      !__atomic_exchange_n(&c->warned_insecure, 1, __ATOMIC_RELAXED)) {
    /* loud, once per client, with what verification would have said */
    const char *report = sslb__tls_report(k->tls);
    const char *res = strstr(report, "result: ");
    int n = res ? (int)strcspn(res, "\n") : 0;
    fprintf(stderr,
            "sslbind: WARNING: certificate verification is disabled for this "
            "client (insecure trust-all, for development only); %s: %.*s\n",
            k->name, n, res ? res : "");
  }
  int rc = check_name_after(k, err);
  if (rc < 0) {
    conn_fail(c, k, rc, err);
    return;
  }
  if (k->proto == 2 && sslb__h2_new(&k->h2, h2_done, k) < 0) {
    sslb__fail(err, SSLB_ERR_NO_MEMORY, "out of memory");
    conn_fail(c, k, SSLB_ERR_NO_MEMORY, err);
    return;
  }
  k->state = C_READY;
  k->deadline_ms = 0;
  k->o->proto = k->proto;
}

/* ------------------------------------------------------------ exchange */

/* Keeps the connection's session for the next connection to the origin:
 * TLS 1.3 tickets arrive after the handshake, so this runs as responses
 * complete. */
static void keep_session(conn *k) {
  if (k->tls && !k->session_saved &&
      sslb__tls_get_session(k->tls, &k->o->session) == 0)
    k->session_saved = 1;
}

static void fill_tls_facts(conn *k, sslb__job *j) {
  sslb_response *r = j->resp;
  strcpy(r->version, k->proto == 2 ? "2" : "1.1");
  if (k->tls) { /* the sources are sized like the destinations */
    strcpy(r->tls_version, sslb__tls_version(k->tls));
    strcpy(r->tls_cipher, sslb__tls_cipher(k->tls));
    strcpy(r->alpn, sslb__tls_alpn(k->tls));
    r->resumed = sslb__tls_resumed(k->tls);
    if (!k->chain) { /* made once a connection, shared by its responses */
      sslb_certificate *const *certs;
      size_t n = sslb__tls_peer_chain(k->tls, &certs);
      if (n && (k->chain = malloc(sizeof *k->chain + n * sizeof *certs))) {
        k->chain->refs = 1;
        k->chain->n = n;
        for (size_t i = 0; i < n; i++)
          k->chain->certs[i] = sslb_certificate_ref(certs[i]);
      }
    }
    if (k->chain && !r->chain) {
      __atomic_add_fetch(&k->chain->refs, 1, __ATOMIC_RELAXED);
      r->chain = k->chain;
    }
  }
}

static sslb__job *pop(origin *o) {
  sslb__job *j = o->pend;
  if (j) {
    o->pend = j->next;
    if (!o->pend)
      o->pend_tail = NULL;
    j->next = NULL;
  }
  return j;
}

static void flush(sslb_client *c, conn *k);

/* Still on its way to ready: TCP, proxy tunnel or TLS handshake. */
static int dialing(const conn *k) {
  return k->state == C_CONNECTING || k->state == C_PROXY ||
         k->state == C_HANDSHAKING;
}

static void dispatch(sslb_client *c, origin *o) {
  if (!o->pend)
    return;
  if (c->defer_dispatch) {
    c->redispatch = 1;
    return;
  }
  if (o->proto == 2) {
    conn *h2c = NULL;
    int connecting = 0;
    for (conn *k = o->conns; k; k = k->next) {
      if (k->state == C_READY && k->h2 && !sslb__h2_closing(k->h2))
        h2c = k;
      connecting |= dialing(k);
    }
    if (!h2c) {
      if (!connecting)
        open_conn(c, o);
      return;
    }
    while (o->pend && sslb__h2_can_submit(h2c->h2)) {
      sslb__job *j = pop(o);
      fill_tls_facts(h2c, j);
      j->sent_any = 1;
      if (sslb__h2_submit(h2c->h2, j) < 0) {
        j->rc = j->rc ? j->rc : SSLB_ERR_PROTOCOL;
        complete(j);
        continue;
      }
      if (!h2c->running)
        h2c->last_rx_ms = now_ms(); /* idle time counts from here */
      link_job(h2c, j);
    }
    flush(c, h2c);
    return;
  }
  for (conn *k = o->conns; k && o->pend; k = k->next) {
    if (k->state != C_READY || k->proto != 1 || k->h1job)
      continue;
    sslb__job *j = pop(o);
    fill_tls_facts(k, j);
    k->h1job = j;
    k->h1_got = 0;
    k->last_rx_ms = now_ms();
    j->sent_any = 1;
    k->out.len = k->out_off = 0;
    if (!k->h1 && !(k->h1 = sslb__h1_new())) {
      fail_job(j, SSLB_ERR_NO_MEMORY, "out of memory");
      k->h1job = NULL;
      continue;
    }
    if (sslb__h1_begin(k->h1, j, &k->out) < 0) {
      k->h1job = NULL;
      fail_job(j, SSLB_ERR_NO_MEMORY, "out of memory");
      continue;
    }
    flush(c, k);
    if (k->state == C_CLOSED)
      return; /* closing ran dispatch again from there */
  }
  /* more connections: one per waiting job, up to the limit; while the
   * protocol is unknown, only one (it may turn out to be HTTP/2) */
  int n = 0, connecting = 0;
  size_t waiting = 0;
  for (conn *k = o->conns; k; k = k->next) {
    n++;
    connecting += dialing(k);
  }
  for (sslb__job *j = o->pend; j && waiting < MAX_H1_CONNS; j = j->next)
    waiting++;
  if (o->proto == 0) {
    if (n == 0)
      open_conn(c, o);
    return;
  }
  while (n < MAX_H1_CONNS && (size_t)connecting < waiting) {
    open_conn(c, o);
    n++;
    connecting++;
  }
}

/* One write or read on a connection, through TLS or plain: bytes moved,
 * SSLB__AGAIN when the socket would block, or a code with err filled. */
static ssize_t conn_send(conn *k, const void *p, size_t n, sslb__err *err) {
  if (k->tls)
    return sslb__tls_write(k->tls, p, n, err);
  ssize_t w = send(k->fd, p, n, MSG_NOSIGNAL);
  if (w < 0 && (errno == EAGAIN || errno == EINTR))
    return SSLB__AGAIN;
  if (w < 0)
    return sslb__fail(err, SSLB_ERR_CONNECTION_CLOSED, "send failed: %s",
                      strerror(errno));
  return w;
}

static ssize_t conn_recv(conn *k, void *p, size_t n, sslb__err *err) {
  if (k->tls)
    return sslb__tls_read(k->tls, p, n, err);
  ssize_t r = recv(k->fd, p, n, 0);
  if (r < 0 && (errno == EAGAIN || errno == EINTR))
    return SSLB__AGAIN;
  if (r < 0)
    return sslb__fail(err, SSLB_ERR_CONNECTION_CLOSED, "recv failed: %s",
                      strerror(errno));
  return r;
}

/* Writes what is queued; keeps EPOLLOUT while anything is left. */
static void flush(sslb_client *c, conn *k) {
  sslb__err err = {{0}};
  if (k->h2 && sslb__h2_output(k->h2, &k->out) < 0) {
    sslb__fail(&err, SSLB_ERR_PROTOCOL, "HTTP/2 framing failed");
    conn_fail(c, k, SSLB_ERR_PROTOCOL, &err);
    return;
  }
  int blocked = 0;
  for (;;) {
    while (k->out_off < k->out.len) {
      size_t n = k->out.len - k->out_off;
      ssize_t w = conn_send(k, k->out.p + k->out_off, n, &err);
      if (w == SSLB__AGAIN) {
        blocked = 1;
        break;
      }
      if (w < 0) {
        /* a server that broke the protocol and left: say what it broke */
        if (k->h2 && sslb__h2_broken(k->h2, &err) < 0)
          w = SSLB_ERR_PROTOCOL;
        conn_fail(c, k, (int)w, &err);
        return;
      }
      k->out_off += (size_t)w;
    }
    if (k->out_off == k->out.len)
      k->out.len = k->out_off = 0;
    if (k->h2 && sslb__h2_broken(k->h2, &err) < 0) {
      conn_fail(c, k, SSLB_ERR_PROTOCOL, &err); /* its GOAWAY went first */
      return;
    }
    if (blocked || !k->h1job || k->out.len)
      break;
    /* a streamed request body: the next piece once the last one left */
    int more = sslb__h1_more_body(k->h1, &k->out);
    if (more < 0) {
      conn_close(c, k, k->h1job->rc, sslb__job_msg(k->h1job));
      return;
    }
    if (more == 0)
      break;
  }
  watch(c, k, blocked);
}

/* The HTTP/1.1 exchange failed (its job carries the error): the job ends
 * and the connection, whose framing is now unknown, is closed. */
static void h1_failed(sslb_client *c, conn *k) {
  sslb__job *j = k->h1job;
  k->h1job = NULL;
  complete(j);
  conn_close(c, k, 0, "");
}

static void h1_finished(sslb_client *c, conn *k, int keep) {
  keep_session(k);
  k->rx_paused = 0;
  k->served++;
  sslb__job *j = k->h1job;
  k->h1job = NULL;
  complete(j);
  if (!keep) {
    conn_close(c, k, 0, "");
    return;
  }
  dispatch(c, k->o);
}

/* Reads what the server sent. hup: the socket reported a hang-up or an
 * error, which is read even while paused (epoll would repeat it). */
static void on_readable(sslb_client *c, conn *k, int hup) {
  uint8_t buf[READ_CHUNK];
  sslb__err err = {{0}};
  for (;;) {
    if (k->h1job && !hup && sslb__job_paused(k->h1job)) {
      /* back-pressure: what is not read stays in the socket, and TCP
       * slows the server down */
      k->rx_paused = 1;
      watch(c, k, (k->events & EPOLLOUT) != 0);
      return;
    }
    ssize_t r = conn_recv(k, buf, sizeof buf, &err);
    if (r > 0)
      k->last_rx_ms = now_ms();
    if (r == SSLB__AGAIN && k->tls && sslb__tls_pending(k->tls))
      continue;
    if (r == SSLB__AGAIN) {
      if (k->h2) { /* everything read: answer and start queued work once */
        keep_session(k);
        dispatch(c, k->o);
        if (k->state == C_READY)
          flush(c, k);
        if (k->state == C_READY && sslb__h2_closing(k->h2) &&
            sslb__h2_active(k->h2) == 0)
          conn_close(c, k, 0, "");
      }
      return;
    }
    if (r < 0) {
      conn_fail(c, k, (int)r, &err);
      return;
    }
    if (r == 0) {
      if (k->h1job && !k->h1_got) {
        conn_close(c, k, SSLB_ERR_CONNECTION_CLOSED,
                   "the server closed the connection without answering");
        return;
      }
      if (k->h1job) {
        int done = sslb__h1_eof(k->h1);
        if (done == 1) {
          h1_finished(c, k, 0);
        } else {
          h1_failed(c, k);
        }
        return;
      }
      if (k->h2 && (sslb__h2_output(k->h2, &k->out) < 0 ||
                    sslb__h2_broken(k->h2, &err) < 0)) {
        /* what was read broke the protocol: that is the story, not the
         * close (the GOAWAY nghttp2 made has nobody left to read it) */
        conn_fail(c, k, SSLB_ERR_PROTOCOL, &err);
        return;
      }
      conn_close(c, k, SSLB_ERR_CONNECTION_CLOSED,
                 "the server closed the connection");
      return;
    }
    if (k->h2) {
      if (sslb__h2_feed(k->h2, buf, (size_t)r, &err) < 0) {
        conn_fail(c, k, SSLB_ERR_PROTOCOL, &err);
        return;
      }
      continue;
    }
    if (!k->h1job) {
      conn_close(c, k, 0, ""); /* unsolicited bytes: not reusable */
      return;
    }
    k->h1_got = 1;
    int st = sslb__h1_feed(k->h1, buf, (size_t)r);
    if (st < 0) {
      h1_failed(c, k);
      return;
    }
    if (st == 1) {
      h1_finished(c, k, sslb__h1_keep_alive(k->h1));
      return;
    }
  }
}

static void conn_io(sslb_client *c, conn *k, unsigned ev) {
  sslb__err err = {{0}};
  if (k->state == C_CONNECTING) {
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) {
      epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
      close(k->fd);
      k->fd = -1;
      k->addr++;
      errno = soerr;
      int rc = try_connect(c, k, &err);
      if (rc < 0)
        conn_fail(c, k, rc, &err);
      return;
    }
    if (!(ev & EPOLLOUT))
      return;
    if (k->o->proxied) {
      int rc = send_connect(c, k, &err);
      if (rc < 0)
        conn_fail(c, k, rc, &err);
      return;
    }
    int rc = start_tls(c, k, &err);
    if (rc < 0) {
      conn_fail(c, k, rc, &err);
      return;
    }
  }
  if (k->state == C_PROXY) {
    int rc = read_connect_reply(c, k, &err);
    if (rc < 0) {
      conn_fail(c, k, rc, &err);
      return;
    }
    if (k->state == C_PROXY)
      return; /* more of the reply to come */
  }
  if (k->state == C_READY && !k->o->https && !k->plain_ready) {
    /* plain http: ready once connected (or tunnelled), no handshake */
    k->plain_ready = 1;
    k->deadline_ms = 0;
    k->o->proto = 1;
    watch(c, k, 0);
    dispatch(c, k->o);
    return;
  }
  if (k->state == C_HANDSHAKING) {
    int rc = sslb__tls_handshake(k->tls, &err);
    if (rc == SSLB__AGAIN) {
      watch(c, k, sslb__tls_wants_write(k->tls));
      return;
    }
    if (rc < 0) {
      conn_fail(c, k, rc, &err);
      return;
    }
    handshake_done(c, k, &err);
    if (k->state != C_READY)
      return;
    watch(c, k, 0);
    if (k->h2)
      flush(c, k);
    dispatch(c, k->o);
    /* records that arrived with the handshake sit in the read-ahead
     * buffer, where epoll cannot see them */
    if (k->state == C_READY)
      on_readable(c, k, 0);
    return;
  }
  if (k->state != C_READY)
    return;
  if (ev & EPOLLOUT)
    flush(c, k);
  if (k->state == C_READY && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    on_readable(c, k, (ev & (EPOLLHUP | EPOLLERR)) != 0);
}

/* ----------------------------------------------------------- the loop */

static origin *find_origin(sslb_client *c, const sslb__job *j) {
  const sslb__url *u = &j->req->url;
  for (origin *o = c->origins; o; o = o->next)
    if (o->https == u->https && o->port == u->port && !strcmp(o->host, u->host) &&
        o->proxied == j->proxied && o->policy == j->policy &&
        (!j->proxied || (o->via_port == j->via_port && !strcmp(o->via_host, j->via_host))))
      return o;
  origin *o = calloc(1, sizeof *o);
  if (!o)
    return NULL;
  o->https = u->https;
  o->port = u->port;
  snprintf(o->host, sizeof o->host, "%s", u->host);
  o->proxied = j->proxied;
  o->policy = j->policy;
  if (j->proxied) {
    snprintf(o->via_host, sizeof o->via_host, "%s", j->via_host);
    o->via_port = j->via_port;
  }
  o->next = c->origins;
  c->origins = o;
  return o;
}

/* Addresses travel with the job (resolved by the caller's thread). */
typedef struct {
  sslb__job job; /* first: a job pointer is its box's pointer */
  struct sockaddr_storage addrs[MAX_ADDRS];
  socklen_t addrlen[MAX_ADDRS];
  int naddrs;
} job_box;

static int cancelled(const sslb__job *j) {
  return __atomic_load_n(&j->user_req->cancel, __ATOMIC_ACQUIRE);
}

/* Ends every cancelled request wherever it is in the loop's hands. */
static void sweep_cancelled(sslb_client *c) {
  static const char msg[] = "the request was cancelled";
  for (origin *o = c->origins; o; o = o->next) {
    for (sslb__job **p = &o->pend; *p;) {
      sslb__job *j = *p;
      if (!cancelled(j)) {
        p = &j->next;
        continue;
      }
      *p = j->next;
      fail_job(j, SSLB_ERR_CANCELLED, msg);
    }
    o->pend_tail = NULL;
    for (sslb__job *t = o->pend; t; t = t->next)
      o->pend_tail = t;
    for (conn *k = o->conns, *next; k; k = next) {
      next = k->next;
      if (k->inline_run)
        continue; /* its thread sees the cancel */
      if (k->h1job && cancelled(k->h1job)) {
        conn_close(c, k, SSLB_ERR_CANCELLED, msg);
        continue;
      }
      int any = 0;
      for (sslb__job *j = k->running, *jn; j; j = jn) {
        jn = j->lnext;
        if (!cancelled(j))
          continue;
        unlink_job(k, j);
        sslb__h2_cancel(k->h2, j);
        fail_job(j, SSLB_ERR_CANCELLED, msg);
        any = 1;
      }
      if (any)
        flush(c, k);
    }
  }
}

/* Reads again for every paused request that was resumed. */
static void sweep_resumed(sslb_client *c) {
  for (origin *o = c->origins; o; o = o->next) {
    for (conn *k = o->conns, *next; k; k = next) {
      next = k->next;
      if (k->state != C_READY || k->inline_run)
        continue;
      if (k->rx_paused && k->h1job && !sslb__job_paused(k->h1job)) {
        k->rx_paused = 0;
        k->last_rx_ms = now_ms();
        watch(c, k, (k->events & EPOLLOUT) != 0);
        /* records already decrypted wait where epoll cannot see them */
        on_readable(c, k, 0);
        continue;
      }
      int any = 0;
      for (sslb__job *j = k->running; j; j = j->lnext) {
        if (j->held && !sslb__job_paused(j)) {
          sslb__h2_release(k->h2, j);
          any = 1;
        }
      }
      if (any) {
        k->last_rx_ms = now_ms();
        flush(c, k);
      }
    }
  }
}

/* The server is quiet because the client holds it back: every request on
 * the connection is paused. */
static int held_back(const conn *k) {
  if (k->h1job)
    return k->rx_paused;
  if (!k->running)
    return 0;
  for (const sslb__job *j = k->running; j; j = j->lnext)
    if (!sslb__job_paused(j))
      return 0;
  return 1;
}

static void take_inbox(sslb_client *c) {
  uint64_t v;
  while (read(c->evfd, &v, sizeof v) > 0) {
  }
  pthread_mutex_lock(&c->mu);
  sslb__job *list = c->inbox;
  c->inbox = c->inbox_tail = NULL;
  int sweep = c->cancel_pending;
  c->cancel_pending = 0;
  int resumed = c->resume_pending;
  c->resume_pending = 0;
  pthread_mutex_unlock(&c->mu);
  if (sweep)
    sweep_cancelled(c);
  if (resumed)
    sweep_resumed(c);
  /* every job is queued first and each origin dispatched once, so that
   * the requests of a burst leave together (HTTP/2: in one write) */
  origin *touched = NULL;
  while (list) {
    sslb__job *j = list;
    list = j->next;
    j->next = NULL;
    if (j->rc < 0) { /* the resolver failed it */
      complete(j);
      continue;
    }
    if (cancelled(j)) {
      fail_job(j, SSLB_ERR_CANCELLED, "the request was cancelled");
      continue;
    }
    origin *o = find_origin(c, j);
    if (!o) {
      fail_job(j, SSLB_ERR_NO_MEMORY, "out of memory");
      continue;
    }
    job_box *b = (job_box *)j;
    if (!o->conns || o->naddrs == 0) { /* fresh addresses for new dials */
      memcpy(o->addrs, b->addrs, sizeof o->addrs);
      memcpy(o->addrlen, b->addrlen, sizeof o->addrlen);
      o->naddrs = b->naddrs;
    }
    if (o->pend_tail)
      o->pend_tail->next = j;
    else
      o->pend = j;
    o->pend_tail = j;
    if (!o->touched) {
      o->touched = 1;
      o->next_touched = touched;
      touched = o;
    }
  }
  while (touched) {
    origin *o = touched;
    touched = o->next_touched;
    o->touched = 0;
    dispatch(c, o);
  }
}

static void check_timeouts(sslb_client *c) {
  int64_t now = now_ms();
  for (origin *o = c->origins; o; o = o->next) {
    for (sslb__job **p = &o->pend; *p;) {
      sslb__job *j = *p;
      if (j->deadline_ms && now >= j->deadline_ms) {
        *p = j->next;
        if (o->pend_tail == j) {
          o->pend_tail = NULL;
          for (sslb__job *t = o->pend; t; t = t->next)
            o->pend_tail = t;
        }
        fail_job(j, SSLB_ERR_TIMEOUT, "the request timed out waiting for a "
                                      "connection");
        continue;
      }
      p = &j->next;
    }
    /* after a connection closes (or streams are reset) the scan starts
     * over on the list as it is now: every connection past its time ends
     * in this round, not one a round. Each restart follows a close or the
     * end of expired streams, so the scan finishes. */
    for (int again = 1; again;) {
      again = 0;
      for (conn *k = o->conns; k && !again; k = k->next) {
        if (k->inline_run)
          continue; /* its thread keeps its time */
        if (k->deadline_ms && now >= k->deadline_ms) {
          char msg[400];
          snprintf(msg, sizeof msg, "connecting to %s port %u timed out",
                   o->host, o->port);
          conn_close(c, k, SSLB_ERR_TIMEOUT, msg);
          again = 1;
        } else if (k->h1job && k->h1job->deadline_ms &&
                   now >= k->h1job->deadline_ms) {
          conn_close(c, k, SSLB_ERR_TIMEOUT, "the request timed out");
          again = 1;
        } else if (c->idle_ms && k->state == C_READY &&
                   (k->h1job || k->running) &&
                   now - k->last_rx_ms >= (int64_t)c->idle_ms && !held_back(k)) {
          char msg[320];
          snprintf(msg, sizeof msg, "no data from %s for %u ms", o->host,
                   c->idle_ms);
          conn_close(c, k, SSLB_ERR_TIMEOUT, msg);
          again = 1;
        } else if (k->h2 && k->running) {
          /* an HTTP/2 request that ran out of time: its stream is reset,
           * the connection and its other streams go on */
          int cancelled = 0;
          for (sslb__job *j = k->running, *jn; j; j = jn) {
            jn = j->lnext;
            if (!j->deadline_ms || now < j->deadline_ms)
              continue;
            unlink_job(k, j);
            sslb__h2_cancel(k->h2, j);
            fail_job(j, SSLB_ERR_TIMEOUT, "the request timed out");
            cancelled = 1;
          }
          if (cancelled) {
            flush(c, k);
            if (k->state == C_READY)
              dispatch(c, o);
            again = 1;
          }
        }
      }
    }
  }
}

static void client_release(sslb_client *c);

static void *loop(void *arg) {
  sslb_client *c = arg;
  struct epoll_event ev[64];
  int64_t next_check = now_ms() + 50;
  for (;;) {
    unsigned seen = __atomic_load_n(&c->checkouts, __ATOMIC_ACQUIRE);
    int n = epoll_wait(c->epfd, ev, 64, 50);
    pthread_mutex_lock(&c->mu);
    int stop = c->stopping;
    pthread_mutex_unlock(&c->mu);
    if (stop)
      break;
    pthread_mutex_lock(&c->run_mu);
    if (__atomic_load_n(&c->checkouts, __ATOMIC_ACQUIRE) != seen)
      n = 0; /* a connection was lent meanwhile: these may be stale; epoll
                reports what is still ready again */
    for (int i = 0; i < n; i++) {
      if (ev[i].data.ptr == NULL) {
        take_inbox(c);
        continue;
      }
      conn *k = ev[i].data.ptr;
      if (k->state != C_CLOSED && !k->inline_run) /* closed in this batch */
        conn_io(c, k, ev[i].events);
    }
    if (c->redispatch) { /* what a lending thread left to dispatch */
      c->redispatch = 0;
      for (origin *o = c->origins; o; o = o->next)
        dispatch(c, o);
    }
    if (now_ms() >= next_check) {
      check_timeouts(c);
      next_check = now_ms() + 50;
    }
    bury(c);
    pthread_mutex_unlock(&c->run_mu);
  }
  /* shutting down: lent connections come back first (their threads see
   * loop_exiting within 50 ms), then everything still running is
   * cancelled */
  pthread_mutex_lock(&c->run_mu);
  __atomic_store_n(&c->loop_exiting, 1, __ATOMIC_RELEASE);
  while (c->inline_runners)
    pthread_cond_wait(&c->inline_cv, &c->run_mu);
  pthread_mutex_unlock(&c->run_mu);
  pthread_mutex_lock(&c->mu);
  sslb__job *inbox = c->inbox;
  c->inbox = c->inbox_tail = NULL;
  pthread_mutex_unlock(&c->mu);
  while (inbox) {
    sslb__job *j = inbox;
    inbox = j->next;
    fail_job(j, SSLB_ERR_CANCELLED, "the client was closed");
  }
  while (c->origins) {
    origin *o = c->origins;
    c->origins = o->next;
    sslb__job *j;
    while ((j = pop(o)))
      fail_job(j, SSLB_ERR_CANCELLED, "the client was closed");
    while (o->conns)
      conn_close(c, o->conns, SSLB_ERR_CANCELLED, "the client was closed");
    sslb__buf_free(&o->session);
    free(o);
  }
  bury(c);
  if (c->free_on_exit) {
    sslb__task_detach(c->loop_task);
    client_release(c);
  }
  return NULL;
}

/* ------------------------------------------------------------ redirects */

static void route(sslb_client *c, job_box *b);
static void choose_proxy(sslb_client *c, sslb__job *j);

/* Location resolved against the URL that answered (RFC 3986 5.2). */
static char *resolve_location(const char *base, const char *loc) {
  UriUriA b, r, a;
  char *out = NULL;
  if (uriParseSingleUriA(&b, base, NULL) != URI_SUCCESS)
    return NULL;
  if (uriParseSingleUriA(&r, loc, NULL) != URI_SUCCESS) {
    uriFreeUriMembersA(&b);
    return NULL;
  }
  if (uriAddBaseUriA(&a, &r, &b) == URI_SUCCESS) {
    int len = 0;
    if (uriToStringCharsRequiredA(&a, &len) == URI_SUCCESS &&
        (out = malloc((size_t)len + 1)) &&
        uriToStringA(out, &a, len + 1, NULL) != URI_SUCCESS) {
      free(out);
      out = NULL;
    }
    uriFreeUriMembersA(&a);
  }
  uriFreeUriMembersA(&r);
  uriFreeUriMembersA(&b);
  return out;
}

static int dropped_across_origins(const char *name) {
  return !strcasecmp(name, "authorization") || !strcasecmp(name, "cookie") ||
         !strcasecmp(name, "proxy-authorization");
}

/* Turns a redirect response into the next hop of the same job: 1 when the
 * job was sent on, 0 when the response stands (j->rc may then say why it
 * was not followed). */
static int follow_redirect(sslb__job *j) {
  sslb_client *c = j->client;
  int st = j->resp->status;
  const char *loc = sslb_response_header(j->resp, "location");
  if (!c->max_redirects || !loc ||
      !(st == 301 || st == 302 || st == 303 || st == 307 || st == 308))
    return 0;
  const sslb_request *cur = j->req;
  if (j->hops >= c->max_redirects) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_TOO_MANY_REDIRECTS,
                       "more than %u redirects (the last from %s to %.200s)",
                       c->max_redirects, cur->url_text, loc);
    return 0;
  }
  char *next = resolve_location(cur->url_text, loc);
  if (!next) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_URL,
                       "the redirect location '%.200s' is not a valid URL", loc);
    return 0;
  }
  int to_get = (st == 303 && strcmp(cur->method, "HEAD")) ||
               ((st == 301 || st == 302) && !strcmp(cur->method, "POST"));
  if (!to_get && cur->reader) {
    free(next);
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "a streamed body cannot be sent again for the %d "
                       "redirect to %.200s",
                       st, loc);
    return 0;
  }
  sslb_request *nr;
  int rc = sslb_request_new(&nr, to_get ? "GET" : cur->method, next);
  free(next);
  if (rc < 0) {
    j->rc = sslb__fail(sslb__job_err(j), rc, "the redirect location '%.200s' cannot be "
                                    "requested",
                       loc);
    return 0;
  }
  if (cur->url.https && !nr->url.https) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "refused a redirect from https to http (%.200s)",
                       nr->url_text);
    sslb_request_free(nr);
    return 0;
  }
  int same_origin = cur->url.https == nr->url.https &&
                    cur->url.port == nr->url.port &&
                    !strcmp(cur->url.host, nr->url.host);
  for (size_t i = 0; i < cur->nh && rc == 0; i++) {
    const char *n = cur->h[i].name;
    if (!strcasecmp(n, "host") || !strcasecmp(n, "content-length") ||
        (to_get && !strcasecmp(n, "content-type")) ||
        (!same_origin && dropped_across_origins(n)))
      continue;
    rc = sslb_request_add_header(nr, n, cur->h[i].value);
  }
  if (rc == 0 && !to_get && cur->body_len)
    rc = sslb_request_set_body(nr, cur->body, cur->body_len);
  sslb_response *fresh = sslb__resp_new();
  if (rc < 0 || !fresh) {
    free(fresh);
    sslb_request_free(nr);
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_NO_MEMORY, "out of memory");
    return 0;
  }
  sslb_response_free(j->resp);
  j->resp = fresh;
  sslb_request_free(j->own_req);
  j->own_req = nr;
  j->req = nr;
  j->hops++;
  j->rc = 0;
  sslb__job_clear_msg(j);
  j->sent_any = j->retried = 0;
  j->head_done = j->skip_body = 0;
  j->held = 0;
  j->stream_id = 0;
  j->next = NULL;
  choose_proxy(c, j);
  route(c, (job_box *)j);
  return 1;
}

/* ----------------------------------------------------------- public API */

static void *resolver(void *arg);

/* Starts a client around its context: the event loop and resolver
 * threads. Frees the client (and the context reference) on failure. */
static int client_start(sslb_client *c, sslb_client **out) {
  int rc = 0;
  if (pthread_mutex_init(&c->mu, NULL) != 0 ||
      pthread_mutex_init(&c->run_mu, NULL) != 0 ||
      pthread_cond_init(&c->inline_cv, NULL) != 0)
    rc = SSLB_ERR_NO_MEMORY;
  if (rc == 0) {
    c->epfd = epoll_create1(EPOLL_CLOEXEC);
    c->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = NULL};
    if (c->epfd < 0 || c->evfd < 0 ||
        epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->evfd, &e) < 0)
      rc = SSLB_ERR_NO_MEMORY;
  }
  if (rc == 0 && pthread_cond_init(&c->resolve_cv, NULL) != 0)
    rc = SSLB_ERR_NO_MEMORY;
  if (rc == 0)
    rc = sslb__task_start(&c->resolver_task, resolver, c);
  if (rc == 0)
    rc = sslb__task_start(&c->loop_task, loop, c);
  if (rc < 0) {
    if (c->resolver_task) {
      pthread_mutex_lock(&c->mu);
      c->stop_resolver = 1;
      pthread_cond_signal(&c->resolve_cv);
      pthread_mutex_unlock(&c->mu);
      sslb__task_join(c->resolver_task);
    }
    sslb_ssl_context_free(c->ctx);
    if (c->epfd >= 0)
      close(c->epfd);
    if (c->evfd >= 0)
      close(c->evfd);
    free(c);
    return rc;
  }
  *out = c;
  return 0;
}

static sslb_client *client_alloc(void) {
  sslb_client *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->epfd = c->evfd = -1;
  c->connect_ms = 10000;
  c->request_ms = 30000;
  c->idle_ms = 30000;
  c->max_body = 64u * 1024 * 1024;
  return c;
}

int sslb_client_new(sslb_client **out, sslb_trust_manager *tm) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  sslb_client *c = client_alloc();
  if (!c)
    return SSLB_ERR_NO_MEMORY;
  sslb__err err;
  int rc = sslb__ssl_context_for_trust(&c->ctx, tm, &err);
  if (rc < 0) {
    free(c);
    return rc;
  }
  return client_start(c, out);
}

int sslb_client_new_with_context(sslb_client **out, sslb_ssl_context *ctx) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!ctx)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_client *c = client_alloc();
  if (!c)
    return SSLB_ERR_NO_MEMORY;
  c->ctx = sslb_ssl_context_ref(ctx);
  return client_start(c, out);
}

/* What is left once the threads have stopped. */
static void client_release(sslb_client *c) {
  pthread_cond_destroy(&c->resolve_cv);
  while (c->dns) {
    struct dns_entry *e = c->dns;
    c->dns = e->next;
    free(e);
  }
  while (c->connect_to) {
    struct connect_to *m = c->connect_to;
    c->connect_to = m->next;
    free(m);
  }
  free(c->no_proxy);
  pthread_mutex_destroy(&c->mu);
  pthread_mutex_destroy(&c->run_mu);
  pthread_cond_destroy(&c->inline_cv);
  close(c->epfd);
  close(c->evfd);
  sslb_ssl_context_free(c->ctx);
  for (size_t i = 0; i < c->nretired; i++)
    sslb_ssl_context_free(c->retired[i]);
  free(c->retired);
  free(c);
}

void sslb_client_free(sslb_client *c) {
  if (!c)
    return;
  /* the resolver first: what it still holds is cancelled into the inbox,
   * which the loop then drains on its way out */
  pthread_mutex_lock(&c->mu);
  c->stop_resolver = 1;
  pthread_cond_signal(&c->resolve_cv);
  pthread_mutex_unlock(&c->mu);
  sslb__task_join(c->resolver_task);
  c->resolver_task = NULL;
  int own_thread = sslb__task_is_current(c->loop_task);
  pthread_mutex_lock(&c->mu);
  c->stopping = 1;
  c->free_on_exit = own_thread;
  pthread_mutex_unlock(&c->mu);
  if (own_thread)
    return; /* from a callback: the loop ends its round, then frees c */
  uint64_t one = 1;
  (void)!write(c->evfd, &one, sizeof one);
  sslb__task_join(c->loop_task);
  client_release(c);
}

int sslb_client_set_http_policy(sslb_client *c, int policy) {
  if (!c || policy < SSLB_HTTP_ANY || policy > SSLB_HTTP_2)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->policy = policy;
  return 0;
}

int sslb_client_set_hostname_policy(sslb_client *c, int policy) {
  if (!c || policy < SSLB_HOSTNAME_BUILTIN || policy > SSLB_HOSTNAME_NONE)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->hostname_policy = policy;
  return 0;
}

int sslb_client_set_hostname_verifier(sslb_client *c,
                                      sslb_hostname_verifier_fn fn, void *ud) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->verifier = fn;
  c->verifier_ud = fn ? ud : NULL;
  return 0;
}

int sslb_client_set_server_name(sslb_client *c, const char *name) {
  if (!c || (name && (strlen(name) >= sizeof c->server_name ||
                      strpbrk(name, " /\r\n"))))
    return SSLB_ERR_INVALID_ARGUMENT;
  snprintf(c->server_name, sizeof c->server_name, "%s", name ? name : "");
  return 0;
}

int sslb_client_set_connection_callback(sslb_client *c, sslb_connection_fn fn,
                                        void *ud) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->conn_cb = fn;
  c->conn_cb_ud = fn ? ud : NULL;
  return 0;
}

const char *sslb_connection_host(const sslb_connection *v) {
  return v ? v->k->o->host : "";
}

unsigned sslb_connection_port(const sslb_connection *v) {
  return v ? v->k->o->port : 0;
}

int sslb_connection_set_socket_factory(sslb_connection *v,
                                       sslb_socket_factory *f) {
  if (!v || !f)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_ssl_context *ctx = sslb_ssl_context_ref(sslb_socket_factory_context(f));
  sslb_ssl_context_free(v->k->ctx);
  v->k->ctx = ctx;
  v->changed_context = 1;
  return 0;
}

int sslb_connection_set_hostname_verifier(sslb_connection *v,
                                          sslb_hostname_verifier_fn fn,
                                          void *ud) {
  if (!v)
    return SSLB_ERR_INVALID_ARGUMENT;
  v->k->verifier = fn;
  v->k->verifier_ud = fn ? ud : NULL;
  return 0;
}

int sslb_client_set_timeouts(sslb_client *c, unsigned connect_ms,
                             unsigned request_ms) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->connect_ms = connect_ms;
  c->request_ms = request_ms;
  return 0;
}

int sslb_client_cancel(sslb_client *c, sslb_request *r) {
  if (!c || !r)
    return SSLB_ERR_INVALID_ARGUMENT;
  __atomic_store_n(&r->cancel, 1, __ATOMIC_RELEASE);
  pthread_mutex_lock(&c->mu);
  c->cancel_pending = 1;
  pthread_mutex_unlock(&c->mu);
  uint64_t one = 1;
  (void)!write(c->evfd, &one, sizeof one);
  return 0;
}

int sslb_client_pause(sslb_client *c, sslb_request *r) {
  if (!c || !r)
    return SSLB_ERR_INVALID_ARGUMENT;
  /* seen by the I/O thread before it takes more of the body */
  __atomic_store_n(&r->paused, 1, __ATOMIC_RELEASE);
  return 0;
}

int sslb_client_resume(sslb_client *c, sslb_request *r) {
  if (!c || !r)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!__atomic_exchange_n(&r->paused, 0, __ATOMIC_ACQ_REL))
    return 0;
  pthread_mutex_lock(&c->mu);
  c->resume_pending = 1;
  pthread_mutex_unlock(&c->mu);
  uint64_t one = 1;
  (void)!write(c->evfd, &one, sizeof one);
  return 0;
}

static int parse_proxy(const char *url, char *host, size_t hostlen,
                       unsigned *port) {
  char buf[600];
  if (!strstr(url, "://")) {
    snprintf(buf, sizeof buf, "http://%s", url);
    url = buf;
  }
  sslb__url u;
  sslb__err err;
  if (strncasecmp(url, "http://", 7) || sslb__url_parse(&u, url, &err) < 0)
    return SSLB_ERR_URL;
  snprintf(host, hostlen, "%s", u.host);
  /* without a port, 1080 as curl assumes */
  const char *h = url + 7, *end = h + strcspn(h, "/?#");
  const char *after_host = *h == '[' ? memchr(h, ']', (size_t)(end - h)) : h;
  int explicit_port = after_host && memchr(after_host, ':', (size_t)(end - after_host));
  *port = explicit_port ? u.port : 1080;
  sslb__url_free(&u);
  return 0;
}

int sslb_client_set_proxy(sslb_client *c, const char *proxy_url,
                          const char *no_proxy) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  char host[256] = "";
  unsigned port = 0;
  if (proxy_url && *proxy_url)
    SSLB__GUARD(parse_proxy(proxy_url, host, sizeof host, &port));
  char *np = NULL;
  if (no_proxy && !(np = sslb__strdup(no_proxy)))
    return SSLB_ERR_NO_MEMORY;
  for (int s = 0; s < 2; s++) {
    snprintf(c->proxy_host[s], sizeof c->proxy_host[s], "%s", host);
    c->proxy_port[s] = port;
  }
  free(c->no_proxy);
  c->no_proxy = np;
  return 0;
}

int sslb_client_use_environment_proxy(sslb_client *c) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  const char *names[2][2] = {{"http_proxy", "http_proxy"},
                             {"https_proxy", "HTTPS_PROXY"}};
  for (int s = 0; s < 2; s++) {
    const char *v = getenv(names[s][0]);
    if (!v || !*v)
      v = getenv(names[s][1]);
    c->proxy_host[s][0] = 0;
    if (v && *v)
      SSLB__GUARD(parse_proxy(v, c->proxy_host[s], sizeof c->proxy_host[s],
                              &c->proxy_port[s]));
  }
  const char *np = getenv("no_proxy");
  if (!np || !*np)
    np = getenv("NO_PROXY");
  free(c->no_proxy);
  c->no_proxy = np && *np ? sslb__strdup(np) : NULL;
  return 0;
}

int sslb_client_set_idle_timeout(sslb_client *c, unsigned ms) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->idle_ms = ms;
  return 0;
}

int sslb_client_set_redirects(sslb_client *c, unsigned max) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->max_redirects = max;
  return 0;
}

int sslb_client_set_decoding(sslb_client *c, int enabled) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->no_decoding = !enabled;
  return 0;
}

int sslb_client_set_max_body(sslb_client *c, size_t bytes) {
  if (!c)
    return SSLB_ERR_INVALID_ARGUMENT;
  c->max_body = bytes;
  return 0;
}

int sslb_client_set_identity(sslb_client *c, sslb_keystore *ks,
                             const char *alias, const char *key_password) {
  if (!c || !ks || !alias)
    return SSLB_ERR_INVALID_ARGUMENT;
  sslb_key_manager *km;
  SSLB__GUARD(sslb_key_manager_new(&km, ks, alias, key_password));
  sslb_ssl_context *ctx = NULL;
  sslb_ssl_context **r =
      realloc(c->retired, (c->nretired + 1) * sizeof *c->retired);
  int rc = r ? sslb__ssl_context_with_keys(&ctx, c->ctx, km, &ks->err)
             : SSLB_ERR_NO_MEMORY;
  sslb_key_manager_free(km);
  if (r)
    c->retired = r;
  if (rc < 0)
    return rc;
  /* the old context stays alive for connections that use it */
  c->retired[c->nretired++] = c->ctx;
  __atomic_store_n(&c->ctx, ctx, __ATOMIC_RELEASE);
  return 0;
}

int sslb_client_add_connect_to(sslb_client *c, const char *host,
                               unsigned port, const char *to_host,
                               unsigned to_port) {
  if (!c || port > 65535 || to_port > 65535 ||
      (host && strlen(host) >= sizeof c->connect_to->host) ||
      (to_host && strlen(to_host) >= sizeof c->connect_to->to_host))
    return SSLB_ERR_INVALID_ARGUMENT;
  if ((to_host && strpbrk(to_host, " /\r\n")) || (host && strpbrk(host, " /\r\n")))
    return SSLB_ERR_INVALID_ARGUMENT;
  struct connect_to *m = calloc(1, sizeof *m);
  if (!m)
    return SSLB_ERR_NO_MEMORY;
  snprintf(m->host, sizeof m->host, "%s", host ? host : "");
  snprintf(m->to_host, sizeof m->to_host, "%s", to_host ? to_host : "");
  m->port = port;
  m->to_port = to_port;
  pthread_mutex_lock(&c->mu);
  struct connect_to **p = &c->connect_to; /* in the order given */
  while (*p)
    p = &(*p)->next;
  __atomic_store_n(p, m, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

int sslb_client_add_resolve(sslb_client *c, const char *host, unsigned port,
                            const char *address) {
  if (!c || !host || !*host || !address || port == 0 || port > 65535)
    return SSLB_ERR_INVALID_ARGUMENT;
  struct dns_entry *e = calloc(1, sizeof *e);
  if (!e)
    return SSLB_ERR_NO_MEMORY;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&e->addrs[0];
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&e->addrs[0];
  if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    e->addrlen[0] = sizeof *v4;
  } else if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    e->addrlen[0] = sizeof *v6;
  } else {
    free(e);
    return SSLB_ERR_INVALID_ARGUMENT;
  }
  e->naddrs = 1;
  e->port = port;
  e->expires_ms = INT64_MAX;
  snprintf(e->host, sizeof e->host, "%s", host);
  sslb__ascii_lower(e->host);
  pthread_mutex_lock(&c->mu);
  for (struct dns_entry **p = &c->dns; *p;) {
    if ((*p)->port == port && !strcmp((*p)->host, e->host)) {
      struct dns_entry *x = *p;
      *p = x->next;
      free(x);
      continue;
    }
    p = &(*p)->next;
  }
  e->next = c->dns;
  c->dns = e;
  pthread_mutex_unlock(&c->mu);
  return 0;
}

size_t sslb_client_connections_opened(const sslb_client *c) {
  return c ? __atomic_load_n(&c->opened, __ATOMIC_RELAXED) : 0;
}

int sslb_request_new(sslb_request **out, const char *method, const char *url) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!method || !url || !*method)
    return SSLB_ERR_INVALID_ARGUMENT;
  for (const char *m = method; *m; m++)
    if (!((*m >= 'A' && *m <= 'Z') || *m == '-' || *m == '_'))
      return SSLB_ERR_INVALID_ARGUMENT;
  /* the message buffer is made at the first failure: a busy client
   * would otherwise clear kilobytes for every request */
  sslb_request *r = calloc(1, sizeof *r);
  if (!r || !(r->method = sslb__strdup(method)) ||
      !(r->url_text = sslb__strdup(url))) {
    if (r)
      free(r->method);
    free(r);
    return SSLB_ERR_NO_MEMORY;
  }
  int rc = sslb__url_parse(&r->url, url, NULL); /* only the code leaves */
  if (rc < 0) {
    sslb_request_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void sslb_request_free(sslb_request *r) {
  if (!r)
    return;
  free(r->method);
  free(r->url_text);
  sslb__url_free(&r->url);
  for (size_t i = 0; i < r->nh; i++) {
    free(r->h[i].name);
    free(r->h[i].value);
  }
  free(r->h);
  free(r->body);
  free(r->err);
  free(r);
}

sslb__err *sslb__request_err(sslb_request *r) {
  if (!r->err && (r->err = malloc(sizeof *r->err)))
    r->err->msg[0] = 0;
  return r->err;
}

static int token_ok(const char *s, int value) {
  if (!value && !*s)
    return 0;
  for (; *s; s++)
    if (*s == '\r' || *s == '\n' || (!value && (*s == ':' || *s == ' ')))
      return 0;
  return 1;
}

int sslb_request_add_header(sslb_request *r, const char *name,
                            const char *value) {
  if (!r)
    return SSLB_ERR_INVALID_ARGUMENT;
  if (!name || !value || !token_ok(name, 0) || !token_ok(value, 1))
    return sslb__fail(sslb__request_err(r), SSLB_ERR_INVALID_ARGUMENT,
                      "header name must be a non-empty token and neither may "
                      "contain CR or LF");
  if (r->nh == r->caph) {
    size_t nc = r->caph ? r->caph * 2 : 8;
    sslb__hdr *h = realloc(r->h, nc * sizeof *h);
    if (!h)
      return SSLB_ERR_NO_MEMORY;
    r->h = h;
    r->caph = nc;
  }
  char *n = sslb__strdup(name), *v = sslb__strdup(value);
  if (!n || !v) {
    free(n);
    free(v);
    return SSLB_ERR_NO_MEMORY;
  }
  r->h[r->nh++] = (sslb__hdr){n, v};
  return 0;
}

int sslb_request_set_body(sslb_request *r, const uint8_t *body, size_t len) {
  if (!r || (!body && len))
    return SSLB_ERR_INVALID_ARGUMENT;
  r->reader = NULL;
  uint8_t *copy = NULL;
  if (len && !(copy = malloc(len)))
    return SSLB_ERR_NO_MEMORY;
  if (len)
    memcpy(copy, body, len);
  free(r->body);
  r->body = copy;
  r->body_len = len;
  return 0;
}

int sslb_request_set_body_reader(sslb_request *r, sslb_body_reader_fn reader,
                                 void *user_data, int64_t length) {
  if (!r || !reader || length < -1)
    return SSLB_ERR_INVALID_ARGUMENT;
  free(r->body);
  r->body = NULL;
  r->body_len = 0;
  r->reader = reader;
  r->reader_ud = user_data;
  r->reader_len = length;
  return 0;
}

int sslb_request_set_http_policy(sslb_request *r, int policy) {
  if (!r || policy < SSLB_HTTP_ANY || policy > SSLB_HTTP_2)
    return SSLB_ERR_INVALID_ARGUMENT;
  r->policy = policy + 1;
  return 0;
}

int sslb_request_set_head_callback(sslb_request *r, sslb_head_fn fn,
                                   void *user_data) {
  if (!r)
    return SSLB_ERR_INVALID_ARGUMENT;
  r->head = fn;
  r->head_ud = fn ? user_data : NULL;
  return 0;
}

int sslb_request_set_body_sink(sslb_request *r, sslb_body_sink_fn sink,
                               void *user_data) {
  if (!r)
    return SSLB_ERR_INVALID_ARGUMENT;
  r->sink = sink;
  r->sink_ud = sink ? user_data : NULL;
  return 0;
}

const char *sslb_request_last_error(const sslb_request *r) {
  return r ? (r->err ? r->err->msg : "") : "request handle is NULL";
}

/* Resolved addresses are kept for a minute per host and port, so that a
 * burst of requests resolves once. */
static int dns_lookup(sslb_client *c, job_box *b, const sslb__url *u) {
  int hit = 0;
  int64_t now = now_ms();
  pthread_mutex_lock(&c->mu);
  for (struct dns_entry *e = c->dns; e; e = e->next)
    if (e->port == u->port && !strcmp(e->host, u->host) && e->expires_ms > now) {
      memcpy(b->addrs, e->addrs, sizeof b->addrs);
      memcpy(b->addrlen, e->addrlen, sizeof b->addrlen);
      b->naddrs = e->naddrs;
      hit = 1;
      break;
    }
  pthread_mutex_unlock(&c->mu);
  return hit;
}

static void dns_store(sslb_client *c, const job_box *b, const sslb__url *u) {
  struct dns_entry *e = calloc(1, sizeof *e);
  if (!e)
    return;
  snprintf(e->host, sizeof e->host, "%s", u->host);
  e->port = u->port;
  e->expires_ms = now_ms() + DNS_TTL_MS;
  memcpy(e->addrs, b->addrs, sizeof e->addrs);
  memcpy(e->addrlen, b->addrlen, sizeof e->addrlen);
  e->naddrs = b->naddrs;
  pthread_mutex_lock(&c->mu);
  /* drop stale entries and keep the list bounded (overrides stay) */
  int64_t now = now_ms();
  size_t n = 0;
  for (struct dns_entry **p = &c->dns; *p;) {
    int override = (*p)->expires_ms == INT64_MAX;
    int same = override ? 0 : ((*p)->port == e->port && !strcmp((*p)->host, e->host));
    if (!override && ((*p)->expires_ms <= now || n >= DNS_MAX || same)) {
      struct dns_entry *x = *p;
      *p = x->next;
      free(x);
      continue;
    }
    n++;
    p = &(*p)->next;
  }
  e->next = c->dns;
  c->dns = e;
  pthread_mutex_unlock(&c->mu);
}

static int resolve(job_box *b, const sslb__url *u, sslb__err *err) {
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
  char port[8];
  snprintf(port, sizeof port, "%u", u->port);
  int g = getaddrinfo(u->host, port, &hints, &res);
  if (g != 0)
    return sslb__fail(err, SSLB_ERR_RESOLVE, "cannot resolve '%s': %s",
                      u->host, gai_strerror(g));
  for (struct addrinfo *a = res; a && b->naddrs < MAX_ADDRS; a = a->ai_next) {
    memcpy(&b->addrs[b->naddrs], a->ai_addr, a->ai_addrlen);
    b->addrlen[b->naddrs++] = a->ai_addrlen;
  }
  freeaddrinfo(res);
  return b->naddrs ? 0
                   : sslb__fail(err, SSLB_ERR_RESOLVE, "'%s' has no address",
                                u->host);
}

/* no_proxy: "*", names (covering subdomains), IP literals. */
static int no_proxy_match(const char *list, const char *host) {
  if (!list)
    return 0;
  size_t hl = strlen(host);
  for (const char *p = list; *p;) {
    while (*p == ',' || *p == ' ')
      p++;
    const char *e = p;
    while (*e && *e != ',' && *e != ' ')
      e++;
    size_t n = (size_t)(e - p);
    const char *colon = memchr(p, ':', n);
    if (colon && !memchr(colon + 1, ':', (size_t)(e - colon - 1)) && p[0] != '[')
      n = (size_t)(colon - p); /* host:port: the port is ignored */
    if (n && p[0] == '.')
      p++, n--;
    if (n == 1 && *p == '*')
      return 1;
    if (n && n <= hl && !strncasecmp(host + hl - n, p, n) &&
        (n == hl || host[hl - n - 1] == '.'))
      return 1;
    p = e;
  }
  return 0;
}

static void choose_proxy(sslb_client *c, sslb__job *j) {
  const sslb__url *u = &j->req->url;
  int s = u->https ? 1 : 0;
  j->proxied = c->proxy_host[s][0] && !no_proxy_match(c->no_proxy, u->host);
  if (j->proxied) {
    snprintf(j->via_host, sizeof j->via_host, "%s", c->proxy_host[s]);
    j->via_port = c->proxy_port[s];
  }
  j->dial_host[0] = 0;
  /* entries are only ever appended: an empty list needs no lock, which
   * keeps it off the path of every request of a client without any */
  if (!__atomic_load_n(&c->connect_to, __ATOMIC_ACQUIRE))
    return;
  pthread_mutex_lock(&c->mu);
  for (const struct connect_to *m = c->connect_to; m; m = m->next) {
    if ((!m->host[0] || !strcasecmp(m->host, u->host)) &&
        (!m->port || m->port == u->port)) {
      snprintf(j->dial_host, sizeof j->dial_host, "%s",
               m->to_host[0] ? m->to_host : u->host);
      j->dial_port = m->to_port ? m->to_port : u->port;
      break;
    }
  }
  pthread_mutex_unlock(&c->mu);
}

/* Makes a job for r; its addresses come from the cache or the resolver. */
static int make_job(sslb_client *c, sslb_request *r, job_box **out) {
  if (r->err)
    r->err->msg[0] = 0;
  __atomic_store_n(&r->cancel, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&r->paused, 0, __ATOMIC_RELEASE);
  /* the job is cleared; addresses are read only up to naddrs */
  job_box *b = malloc(sizeof *b);
  if (b) {
    memset(&b->job, 0, sizeof b->job);
    b->naddrs = 0;
  }
  sslb_response *resp = sslb__resp_new();
  if (!b || !resp) {
    free(b);
    free(resp);
    return sslb__fail(sslb__request_err(r), SSLB_ERR_NO_MEMORY, "out of memory");
  }
  sslb__job *j = &b->job;
  j->req = j->user_req = r;
  j->client = c;
  j->resp = resp;
  j->max_body = c->max_body;
  j->policy = r->policy ? r->policy - 1 : c->policy;
  j->decode = !c->no_decoding && !r->sink; /* a sink gets the bytes as sent */
  for (size_t i = 0; i < r->nh && j->decode; i++)
    if (!strcasecmp(r->h[i].name, "accept-encoding"))
      j->decode = 0;
  j->deadline_ms = c->request_ms ? now_ms() + c->request_ms : 0;
  choose_proxy(c, j);
  *out = b;
  return 0;
}

static void enqueue(sslb_client *c, sslb__job *j) {
  pthread_mutex_lock(&c->mu);
  int wake = c->inbox == NULL; /* the loop drains all at once: wake it once */
  if (c->inbox_tail)
    c->inbox_tail->next = j;
  else
    c->inbox = j;
  c->inbox_tail = j;
  pthread_mutex_unlock(&c->mu);
  if (wake) {
    uint64_t one = 1;
    (void)!write(c->evfd, &one, sizeof one);
  }
}

/* Sends a job on its way: straight to the loop when its addresses are
 * cached, through the resolver thread otherwise. */
/* What a job connects to: the origin, or its proxy. */
static sslb__url dial_target(const sslb__job *j) {
  sslb__url t = j->req->url;
  if (j->proxied) {
    snprintf(t.host, sizeof t.host, "%s", j->via_host);
    t.port = j->via_port;
  } else if (j->dial_host[0]) {
    snprintf(t.host, sizeof t.host, "%s", j->dial_host);
    t.port = j->dial_port;
  }
  t.target = NULL;
  return t;
}

static void route(sslb_client *c, job_box *b) {
  sslb__url t = dial_target(&b->job);
  if (dns_lookup(c, b, &t)) {
    enqueue(c, &b->job);
    return;
  }
  pthread_mutex_lock(&c->mu);
  if (c->rq_tail)
    c->rq_tail->next = &b->job;
  else
    c->rq = &b->job;
  c->rq_tail = &b->job;
  pthread_cond_signal(&c->resolve_cv);
  pthread_mutex_unlock(&c->mu);
}

static void *resolver(void *arg) {
  sslb_client *c = arg;
  pthread_mutex_lock(&c->mu);
  for (;;) {
    while (!c->rq && !c->stop_resolver)
      pthread_cond_wait(&c->resolve_cv, &c->mu);
    if (!c->rq)
      break;
    sslb__job *j = c->rq;
    c->rq = j->next;
    if (!c->rq)
      c->rq_tail = NULL;
    j->next = NULL;
    int stop = c->stop_resolver;
    pthread_mutex_unlock(&c->mu);
    job_box *b = (job_box *)j;
    if (stop) {
      j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_CANCELLED, "the client was closed");
    } else if (cancelled(j)) {
      j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_CANCELLED, "the request was cancelled");
    } else {
      sslb__url t = dial_target(j);
      /* a burst of requests to one new name resolves it once: the first
       * stores it, the rest find it */
      if (!dns_lookup(c, b, &t)) {
        if (resolve(b, &t, sslb__job_err(j)) < 0)
          j->rc = SSLB_ERR_RESOLVE;
        else
          dns_store(c, b, &t);
      }
    }
    enqueue(c, j); /* failures too: the loop completes them */
    pthread_mutex_lock(&c->mu);
  }
  pthread_mutex_unlock(&c->mu);
  return NULL;
}

int sslb_client_submit(sslb_client *c, sslb_request *r,
                       sslb_completion_fn done, void *user_data) {
  if (!c || !r || !done)
    return SSLB_ERR_INVALID_ARGUMENT;
  job_box *b;
  SSLB__GUARD(make_job(c, r, &b));
  b->job.cb = done;
  b->job.cb_ud = user_data;
  route(c, b);
  return 0;
}

int sslb_client_submit_to_queue(sslb_client *c, sslb_request *r,
                                sslb_queue *q, void *tag) {
  if (!c || !r || !q)
    return SSLB_ERR_INVALID_ARGUMENT;
  SSLB__GUARD(sslb__queue_reserve(q));
  job_box *b;
  int rc = make_job(c, r, &b);
  if (rc < 0) {
    sslb__queue_unreserve(q);
    return rc;
  }
  b->job.queue = q;
  b->job.cb_ud = tag;
  route(c, b);
  return 0;
}

/* ------------------------------------------------- running on the caller
 *
 * A blocking request to an origin with an idle HTTP/1.1 connection runs on
 * the calling thread: the loop lends it the connection (its descriptor
 * leaves the epoll set, the loop skips it), the caller writes the request
 * and reads the response itself, then gives the connection back and ends
 * the exchange exactly as the loop would have. This saves the two thread
 * hand-overs of a request through the loop, which on a loaded machine cost
 * more than the request. Anything else (HTTP/2, new connections, streamed
 * bodies, sinks) goes through the loop. */

enum inline_end {
  IN_FINISHED,  /* the response is complete */
  IN_BAD,       /* the response broke HTTP/1.1 (the job says how) */
  IN_EOF,       /* the server closed the connection */
  IN_FAILED,    /* the connection failed: rc and err */
  IN_CANCELLED, /* sslb_client_cancel */
  IN_TIMEOUT,   /* the request's deadline */
  IN_IDLE,      /* nothing from the server for the idle timeout */
  IN_CLOSING    /* the client is being freed */
};

/* Waits until the connection is ready for `events`, at most 50 ms at a time
 * so that a cancel, the client's end and the timeouts are seen. */
static enum inline_end inline_wait(sslb_client *c, conn *k, sslb__job *j,
                                   short events, int *ready) {
  int64_t now = now_ms(), limit = now + 50;
  if (j->deadline_ms && j->deadline_ms < limit)
    limit = j->deadline_ms;
  if (c->idle_ms && k->last_rx_ms + (int64_t)c->idle_ms < limit)
    limit = k->last_rx_ms + (int64_t)c->idle_ms;
  struct pollfd p = {.fd = k->fd, .events = events};
  int n = poll(&p, 1, limit > now ? (int)(limit - now) : 0);
  *ready = n > 0;
  if (cancelled(j))
    return IN_CANCELLED;
  if (__atomic_load_n(&c->loop_exiting, __ATOMIC_ACQUIRE))
    return IN_CLOSING;
  if (!*ready) {
    now = now_ms();
    if (j->deadline_ms && now >= j->deadline_ms)
      return IN_TIMEOUT;
    if (c->idle_ms && now - k->last_rx_ms >= (int64_t)c->idle_ms)
      return IN_IDLE;
  }
  return IN_FINISHED; /* not an end: go on */
}

/* The exchange on a lent connection, without the lock. */
static enum inline_end inline_exchange(sslb_client *c, conn *k, sslb__job *j,
                                       int *rc, sslb__err *err) {
  int ready;
  enum inline_end w;
  for (;;) { /* the request */
    while (k->out_off < k->out.len) {
      size_t n = k->out.len - k->out_off;
      ssize_t sent = conn_send(k, k->out.p + k->out_off, n, err);
      if (sent == SSLB__AGAIN) {
        if ((w = inline_wait(c, k, j, POLLOUT, &ready)) != IN_FINISHED)
          return w;
        continue;
      }
      if (sent < 0) {
        *rc = (int)sent;
        return IN_FAILED;
      }
      k->out_off += (size_t)sent;
    }
    k->out.len = k->out_off = 0;
    int more = sslb__h1_more_body(k->h1, &k->out);
    if (more < 0) {
      *rc = j->rc ? j->rc : SSLB_ERR_NO_MEMORY;
      sslb__fail(err, *rc, "%s", sslb__job_msg(j));
      return IN_FAILED;
    }
    if (more == 0)
      break;
  }
  uint8_t buf[READ_CHUNK];
  for (;;) { /* the response */
    ssize_t n = conn_recv(k, buf, sizeof buf, err);
    if (n == SSLB__AGAIN) {
      if (k->tls && sslb__tls_pending(k->tls))
        continue;
      if ((w = inline_wait(c, k, j, POLLIN, &ready)) != IN_FINISHED)
        return w;
      continue;
    }
    if (n < 0) {
      *rc = (int)n;
      return IN_FAILED;
    }
    if (n == 0)
      return IN_EOF;
    k->last_rx_ms = now_ms();
    k->h1_got = 1;
    int st = sslb__h1_feed(k->h1, buf, (size_t)n);
    if (st < 0)
      return IN_BAD;
    if (st == 1)
      return IN_FINISHED;
  }
}

/* Runs j on the calling thread when its origin has an idle HTTP/1.1
 * connection. 1: j has been ended (or handed on, for a redirect or a retry)
 * the way the loop ends it; 0: not taken, route it as usual. */
static int run_inline(sslb_client *c, job_box *b) {
  sslb__job *j = &b->job;
  const sslb_request *r = j->req;
  if (r->reader || r->sink || r->head || j->policy == SSLB_HTTP_2)
    return 0;
  pthread_mutex_lock(&c->run_mu);
  conn *k = NULL;
  if (!__atomic_load_n(&c->loop_exiting, __ATOMIC_ACQUIRE) && !cancelled(j)) {
    const sslb__url *u = &r->url;
    for (origin *o = c->origins; o && !k; o = o->next) {
      if (o->https != u->https || o->port != u->port || strcmp(o->host, u->host) ||
          o->proxied != j->proxied || o->policy != j->policy || o->proto != 1 ||
          o->pend ||
          (j->proxied && (o->via_port != j->via_port || strcmp(o->via_host, j->via_host))))
        continue;
      for (conn *x = o->conns; x && !k; x = x->next)
        if (x->state == C_READY && x->proto == 1 && !x->h1job && !x->inline_run)
          k = x;
    }
  }
  if (k && !k->h1 && !(k->h1 = sslb__h1_new()))
    k = NULL;
  if (k) {
    k->out.len = k->out_off = 0;
    if (sslb__h1_begin(k->h1, j, &k->out) < 0)
      k = NULL;
  }
  if (!k) {
    pthread_mutex_unlock(&c->run_mu);
    return 0;
  }
  fill_tls_facts(k, j);
  k->h1job = j;
  k->h1_got = 0;
  k->last_rx_ms = now_ms();
  j->sent_any = 1;
  k->inline_run = 1;
  epoll_ctl(c->epfd, EPOLL_CTL_DEL, k->fd, NULL);
  k->watched = 0;
  k->events = 0;
  __atomic_add_fetch(&c->checkouts, 1, __ATOMIC_RELEASE);
  c->inline_runners++;
  pthread_mutex_unlock(&c->run_mu);

  int rc = 0;
  sslb__err err = {{0}};
  enum inline_end end = inline_exchange(c, k, j, &rc, &err);

  /* back to the loop; the exchange ends as on_readable would end it */
  pthread_mutex_lock(&c->run_mu);
  k->inline_run = 0;
  __atomic_add_fetch(&c->checkouts, 1, __ATOMIC_RELEASE);
  if (--c->inline_runners == 0)
    pthread_cond_broadcast(&c->inline_cv);
  watch(c, k, 0);
  c->defer_dispatch = 1; /* only this request's own callback runs here */
  switch (end) {
  case IN_FINISHED:
    h1_finished(c, k, sslb__h1_keep_alive(k->h1));
    break;
  case IN_BAD:
    h1_failed(c, k);
    break;
  case IN_EOF:
    if (!k->h1_got)
      conn_close(c, k, SSLB_ERR_CONNECTION_CLOSED,
                 "the server closed the connection without answering");
    else if (sslb__h1_eof(k->h1) == 1)
      h1_finished(c, k, 0);
    else
      h1_failed(c, k);
    break;
  case IN_FAILED:
    conn_fail(c, k, rc, &err);
    break;
  case IN_CANCELLED:
    conn_close(c, k, SSLB_ERR_CANCELLED, "the request was cancelled");
    break;
  case IN_TIMEOUT:
    conn_close(c, k, SSLB_ERR_TIMEOUT, "the request timed out");
    break;
  case IN_IDLE: {
    char msg[320];
    snprintf(msg, sizeof msg, "no data from %s for %u ms", k->o->host,
             c->idle_ms);
    conn_close(c, k, SSLB_ERR_TIMEOUT, msg);
    break;
  }
  case IN_CLOSING:
    conn_close(c, k, SSLB_ERR_CANCELLED, "the client was closed");
    break;
  }
  c->defer_dispatch = 0;
  int wake = c->redispatch;
  pthread_mutex_unlock(&c->run_mu);
  if (wake) {
    uint64_t one = 1;
    (void)!write(c->evfd, &one, sizeof one);
  }
  return 1;
}

int sslb_client_execute(sslb_client *c, sslb_request *r, sslb_response **out) {
  if (out)
    *out = NULL;
  if (!c || !r || !out)
    return SSLB_ERR_INVALID_ARGUMENT;
  job_box *b;
  SSLB__GUARD(make_job(c, r, &b));
  sslb__job *j = &b->job;
  int rc;
  pthread_mutex_init(&j->mu, NULL);
  pthread_cond_init(&j->cv, NULL);
  if (!run_inline(c, b))
    route(c, b);
  pthread_mutex_lock(&j->mu);
  while (!j->done)
    pthread_cond_wait(&j->cv, &j->mu);
  pthread_mutex_unlock(&j->mu);
  pthread_mutex_destroy(&j->mu);
  pthread_cond_destroy(&j->cv);
  rc = j->rc;
  if (rc < 0) {
    sslb_response_free(j->resp);
  } else {
    *out = j->resp; /* a redirect may have replaced the first one */
  }
  sslb_request_free(j->own_req);
  free(b);
  return rc;
}

/* ------------------------------------------------------------ responses */

int sslb_response_status(const sslb_response *r) { return r ? r->status : 0; }
const char *sslb_response_http_version(const sslb_response *r) {
  return r ? r->version : NULL;
}
size_t sslb_response_header_count(const sslb_response *r) {
  return r ? r->nh : 0;
}
const char *sslb_response_header_name(const sslb_response *r, size_t i) {
  return r && i < r->nh ? r->h[i].name : NULL;
}
const char *sslb_response_header_value(const sslb_response *r, size_t i) {
  return r && i < r->nh ? r->h[i].value : NULL;
}
const char *sslb_response_header(const sslb_response *r, const char *name) {
  if (!r || !name)
    return NULL;
  for (size_t i = 0; i < r->nh; i++)
    if (!strcasecmp(r->h[i].name, name))
      return r->h[i].value;
  return NULL;
}
int sslb_response_body(const sslb_response *r, const uint8_t **body,
                       size_t *len) {
  if (!r || !body || !len)
    return SSLB_ERR_INVALID_ARGUMENT;
  *body = r->body.p ? r->body.p : (const uint8_t *)"";
  *len = r->body.len;
  return 0;
}
const char *sslb_response_tls_version(const sslb_response *r) {
  return r ? r->tls_version : NULL;
}
const char *sslb_response_tls_cipher(const sslb_response *r) {
  return r ? r->tls_cipher : NULL;
}
const char *sslb_response_alpn(const sslb_response *r) {
  return r ? r->alpn : NULL;
}
int sslb_response_tls_resumed(const sslb_response *r) {
  return r ? r->resumed : 0;
}
size_t sslb_response_peer_chain_length(const sslb_response *r) {
  return r && r->chain ? r->chain->n : 0;
}

int sslb_response_peer_certificate(const sslb_response *r, size_t i,
                                   sslb_certificate **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  if (!r || !r->chain || i >= r->chain->n)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = sslb_certificate_ref(r->chain->certs[i]);
  return 0;
}

void sslb_response_free(sslb_response *r) {
  if (!r)
    return;
  chain_unref(r->chain);
  sslb__resp_clear_headers(r);
  if (r->h != r->h_own)
    free(r->h);
  sslb__buf_drop(&r->body);
  free(r);
}
