/* The client API without a network: URL parsing, request validation,
 * argument checks, and failures that need no server (refused connections
 * on loopback, unresolvable names are not tried: no traffic leaves the
 * machine). Exchanges with real servers are in tests/interop. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include "http/url.h"
#include "support.h"

static sslb__url parse_ok(const char *s) {
  sslb__url u;
  sslb__err err = {{0}};
  int rc = sslb__url_parse(&u, s, &err);
  cr_assert_eq(rc, 0, "%s: %s", s, err.msg);
  return u;
}

static int parse_rc(const char *s) {
  sslb__url u;
  sslb__err err = {{0}};
  int rc = sslb__url_parse(&u, s, &err);
  if (rc == 0)
    sslb__url_free(&u);
  else
    cr_assert(err.msg[0], "no message for %s", s);
  return rc;
}

Test(url, defaults_and_targets) {
  sslb__url u = parse_ok("https://Example.COM");
  cr_assert_str_eq(u.host, "example.com");
  cr_assert_eq(u.port, 443);
  cr_assert(u.https);
  cr_assert_str_eq(u.target, "/");
  cr_assert_str_eq(u.authority, "example.com");
  sslb__url_free(&u);

  u = parse_ok("http://localhost:8080/a/b%20c?x=1&y=%2F#frag");
  cr_assert(!u.https);
  cr_assert_eq(u.port, 8080);
  cr_assert_str_eq(u.target, "/a/b%20c?x=1&y=%2F");
  cr_assert_str_eq(u.authority, "localhost:8080");
  sslb__url_free(&u);

  u = parse_ok("https://h?q");
  cr_assert_str_eq(u.target, "/?q");
  sslb__url_free(&u);

  u = parse_ok("https://h:443/");
  cr_assert_str_eq(u.authority, "h"); /* default port is not repeated */
  sslb__url_free(&u);
}

Test(url, ipv6_literals_canonical) {
  sslb__url u = parse_ok("https://[0:0:0:0:0:0:0:1]:8443/x");
  cr_assert_str_eq(u.host, "::1");
  cr_assert_eq(u.port, 8443);
  cr_assert_str_eq(u.authority, "[::1]:8443");
  sslb__url_free(&u);
  u = parse_ok("https://[2001:DB8::1]/");
  cr_assert_str_eq(u.host, "2001:db8::1");
  sslb__url_free(&u);
}

Test(url, rejects) {
  cr_assert_eq(parse_rc("ftp://h/"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("not a url"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://user:pw@h/"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://h:0/"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://h:65536/"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://h:123456/"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://h/a b"), SSLB_ERR_URL);
  cr_assert_eq(parse_rc("https://[::g]/"), SSLB_ERR_URL);
}

Test(request, validation) {
  sslb_request *r = NULL;
  cr_assert_eq(sslb_request_new(NULL, "GET", "https://h/"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_new(&r, NULL, "https://h/"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(r);
  cr_assert_eq(sslb_request_new(&r, "GET", NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_new(&r, "G ET", "https://h/"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_new(&r, "GET", "gopher://h/"), SSLB_ERR_URL);
  cr_assert_null(r);
  cr_assert_eq(sslb_request_new(&r, "POST", "https://h/p"), 0);
  cr_assert_eq(sslb_request_add_header(r, "X-Ok", "v"), 0);
  cr_assert_eq(sslb_request_add_header(r, "X-Bad", "a\r\nInjected: 1"),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert(strstr(sslb_request_last_error(r), "CR or LF"));
  cr_assert_eq(sslb_request_add_header(r, "", "v"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_add_header(r, "A:B", "v"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_add_header(r, NULL, "v"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_body(r, NULL, 3), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_body(r, (const uint8_t *)"abc", 3), 0);
  cr_assert_eq(sslb_request_set_body(r, NULL, 0), 0);
  cr_assert_eq(sslb_request_add_header(NULL, "a", "b"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_http_policy(NULL, SSLB_HTTP_2), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_http_policy(r, 3), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_http_policy(r, -1), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_http_policy(r, SSLB_HTTP_1_1), 0);
  cr_assert_str_eq(sslb_request_last_error(NULL), "request handle is NULL");
  sslb_request_free(r);
  sslb_request_free(NULL);
}

Test(client, null_handles) {
  sslb_response *resp = (sslb_response *)1;
  cr_assert_eq(sslb_client_new(NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_execute(NULL, NULL, &resp), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_null(resp);
  cr_assert_eq(sslb_client_submit(NULL, NULL, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_http_policy(NULL, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_timeouts(NULL, 1, 1), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_max_body(NULL, 1), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_identity(NULL, NULL, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_connections_opened(NULL), 0);
  cr_assert_eq(sslb_client_pause(NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(NULL, "a", 1, "b", 2), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_resume(NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_request_set_head_callback(NULL, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_client_free(NULL);
  cr_assert_eq(sslb_response_status(NULL), 0);
  cr_assert_null(sslb_response_header(NULL, "a"));
  cr_assert_null(sslb_response_header_name(NULL, 0));
  const uint8_t *b;
  size_t n;
  cr_assert_eq(sslb_response_body(NULL, &b, &n), SSLB_ERR_INVALID_ARGUMENT);
  sslb_response_free(NULL);
}

static sslb_trust_manager *empty_trust(void) {
  sslb_trust_builder *b;
  sslb_trust_manager *tm;
  cr_assert_eq(sslb_trust_builder_new(&b), 0);
  cr_assert_eq(sslb_trust_builder_replace_defaults(b), 0);
  cr_assert_eq(sslb_trust_builder_build(b, &tm), 0);
  sslb_trust_builder_free(b);
  return tm;
}

/* A loopback port with nothing listening. */
static unsigned closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  getsockname(fd, (struct sockaddr *)&a, &l);
  close(fd);
  return ntohs(a.sin_port);
}

Test(client, refused_connection_is_connect_error) {
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm); /* the client holds its own reference */
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%u/", closed_port());
  sslb_request *r;
  cr_assert_eq(sslb_request_new(&r, "GET", url), 0);
  sslb_response *resp = NULL;
  cr_assert_eq(sslb_client_execute(c, r, &resp), SSLB_ERR_CONNECT);
  cr_assert_null(resp);
  cr_assert(strstr(sslb_request_last_error(r), "127.0.0.1"), "%s",
            sslb_request_last_error(r));
  sslb_request_free(r);
  sslb_client_free(c);
}

static void count_done(void *ud, int rc, sslb_response *resp) {
  int *n = ud;
  cr_assert_eq(rc, SSLB_ERR_CANCELLED == rc ? rc : SSLB_ERR_CONNECT);
  cr_assert_null(resp);
  __atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
}

Test(client, submitted_requests_complete_exactly_once) {
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%u/", closed_port());
  enum { N = 50 };
  sslb_request *r[N];
  int done = 0;
  for (int i = 0; i < N; i++) {
    cr_assert_eq(sslb_request_new(&r[i], "GET", url), 0);
    cr_assert_eq(sslb_client_submit(c, r[i], count_done, &done), 0);
  }
  for (int i = 0; i < 500 && __atomic_load_n(&done, __ATOMIC_RELAXED) < N; i++)
    usleep(10000);
  sslb_client_free(c); /* anything left is cancelled, exactly once */
  cr_assert_eq(done, N);
  for (int i = 0; i < N; i++)
    sslb_request_free(r[i]);
}

typedef struct {
  int done, rc;
} one_result;

static void record(void *ud, int rc, sslb_response *resp) {
  one_result *r = ud;
  sslb_response_free(resp);
  r->rc = rc;
  __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

/* A listener that never accepts: TCP connects, TLS never answers. Its
 * descriptor (to close) and an https URL to it. */
static int silent_listener(char *url, size_t n) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(listen(fd, 16), 0);
  getsockname(fd, (struct sockaddr *)&a, &l);
  snprintf(url, n, "https://127.0.0.1:%u/", ntohs(a.sin_port));
  return fd;
}

Test(client, cancel_ends_a_request_waiting_for_its_handshake) {
  char url[64];
  int fd = silent_listener(url, sizeof url);
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  sslb_request *r;
  cr_assert_eq(sslb_request_new(&r, "GET", url), 0);
  one_result res = {0, 0};
  cr_assert_eq(sslb_client_submit(c, r, record, &res), 0);
  usleep(100000);
  cr_assert_eq(__atomic_load_n(&res.done, __ATOMIC_ACQUIRE), 0, "stalled, not done");
  cr_assert_eq(sslb_client_cancel(c, r), 0);
  for (int i = 0; i < 500 && !__atomic_load_n(&res.done, __ATOMIC_ACQUIRE); i++)
    usleep(10000);
  cr_assert_eq(res.done, 1);
  cr_assert_eq(res.rc, SSLB_ERR_CANCELLED);
  cr_assert(strstr(sslb_request_last_error(r), "cancelled"));
  cr_assert_eq(sslb_client_cancel(NULL, r), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_cancel(c, NULL), SSLB_ERR_INVALID_ARGUMENT);
  sslb_client_free(c);
  sslb_request_free(r);
  close(fd);
}

typedef struct {
  sslb_client *c;
  int done, rc;
} self_free;

static void free_own_client(void *ud, int rc, sslb_response *resp) {
  self_free *s = ud;
  sslb_response_free(resp);
  s->rc = rc;
  sslb_client_free(s->c); /* on the client's own I/O thread */
  __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
}

Test(client, freed_from_its_own_completion_callback) {
  sslb_trust_manager *tm = empty_trust();
  self_free s = {NULL, 0, 0};
  cr_assert_eq(sslb_client_new(&s.c, tm), 0);
  sslb_trust_manager_free(tm);
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%u/", closed_port());
  sslb_request *r, *r2;
  cr_assert_eq(sslb_request_new(&r, "GET", url), 0);
  cr_assert_eq(sslb_request_new(&r2, "GET", url), 0);
  cr_assert_eq(sslb_client_submit(s.c, r, free_own_client, &s), 0);
  for (int i = 0; i < 500 && !__atomic_load_n(&s.done, __ATOMIC_ACQUIRE); i++)
    usleep(10000);
  cr_assert_eq(s.done, 1);
  cr_assert_eq(s.rc, SSLB_ERR_CONNECT);
  /* the loop ends its round and frees the client: the sanitizer and
   * valgrind runs of this test report it if it does not */
  usleep(300000);
  sslb_request_free(r);
  sslb_request_free(r2);
}

Test(queue, null_handles_and_arguments) {
  sslb_queue *q;
  sslb_completion out[2];
  cr_assert_eq(sslb_queue_new(NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_queue_take(NULL, out, 2, 0), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_queue_fd(NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_queue_outstanding(NULL), 0);
  sslb_queue_free(NULL);
  cr_assert_eq(sslb_queue_new(&q), 0);
  cr_assert_eq(sslb_queue_take(q, NULL, 2, 0), SSLB_ERR_INVALID_ARGUMENT);
  /* nothing queued, nothing running: no wait, even without a limit */
  cr_assert_eq(sslb_queue_take(q, out, 2, -1), 0);
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  sslb_request *r;
  cr_assert_eq(sslb_request_new(&r, "GET", "https://127.0.0.1:1/"), 0);
  cr_assert_eq(sslb_client_submit_to_queue(NULL, r, q, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_submit_to_queue(c, NULL, q, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_submit_to_queue(c, r, NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_queue_outstanding(q), 0);
  sslb_client_free(c);
  sslb_request_free(r);
  sslb_queue_free(q);
}

/* Readable now, without waiting? */
static int readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

Test(queue, every_completion_arrives_once_with_its_tag) {
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c[2];
  for (int i = 0; i < 2; i++)
    cr_assert_eq(sslb_client_new(&c[i], tm), 0);
  sslb_trust_manager_free(tm);
  sslb_queue *q;
  cr_assert_eq(sslb_queue_new(&q), 0);
  int fd = sslb_queue_fd(q);
  cr_assert_geq(fd, 0);
  cr_assert_eq(sslb_queue_fd(q), fd, "one descriptor for the queue's life");
  cr_assert_not(readable(fd));
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%u/", closed_port());
  enum { N = 300 };
  static sslb_request *r[N];
  static int seen[N];
  for (int i = 0; i < N; i++) {
    cr_assert_eq(sslb_request_new(&r[i], "GET", url), 0);
    cr_assert_eq(sslb_client_submit_to_queue(c[i % 2], r[i], q, &seen[i]), 0);
  }
  size_t got = 0;
  sslb_completion out[7]; /* fewer than are queued: taken in several rounds */
  while (got < N) {
    long n = sslb_queue_take(q, out, 7, 10000);
    cr_assert_gt(n, 0, "%zu of %d completions before the wait ran out", got, N);
    for (long i = 0; i < n; i++) {
      int *tag = out[i].tag;
      cr_assert(tag >= seen && tag < seen + N);
      cr_assert_eq(out[i].rc, SSLB_ERR_CONNECT);
      cr_assert_null(out[i].response);
      (*tag)++;
    }
    got += (size_t)n;
  }
  for (int i = 0; i < N; i++) {
    cr_assert_eq(seen[i], 1, "request %d completed %d times", i, seen[i]);
    cr_assert(strstr(sslb_request_last_error(r[i]), "127.0.0.1"));
  }
  cr_assert_eq(sslb_queue_outstanding(q), 0);
  cr_assert_not(readable(fd), "the descriptor is quiet once the queue is empty");
  cr_assert_eq(sslb_queue_take(q, out, 7, -1), 0);
  /* one more: the descriptor wakes a poller once it has landed */
  cr_assert_eq(sslb_client_submit_to_queue(c[0], r[0], q, &seen[0]), 0);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  cr_assert_eq(poll(&p, 1, 10000), 1);
  cr_assert_eq(sslb_queue_outstanding(q), 1);
  cr_assert_eq(sslb_queue_take(q, out, 7, 0), 1);
  cr_assert_eq(out[0].tag, &seen[0]);
  cr_assert_not(readable(fd));
  for (int i = 0; i < 2; i++)
    sslb_client_free(c[i]);
  for (int i = 0; i < N; i++)
    sslb_request_free(r[i]);
  sslb_queue_free(q);
}

Test(queue, dropped_while_its_requests_run) {
  char url[64]; /* the requests wait for their handshake */
  int fd = silent_listener(url, sizeof url);
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  sslb_queue *q;
  cr_assert_eq(sslb_queue_new(&q), 0);
  cr_assert_geq(sslb_queue_fd(q), 0);
  enum { N = 5 };
  sslb_request *r[N];
  for (int i = 0; i < N; i++) {
    cr_assert_eq(sslb_request_new(&r[i], "GET", url), 0);
    cr_assert_eq(sslb_client_submit_to_queue(c, r[i], q, NULL), 0);
  }
  sslb_completion out[N];
  /* a bounded wait that runs out returns nothing */
  cr_assert_eq(sslb_queue_take(q, out, N, 50), 0);
  cr_assert_eq(sslb_queue_take(q, out, N, 0), 0);
  cr_assert_eq(sslb_queue_outstanding(q), N);
  cr_assert_eq(sslb_client_cancel(c, r[0]), 0);
  cr_assert_eq(sslb_queue_take(q, out, N, 10000), 1);
  cr_assert_eq(out[0].rc, SSLB_ERR_CANCELLED);
  /* the owner lets go; the client's end cancels the rest into the dropped
   * queue, which the last of them frees (ASan and valgrind watch this) */
  sslb_queue_free(q);
  sslb_client_free(c);
  for (int i = 0; i < N; i++)
    sslb_request_free(r[i]);
  close(fd);
}

/* A plain-HTTP server on one connection: answers the first `answer`
 * requests ("ok", kept alive), then reads and never answers. */
typedef struct {
  int lfd;
  unsigned port;
  int answer;
  pthread_t tid;
} plain_server;

static void *plain_serve(void *arg) {
  plain_server *s = arg;
  int fd = accept(s->lfd, NULL, NULL);
  if (fd < 0)
    return NULL;
  char buf[4096];
  size_t have = 0;
  for (int served = 0;;) {
    ssize_t n = recv(fd, buf + have, sizeof buf - have - 1, 0);
    if (n <= 0)
      break; /* the client went away */
    have += (size_t)n;
    buf[have] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (!end)
      continue;
    have = 0; /* one request at a time: GETs without bodies */
    if (served++ < s->answer) {
      static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      if (send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL) < 0)
        break;
    }
  }
  close(fd);
  return NULL;
}

static void plain_start(plain_server *s, int answer) {
  s->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t l = sizeof a;
  cr_assert_eq(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
  cr_assert_eq(listen(s->lfd, 4), 0);
  getsockname(s->lfd, (struct sockaddr *)&a, &l);
  s->port = ntohs(a.sin_port);
  s->answer = answer;
  cr_assert_eq(pthread_create(&s->tid, NULL, plain_serve, s), 0);
}

static void plain_stop(plain_server *s) {
  pthread_join(s->tid, NULL);
  close(s->lfd);
}

typedef struct {
  sslb_client *c;
  sslb_request *r;
  int rc;
  char msg[256];
} exec_arg;

static void *exec_thread(void *arg) {
  exec_arg *e = arg;
  sslb_response *resp = NULL;
  e->rc = sslb_client_execute(e->c, e->r, &resp);
  snprintf(e->msg, sizeof e->msg, "%s", sslb_request_last_error(e->r));
  sslb_response_free(resp);
  return NULL;
}

/* The second request reuses the idle keep-alive connection on the calling
 * thread; each way of ending it early must reach that thread. */
static void second_request_stalls(int how) {
  plain_server s;
  plain_start(&s, 1);
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  if (how == 2)
    cr_assert_eq(sslb_client_set_timeouts(c, 2000, 300), 0);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
  sslb_request *r1, *r2;
  cr_assert_eq(sslb_request_new(&r1, "GET", url), 0);
  cr_assert_eq(sslb_request_new(&r2, "GET", url), 0);
  sslb_response *resp = NULL;
  cr_assert_eq(sslb_client_execute(c, r1, &resp), 0, "%s", sslb_request_last_error(r1));
  const uint8_t *body;
  size_t len;
  cr_assert_eq(sslb_response_body(resp, &body, &len), 0);
  cr_assert_eq(len, 2);
  cr_assert_eq(memcmp(body, "ok", 2), 0);
  sslb_response_free(resp);
  exec_arg e = {c, r2, 1, ""};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, exec_thread, &e), 0);
  usleep(200000);
  if (how == 0) {
    cr_assert_eq(sslb_client_cancel(c, r2), 0);
    pthread_join(t, NULL);
    cr_assert_eq(e.rc, SSLB_ERR_CANCELLED, "%d %s", e.rc, e.msg);
    cr_assert(strstr(e.msg, "cancelled"), "%s", e.msg);
    cr_assert_eq(sslb_client_connections_opened(c), 1);
    sslb_client_free(c);
  } else if (how == 1) {
    sslb_client_free(c); /* while the other thread runs its request */
    pthread_join(t, NULL);
    cr_assert_eq(e.rc, SSLB_ERR_CANCELLED, "%d %s", e.rc, e.msg);
    cr_assert(strstr(e.msg, "client was closed"), "%s", e.msg);
  } else {
    pthread_join(t, NULL);
    cr_assert_eq(e.rc, SSLB_ERR_TIMEOUT, "%d %s", e.rc, e.msg);
    sslb_client_free(c);
  }
  sslb_request_free(r1);
  sslb_request_free(r2);
  plain_stop(&s);
}

Test(client, request_on_the_calling_thread_is_cancelled) { second_request_stalls(0); }
Test(client, request_on_the_calling_thread_ends_with_its_client) {
  second_request_stalls(1);
}
Test(client, request_on_the_calling_thread_times_out) { second_request_stalls(2); }

Test(client, sequential_requests_share_one_connection) {
  plain_server s;
  plain_start(&s, 100);
  sslb_trust_manager *tm = empty_trust();
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, tm), 0);
  sslb_trust_manager_free(tm);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
  for (int i = 0; i < 100; i++) {
    sslb_request *r;
    cr_assert_eq(sslb_request_new(&r, "GET", url), 0);
    sslb_response *resp = NULL;
    cr_assert_eq(sslb_client_execute(c, r, &resp), 0, "%d: %s", i, sslb_request_last_error(r));
    cr_assert_eq(sslb_response_status(resp), 200);
    sslb_response_free(resp);
    sslb_request_free(r);
  }
  cr_assert_eq(sslb_client_connections_opened(c), 1);
  sslb_client_free(c); /* the server sees the close and ends */
  plain_stop(&s);
}

/* Adds the kernel ids of this process's threads to seen[]; returns the
 * number of distinct ids seen so far. */
static size_t note_threads(long *seen, size_t n, size_t cap) {
  DIR *d = opendir("/proc/self/task");
  cr_assert_not_null(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    long tid = strtol(e->d_name, NULL, 10);
    if (tid <= 0)
      continue;
    size_t i = 0;
    while (i < n && seen[i] != tid)
      i++;
    if (i == n && n < cap)
      seen[n++] = tid;
  }
  closedir(d);
  return n;
}

Test(client, threads_are_reused_across_clients) {
  /* every thread that ever drew random bytes costs GnuTLS memory until
   * the process ends, so clients made one after another must run on the
   * same few threads, not each on new ones */
  sslb_trust_manager *tm = empty_trust();
  char url[64];
  snprintf(url, sizeof url, "https://127.0.0.1:%u/", closed_port());
  enum { ROUNDS = 200, CAP = 1024 };
  static long seen[CAP];
  size_t before = note_threads(seen, 0, CAP), n = before;
  for (int i = 0; i < ROUNDS; i++) {
    sslb_client *c;
    cr_assert_eq(sslb_client_new(&c, tm), 0);
    sslb_request *r;
    cr_assert_eq(sslb_request_new(&r, "GET", url), 0);
    sslb_response *resp = NULL;
    cr_assert_eq(sslb_client_execute(c, r, &resp), SSLB_ERR_CONNECT);
    sslb_request_free(r);
    n = note_threads(seen, n, CAP);
    sslb_client_free(c);
  }
  sslb_trust_manager_free(tm);
  /* two threads per client (event loop, resolver), taken again each time */
  cr_assert_leq(n - before, 4, "%zu distinct threads over %d clients",
                n - before, ROUNDS);
}

Test(client, hostname_and_connection_settings) {
  sslb_client *c;
  cr_assert_eq(sslb_client_new(&c, NULL), 0);
  cr_assert_eq(sslb_client_set_hostname_policy(NULL, SSLB_HOSTNAME_BOTH),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_hostname_policy(c, -1), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_hostname_policy(c, SSLB_HOSTNAME_NONE + 1),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_hostname_policy(c, SSLB_HOSTNAME_CLIENT), 0);
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 70000, "b", 1), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 1, "b", 70000), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(c, "a b", 1, "b", 2), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 1, "b/c", 2), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 1, "b\r\n", 2), SSLB_ERR_INVALID_ARGUMENT);
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 1, longname, 2), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_add_connect_to(c, NULL, 0, NULL, 0), 0); /* matches all, keeps all */
  cr_assert_eq(sslb_client_add_connect_to(c, "a", 1, "b", 2), 0);
  cr_assert_eq(sslb_client_set_hostname_verifier(NULL, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_hostname_verifier(c, NULL, NULL), 0);
  cr_assert_eq(sslb_client_set_connection_callback(NULL, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_connection_callback(c, NULL, NULL), 0);
  /* a server name is a host name: nothing that could split a header or a
   * path, and no longer than a DNS name may be */
  cr_assert_eq(sslb_client_set_server_name(NULL, "a"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_server_name(c, "evil\r\nx"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_server_name(c, "a/b"), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_server_name(c, "a b"), SSLB_ERR_INVALID_ARGUMENT);
  char long_name[300];
  memset(long_name, 'a', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = 0;
  cr_assert_eq(sslb_client_set_server_name(c, long_name), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_client_set_server_name(c, "localhost"), 0);
  cr_assert_eq(sslb_client_set_server_name(c, NULL), 0);
  /* connection views: NULL-safe */
  cr_assert_str_eq(sslb_connection_host(NULL), "");
  cr_assert_eq(sslb_connection_port(NULL), 0);
  cr_assert_eq(sslb_connection_set_socket_factory(NULL, NULL), SSLB_ERR_INVALID_ARGUMENT);
  cr_assert_eq(sslb_connection_set_hostname_verifier(NULL, NULL, NULL),
               SSLB_ERR_INVALID_ARGUMENT);
  sslb_client_free(c);
}
