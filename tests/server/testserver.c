/* sslb-testserver: the project's own HTTPS test server (HTTP/1.1 and
 * HTTP/2 over GnuTLS) with well-known endpoints and fault modes, so the
 * client's error handling can be tested against misbehaviour that real
 * servers only show by accident. Loopback only.
 *
 * This file: command line, identity (through the public sslbind keystore
 * API), the listener, one thread per connection, and per connection the
 * TLS handshake and a poll loop that moves bytes between the socket and
 * the HTTP front end (srv_h1.c, srv_h2.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/x509.h>
#include <sslbind/sslbind.h>

#include "srv.h"
#include "testserver.h"

#define MAX_CONNS 1024
#define DRAIN_MS 2000 /* how long a closing connection reads what is left */
#define RESET_PAUSE_MS 100

atomic_ulong srv_connections;
atomic_ulong srv_requests;
atomic_ulong srv_streams_open;
atomic_ulong srv_streams_peak;
atomic_int srv_goaway_once_used;
atomic_int srv_stopping;
int srv_quiet;
uint32_t srv_max_streams = 100;

static gnutls_certificate_credentials_t g_cred;
static gnutls_priority_t g_prio;
static gnutls_datum_t g_ticket_key;
static gnutls_datum_t g_alpn[2];
static unsigned g_nalpn;
static int g_h2_only;
static int g_client_ca, g_require_cert;

/* ------------------------------------------------------------------ */
/* small helpers                                                       */
/* ------------------------------------------------------------------ */

int64_t srv_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_log(const char *proto, const char *method, const char *target,
             int status) {
  if (srv_quiet)
    return;
  /* one fprintf: stdio locks the stream, so lines never interleave */
  if (status)
    fprintf(stderr, "%s %s %s %d\n", proto, method, target, status);
  else
    fprintf(stderr, "%s %s %s -\n", proto, method, target);
}

int srv_buf_add(srv_buf *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *q = realloc(b->p, cap);
    if (!q)
      return -1;
    b->p = q;
    b->cap = cap;
  }
  if (n)
    memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = 0;
  return 0;
}

void srv_buf_free(srv_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

size_t srv_out_queued(const srv_conn *c) { return c->out_len - c->out_off; }

int srv_out_add(srv_conn *c, const void *p, size_t n) {
  if (c->out_len + n > c->out_cap) {
    /* Sliding the pending bytes down is safe even while a record send is
     * pending: GnuTLS keeps its own copy of that record. */
    if (c->out_off) {
      memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
    }
    if (c->out_len + n > c->out_cap) {
      size_t cap = c->out_cap ? c->out_cap : 32768;
      while (cap < c->out_len + n)
        cap *= 2;
      uint8_t *q = realloc(c->out, cap);
      if (!q)
        return -1;
      c->out = q;
      c->out_cap = cap;
    }
  }
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
  return 0;
}

int srv_out_printf(srv_conn *c, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return -1;
  if ((size_t)n < sizeof tmp)
    return srv_out_add(c, tmp, (size_t)n);
  char *big = malloc((size_t)n + 1);
  if (!big)
    return -1;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  int rc = srv_out_add(c, big, (size_t)n);
  free(big);
  return rc;
}

void srv_close(srv_conn *c, int mode) {
  if (mode > c->close_mode)
    c->close_mode = mode;
}

static const char *g_prog = "sslb-testserver";

_Noreturn static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: ", g_prog);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

/* ------------------------------------------------------------------ */
/* connections                                                         */
/* ------------------------------------------------------------------ */

/* A connection thread, as the listener sees it. */
typedef struct slot slot;
struct slot {
  pthread_t tid;
  int fd;   /* -1 once the thread closed it; guarded by g_slots_mu */
  int done; /* the thread is about to return */
  slot *next;
};

static pthread_mutex_t g_slots_mu = PTHREAD_MUTEX_INITIALIZER;
static slot *g_slots;
static int g_nslots;

/* Writes as much of the output as the socket takes. -1 on a dead socket. */
static int flush_out(srv_conn *c, int64_t now) {
  while (c->out_off < c->out_len) {
    size_t n = c->out_again;
    if (!n) {
      n = c->out_len - c->out_off;
      if (n > SRV_CHUNK)
        n = SRV_CHUNK;
    }
    ssize_t r = gnutls_record_send(c->tls, c->out + c->out_off, n);
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
      c->out_again = n; /* GnuTLS wants the same call again */
      return 0;
    }
    if (r < 0)
      return -1;
    c->out_again = 0;
    c->out_off += (size_t)r;
    c->last_io_ms = now;
  }
  c->out_off = c->out_len = 0;
  return 0;
}

/* One record from the client. 1: data or progress, 0: nothing now,
 * -1: the connection is broken. */
static int read_some(srv_conn *c, const srv_proto *proto, int64_t now) {
  uint8_t buf[SRV_CHUNK];
  ssize_t r = gnutls_record_recv(c->tls, buf, sizeof buf);
  if (r > 0) {
    c->last_io_ms = now;
    return proto->input(c, buf, (size_t)r) < 0 ? -1 : 1;
  }
  if (r == 0) {
    c->peer_eof = 1;
    return 1;
  }
  if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
    return 0;
  if (r == GNUTLS_E_PREMATURE_TERMINATION) {
    c->peer_eof = 1; /* closed without close_notify: same for us */
    return 1;
  }
  if (!gnutls_error_is_fatal((int)r)) {
    if (r == GNUTLS_E_REHANDSHAKE) /* TLS 1.2 renegotiation: declined */
      gnutls_alert_send(c->tls, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
    return 1;
  }
  return -1;
}

/* Waits until the socket is ready for `events` or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline) {
  int64_t left = deadline - srv_now_ms();
  if (left <= 0)
    return 0;
  struct pollfd pfd = {.fd = fd, .events = events};
  int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
  return r < 0 && errno != EINTR ? -1 : 1;
}

static void finish(srv_conn *c, int mode);

static int handshake(srv_conn *c) {
  int64_t deadline = srv_now_ms() + SRV_HANDSHAKE_MS;
  for (;;) {
    if (atomic_load(&srv_stopping))
      return -1;
    int r = gnutls_handshake(c->tls);
    if (r == 0)
      return 0;
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
      short ev = gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN;
      int w = wait_fd(c->fd, ev, deadline);
      if (w <= 0) {
        if (w == 0 && !srv_quiet)
          fprintf(stderr, "TLS handshake timed out\n");
        return -1;
      }
      continue;
    }
    if (!gnutls_error_is_fatal(r))
      continue;
    if (!srv_quiet)
      fprintf(stderr, "TLS handshake failed: %s\n", gnutls_strerror(r));
    gnutls_alert_send_appropriate(c->tls, r);
    /* let the alert reach the client instead of an RST */
    finish(c, SRV_CLOSE_ABRUPT);
    return -1;
  }
}

/* Client certificates: one that is sent must chain to --client-ca and
 * allow client authentication; whether one must be sent at all is GnuTLS's
 * REQUIRE/REQUEST decision. (gnutls_session_set_verify_cert would also
 * fail the handshake of a client that sends none.) */
static int verify_client(gnutls_session_t s) {
  unsigned n = 0, status = 0;
  if (!gnutls_certificate_get_peers(s, &n) || n == 0)
    return 0;
  gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
                                   .data = (void *)GNUTLS_KP_TLS_WWW_CLIENT};
  if (gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 ||
      status != 0) {
    gnutls_datum_t why = {NULL, 0};
    if (!srv_quiet &&
        gnutls_certificate_verification_status_print(
            status, GNUTLS_CRT_X509, &why, 0) == 0)
      fprintf(stderr, "TLS client certificate refused: %s\n", why.data);
    gnutls_free(why.data);
    return GNUTLS_E_CERTIFICATE_ERROR;
  }
  return 0;
}

/* The client certificate's subject DN (RFC 4514), or NULL. */
static char *client_dn(gnutls_session_t s) {
  unsigned n = 0;
  const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
  gnutls_x509_crt_t crt;
  gnutls_datum_t dn = {NULL, 0};
  char *out = NULL;
  if (!peers || !n || gnutls_x509_crt_init(&crt) < 0)
    return NULL;
  if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0 &&
      gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0)
    out = strndup((const char *)dn.data, dn.size);
  gnutls_free(dn.data);
  gnutls_x509_crt_deinit(crt);
  return out;
}

/* Reads and drops whatever the client still sends, up to DRAIN_MS, so
 * that closing does not turn into an RST that destroys the response the
 * client has not read yet. */
static void drain(int fd) {
  int64_t deadline = srv_now_ms() + DRAIN_MS;
  char buf[4096];
  while (!atomic_load(&srv_stopping) && wait_fd(fd, POLLIN, deadline) > 0) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      break;
  }
}

static void finish(srv_conn *c, int mode) {
  switch (mode) {
  case SRV_CLOSE_GRACEFUL:
    /* best effort: close_notify goes out if the socket takes it now */
    gnutls_bye(c->tls, GNUTLS_SHUT_WR);
    shutdown(c->fd, SHUT_WR);
    drain(c->fd);
    break;
  case SRV_CLOSE_ABRUPT:
    shutdown(c->fd, SHUT_WR);
    drain(c->fd);
    break;
  case SRV_CLOSE_RESET: {
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    break;
  }
  default:
    break;
  }
}

static void serve(srv_conn *c, const srv_proto *proto) {
  int64_t reset_at = 0;
  for (;;) {
    if (atomic_load(&srv_stopping))
      return;
    int64_t now = srv_now_ms();
    if (proto->produce(c, now) < 0)
      return;
    /* The front end stops generating at SRV_OUT_HIGH: when the socket has
     * just taken all the output there may be more to generate at once, so
     * the poll below must not sleep. */
    int more = c->out_len > 0;
    if (flush_out(c, now) < 0)
      return;
    more = more && c->out_len == 0;
    if (c->close_mode && c->out_len == 0) {
      if (c->close_mode != SRV_CLOSE_RESET) {
        finish(c, c->close_mode);
        return;
      }
      /* a moment for the client to take in the head and body part, so the
       * reset lands mid-body rather than before the response */
      if (!reset_at)
        reset_at = now + RESET_PAUSE_MS;
      if (now >= reset_at) {
        finish(c, SRV_CLOSE_RESET);
        return;
      }
    }
    int can_read = !c->read_paused && !c->peer_eof && !c->close_mode;
    if (can_read && gnutls_record_check_pending(c->tls) > 0) {
      if (read_some(c, proto, now) < 0)
        return;
      continue;
    }
    /* the idle limit counts only while no timer of the front end runs */
    int64_t wake = proto->next_wake(c);
    if (wake == INT64_MAX) {
      if (now >= c->last_io_ms + SRV_IDLE_MS) {
        finish(c, SRV_CLOSE_GRACEFUL);
        return;
      }
      wake = c->last_io_ms + SRV_IDLE_MS;
    }
    if (reset_at && reset_at < wake)
      wake = reset_at;
    if (more)
      wake = now;
    struct pollfd pfd = {.fd = c->fd};
    if (can_read)
      pfd.events |= POLLIN;
    if (c->out_len)
      pfd.events |= POLLOUT;
    int64_t left = wake - now;
    int r = poll(&pfd, 1, left < 0 ? 0 : left > 60000 ? 60000 : (int)left);
    if (r < 0 && errno != EINTR)
      return;
    if (r <= 0)
      continue;
    if ((pfd.revents & (POLLERR | POLLNVAL)) ||
        ((pfd.revents & POLLHUP) && !can_read))
      return;
    if (can_read && (pfd.revents & (POLLIN | POLLHUP))) {
      /* a few records per wakeup, then the output gets its turn */
      for (int i = 0; i < 8; i++) {
        int rr = read_some(c, proto, srv_now_ms());
        if (rr < 0)
          return;
        if (rr == 0 || c->peer_eof || c->read_paused)
          break;
      }
    }
  }
}

static void *conn_main(void *arg) {
  slot *sl = arg;
  srv_conn conn = {.fd = sl->fd, .last_io_ms = srv_now_ms()};
  srv_conn *c = &conn;
  char *dn = NULL;
  const srv_proto *proto = NULL;
  int flags = fcntl(c->fd, F_GETFL);
  int one = 1;
  fcntl(c->fd, F_SETFL, flags | O_NONBLOCK);
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (gnutls_init(&c->tls, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) <
      0)
    goto out;
  if (gnutls_priority_set(c->tls, g_prio) < 0 ||
      gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, g_cred) < 0 ||
      gnutls_session_ticket_enable_server(c->tls, &g_ticket_key) < 0 ||
      gnutls_alpn_set_protocols(c->tls, g_alpn, g_nalpn,
                                GNUTLS_ALPN_SERVER_PRECEDENCE |
                                    (g_h2_only ? GNUTLS_ALPN_MANDATORY : 0)) <
          0)
    goto out;
  if (g_client_ca)
    gnutls_certificate_server_set_request(
        c->tls, g_require_cert ? GNUTLS_CERT_REQUIRE : GNUTLS_CERT_REQUEST);
  gnutls_handshake_set_timeout(c->tls, SRV_HANDSHAKE_MS);
  gnutls_transport_set_int(c->tls, c->fd);
  if (handshake(c) < 0)
    goto out;

  gnutls_datum_t alpn;
  int h2 = gnutls_alpn_get_selected_protocol(c->tls, &alpn) == 0 &&
           alpn.size == 2 && !memcmp(alpn.data, "h2", 2);
  if (g_h2_only && !h2) {
    if (!srv_quiet)
      fprintf(stderr, "TLS client did not negotiate h2: closed\n");
    finish(c, SRV_CLOSE_GRACEFUL);
    goto out;
  }
  c->client_dn = dn = client_dn(c->tls);
  proto = h2 ? &srv_h2 : &srv_h1;
  if (proto->start(c) == 0)
    serve(c, proto);

out:
  if (proto)
    proto->free(c);
  if (c->tls)
    gnutls_deinit(c->tls);
  free(dn);
  free(c->out);
  pthread_mutex_lock(&g_slots_mu);
  close(sl->fd);
  sl->fd = -1;
  sl->done = 1;
  pthread_mutex_unlock(&g_slots_mu);
  return NULL;
}

/* Joins finished connection threads (all of them when `all`). */
static void reap(int all) {
  for (;;) {
    slot *found = NULL;
    pthread_mutex_lock(&g_slots_mu);
    for (slot **pp = &g_slots; *pp; pp = &(*pp)->next)
      if (all || (*pp)->done) {
        found = *pp;
        *pp = found->next;
        g_nslots--;
        break;
      }
    pthread_mutex_unlock(&g_slots_mu);
    if (!found)
      return;
    pthread_join(found->tid, NULL);
    free(found);
  }
}

static void start_conn(int fd) {
  reap(0);
  slot *sl = calloc(1, sizeof *sl);
  if (!sl || g_nslots >= MAX_CONNS) {
    free(sl);
    close(fd);
    return;
  }
  sl->fd = fd;
  /* connection threads never take the signals: the listener does */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pthread_mutex_lock(&g_slots_mu);
  int rc = pthread_create(&sl->tid, NULL, conn_main, sl);
  if (rc == 0) {
    sl->next = g_slots;
    g_slots = sl;
    g_nslots++;
  }
  pthread_mutex_unlock(&g_slots_mu);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    close(fd);
    free(sl);
  }
}

/* ------------------------------------------------------------------ */
/* identity                                                            */
/* ------------------------------------------------------------------ */

/* The keystore's private-key entry (chosen by alias when there are
 * several) goes to GnuTLS as an unencrypted PEM bundle that lives only in
 * memory and is wiped after use. */
static void load_keystore(const char *path, const char *password,
                          const char *alias) {
  sslb_keystore *ks;
  size_t idx = 0, nkeys = 0;
  int rc = sslb_keystore_new(&ks);
  if (rc < 0)
    die("keystore: %s", sslb_strerror(rc));
  if ((rc = sslb_keystore_load_file(ks, path, password)) < 0)
    die("cannot load keystore %s: %s (%s)", path, sslb_keystore_last_error(ks),
        sslb_error_name(rc));
  if (alias) {
    if ((rc = sslb_keystore_find(ks, alias, &idx)) < 0)
      die("keystore %s has no entry \"%s\" (%s)", path, alias,
          sslb_error_name(rc));
    if (sslb_keystore_entry_kind(ks, idx) != SSLB_ENTRY_PRIVATE_KEY)
      die("keystore entry \"%s\" in %s is not a private key", alias, path);
  } else {
    for (size_t i = 0; i < sslb_keystore_size(ks); i++)
      if (sslb_keystore_entry_kind(ks, i) == SSLB_ENTRY_PRIVATE_KEY) {
        if (!nkeys++)
          idx = i;
      }
    if (!nkeys)
      die("keystore %s has no private-key entry", path);
    if (nkeys > 1)
      die("keystore %s has %zu private-key entries: choose one with --alias",
          path, nkeys);
  }
  if (sslb_keystore_entry_locked(ks, idx) == 1)
    die("the key \"%s\" in %s has its own key password, which this server "
        "cannot take",
        sslb_keystore_entry_alias(ks, idx), path);
  /* Only the chosen entry may go out: trusted certificates in the bundle
   * would be read as part of the chain. */
  char *keep = strdup(sslb_keystore_entry_alias(ks, idx));
  if (!keep)
    die("out of memory");
  for (size_t i = sslb_keystore_size(ks); i-- > 0;) {
    const char *a = sslb_keystore_entry_alias(ks, i);
    if (strcmp(a, keep) != 0) {
      char *copy = strdup(a);
      if (!copy || (rc = sslb_keystore_remove(ks, copy)) < 0)
        die("keystore %s: cannot set entry aside", path);
      free(copy);
    }
  }
  free(keep);
  uint8_t *pem = NULL;
  size_t len = 0;
  if ((rc = sslb_keystore_save(ks, SSLB_FORMAT_PEM, NULL, &pem, &len)) < 0)
    die("cannot export the key of keystore %s: %s (%s)", path,
        sslb_keystore_last_error(ks), sslb_error_name(rc));
  gnutls_datum_t d = {pem, (unsigned)len};
  /* the same bundle as both: GnuTLS takes the certificates from one and
   * the key from the other */
  rc = gnutls_certificate_set_x509_key_mem(g_cred, &d, &d, GNUTLS_X509_FMT_PEM);
  gnutls_memset(pem, 0, len);
  sslb_free(pem);
  sslb_keystore_free(ks);
  if (rc < 0)
    die("keystore %s: GnuTLS refused the key: %s", path, gnutls_strerror(rc));
}

/* ------------------------------------------------------------------ */
/* main                                                                */
/* ------------------------------------------------------------------ */

static int g_sigpipe[2] = {-1, -1};

static void on_signal(int sig) {
  int saved = errno;
  char b = (char)sig;
  if (write(g_sigpipe[1], &b, 1) < 0) {
    /* the pipe is full: a stop is pending already */
  }
  errno = saved;
}

static unsigned long g_default_port;

static void usage(FILE *f) {
  fprintf(f, "usage: %s [options]\n", g_prog);
  fprintf(f,
      "  --keystore FILE --password PW [--alias A]  identity from a keystore\n"
      "  --cert FILE --key FILE      identity from PEM files\n"
      "  --address ADDR              loopback only (default 127.0.0.1)\n"
      "  --port N                    default %s\n"
      "  --alpn LIST                 default h2,http/1.1\n"
      "  --client-ca FILE            CA(s) for client certificates\n"
      "  --require-client-cert       fail handshakes without one\n"
      "  --max-streams N             HTTP/2 concurrent streams (100)\n"
      "  --quiet                     no request log on stderr\n"
      "Prints \"listening ADDR PORT\" once ready; stops on SIGTERM/SIGINT.\n",
      g_default_port ? "8443 (0: ephemeral)" : "0: ephemeral");
}

static unsigned long parse_num(const char *opt, const char *v,
                               unsigned long max) {
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (!*v || *end || errno || n > max || v[0] == '-')
    die("%s: expected a number up to %lu, got \"%s\"", opt, max, v);
  return n;
}

static void parse_alpn(const char *list) {
  const char *p = list;
  while (*p) {
    size_t n = strcspn(p, ",");
    const char *tok = n == 2 && !strncmp(p, "h2", 2)         ? "h2"
                      : n == 8 && !strncmp(p, "http/1.1", 8) ? "http/1.1"
                                                             : NULL;
    if (!tok)
      die("--alpn: unknown protocol \"%.*s\" (h2, http/1.1)", (int)n, p);
    for (unsigned i = 0; i < g_nalpn; i++)
      if (!strcmp((const char *)g_alpn[i].data, tok))
        die("--alpn: \"%s\" given twice", tok);
    if (g_nalpn == 2)
      die("--alpn: at most two protocols");
    g_alpn[g_nalpn].data = (unsigned char *)tok;
    g_alpn[g_nalpn++].size = (unsigned)strlen(tok);
    p += n;
    if (*p == ',')
      p++;
  }
  if (!g_nalpn)
    die("--alpn: empty list");
  g_h2_only = g_nalpn == 1 && !strcmp((const char *)g_alpn[0].data, "h2");
}

int srv_main(int argc, char **argv, const srv_main_options *opt) {
  const char *keystore = NULL, *password = NULL, *alias = NULL;
  const char *cert = NULL, *key = NULL, *client_ca = NULL;
  const char *address = "127.0.0.1", *alpn = "h2,http/1.1";
  if (opt && opt->prog)
    g_prog = opt->prog;
  g_default_port = opt ? opt->default_port : 0;
  unsigned long port = g_default_port;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--quiet")) {
      srv_quiet = 1;
      continue;
    }
    if (!strcmp(a, "--require-client-cert")) {
      g_require_cert = 1;
      continue;
    }
    if (i + 1 >= argc)
      die("%s: unknown option or missing value (see --help)", a);
    const char *v = argv[++i];
    if (!strcmp(a, "--keystore"))
      keystore = v;
    else if (!strcmp(a, "--password"))
      password = v;
    else if (!strcmp(a, "--alias"))
      alias = v;
    else if (!strcmp(a, "--cert"))
      cert = v;
    else if (!strcmp(a, "--key"))
      key = v;
    else if (!strcmp(a, "--address"))
      address = v;
    else if (!strcmp(a, "--port"))
      port = parse_num(a, v, 65535);
    else if (!strcmp(a, "--alpn"))
      alpn = v;
    else if (!strcmp(a, "--client-ca"))
      client_ca = v;
    else if (!strcmp(a, "--max-streams"))
      srv_max_streams = (uint32_t)parse_num(a, v, UINT32_MAX);
    else
      die("unknown option %s (see --help)", a);
  }
  if (!!keystore == !!(cert || key))
    die("give either --keystore FILE or --cert FILE --key FILE");
  if (!keystore && (!cert || !key))
    die("--cert and --key go together");
  if (!keystore && (password || alias))
    die("--password and --alias apply to --keystore only");
  if (g_require_cert && !client_ca)
    die("--require-client-cert needs --client-ca FILE to verify against");
  parse_alpn(alpn);

  /* loopback only: this server exists to misbehave */
  struct sockaddr_storage ss = {0};
  socklen_t sslen;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, address, &sin->sin_addr) == 1) {
    if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
      die("--address %s is not a loopback address (127.0.0.0/8 or ::1)",
          address);
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    sslen = sizeof *sin;
  } else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) == 1) {
    if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
      die("--address %s is not a loopback address (127.0.0.0/8 or ::1)",
          address);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    sslen = sizeof *sin6;
  } else {
    die("--address %s: a numeric loopback address is needed (127.0.0.1, ::1)",
        address);
  }

  int rc;
  if ((rc = gnutls_global_init()) < 0 ||
      (rc = gnutls_certificate_allocate_credentials(&g_cred)) < 0 ||
      (rc = gnutls_priority_init(&g_prio, "NORMAL", NULL)) < 0 ||
      (rc = gnutls_session_ticket_key_generate(&g_ticket_key)) < 0)
    die("GnuTLS: %s", gnutls_strerror(rc));
  if (keystore) {
    load_keystore(keystore, password, alias);
  } else if ((rc = gnutls_certificate_set_x509_key_file(
                  g_cred, cert, key, GNUTLS_X509_FMT_PEM)) < 0) {
    die("cannot use --cert %s --key %s: %s", cert, key, gnutls_strerror(rc));
  }
  if (client_ca) {
    rc = gnutls_certificate_set_x509_trust_file(g_cred, client_ca,
                                                GNUTLS_X509_FMT_PEM);
    if (rc <= 0)
      die("--client-ca %s: %s", client_ca,
          rc == 0 ? "no certificate in it" : gnutls_strerror(rc));
    g_client_ca = 1;
    gnutls_certificate_set_verify_function(g_cred, verify_client);
  }

  int lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (lfd < 0)
    die("socket: %s", strerror(errno));
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6)
    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(lfd, (struct sockaddr *)&ss, sslen) < 0 || listen(lfd, 128) < 0)
    die("cannot listen on %s port %lu: %s", address, port, strerror(errno));
  sslen = sizeof ss;
  getsockname(lfd, (struct sockaddr *)&ss, &sslen);
  char host[INET6_ADDRSTRLEN];
  inet_ntop(ss.ss_family,
            ss.ss_family == AF_INET ? (void *)&sin->sin_addr
                                    : (void *)&sin6->sin6_addr,
            host, sizeof host);
  unsigned bound = ntohs(ss.ss_family == AF_INET ? sin->sin_port
                                                 : sin6->sin6_port);

  if (pipe(g_sigpipe) < 0)
    die("pipe: %s", strerror(errno));
  fcntl(g_sigpipe[0], F_SETFL, O_NONBLOCK);
  fcntl(g_sigpipe[1], F_SETFL, O_NONBLOCK);
  fcntl(g_sigpipe[0], F_SETFD, FD_CLOEXEC);
  fcntl(g_sigpipe[1], F_SETFD, FD_CLOEXEC);
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  printf("listening %s %u\n", host, bound);
  if (opt && opt->announce_url)
    printf(ss.ss_family == AF_INET6 ? "url https://[%s]:%u/\n"
                                    : "url https://%s:%u/\n",
           host, bound);
  fflush(stdout);

  for (;;) {
    struct pollfd pfd[2] = {{.fd = lfd, .events = POLLIN},
                            {.fd = g_sigpipe[0], .events = POLLIN}};
    int r = poll(pfd, 2, 1000);
    if (r < 0 && errno != EINTR)
      die("poll: %s", strerror(errno));
    if (r > 0 && pfd[1].revents)
      break;
    if (r > 0 && (pfd[0].revents & POLLIN)) {
      int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0) {
        atomic_fetch_add(&srv_connections, 1);
        start_conn(fd);
      } else if (errno == EMFILE || errno == ENFILE) {
        /* out of descriptors: give the connections a moment to finish */
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
      }
    }
    reap(0);
  }

  /* Stop: no new connections; every connection's socket is shut down,
   * which wakes its thread, and every thread is joined. */
  atomic_store(&srv_stopping, 1);
  close(lfd);
  pthread_mutex_lock(&g_slots_mu);
  for (slot *sl = g_slots; sl; sl = sl->next)
    if (sl->fd >= 0)
      shutdown(sl->fd, SHUT_RDWR);
  pthread_mutex_unlock(&g_slots_mu);
  reap(1);
  close(g_sigpipe[0]);
  close(g_sigpipe[1]);
  gnutls_memset(g_ticket_key.data, 0, g_ticket_key.size);
  gnutls_free(g_ticket_key.data);
  gnutls_priority_deinit(g_prio);
  gnutls_certificate_free_credentials(g_cred);
  gnutls_global_deinit();
  return 0;
}

#ifndef SRV_NO_MAIN
int main(int argc, char **argv) {
  srv_main_options opt = {"sslb-testserver", 0, 0};
  return srv_main(argc, argv, &opt);
}
#endif
