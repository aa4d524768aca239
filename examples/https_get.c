#define _POSIX_C_SOURCE 200809L
/* sslb-get: a verified GET (or any method) through the client core.
 *   sslb-get URL [--keystore F --password P] [--cacert F] [--http1.1|--http2]
 *            [-X METHOD] [-d BODY] [-n COUNT] [-c THREADS]
 *            [--repeat N [--pause MS] [--request-policy any,1.1,2]]
 *            [--stream | --slow-reader] [--async [--window N]]
 * Trust comes from the keystore's certificates (Java's
 * TrustManagerFactory.init(keyStore)) or a CA file; the system store
 * otherwise. With -n/-c it runs COUNT requests from THREADS threads on one
 * client and prints a summary line (used by the tests). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sslbind/sslbind.h>
#include <zlib.h>

/* --upload N: a body of N bytes made by a reader (pattern bytes), sent
 * chunked with --chunked */
static long upload_left;
static long pattern_reader(void *ud, uint8_t *buf, size_t len) {
  (void)ud;
  size_t n = (size_t)upload_left < len ? (size_t)upload_left : len;
  for (size_t i = 0; i < n; i++)
    buf[i] = (uint8_t)('a' + (upload_left - (long)i) % 26);
  upload_left -= (long)n;
  return (long)n;
}
static long upload_size = -1;
static int upload_chunked;

/* --stream: the body goes to stdout as it arrives, not buffered */
static int stream_out;
static int write_out(void *ud, const uint8_t *p, size_t n) {
  (void)ud;
  return fwrite(p, 1, n, stdout) == n ? 0 : 1;
}

/* --slow-reader: the body goes through a queue that a consumer thread
 * empties. Three times, the consumer lets the queue fill; the request is
 * paused once 4 MiB are queued and the consumer holds still for 100 ms (the server fills the socket or the
 * stream window meanwhile), then takes everything and resumes it; after
 * that the body flows unpaused, so the client must be reading again on its
 * own. A head callback prints the status as soon as the head arrives. The
 * body is not written out: the end prints its length and CRC-32, how often
 * the request paused and the most queued up to the last resume. */
static int slow_reader;
static struct {
  pthread_mutex_t mu;
  uint8_t *p;
  size_t len, cap, most, total;
  unsigned long crc;
  int paused, pauses, done;
  sslb_client *c;
  sslb_request *r;
} slow = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int slow_head(void *ud, const sslb_response *head) {
  (void)ud;
  fprintf(stderr, "head\t%d\t%s\n", sslb_response_status(head),
          sslb_response_http_version(head));
  return 0;
}

static int slow_sink(void *ud, const uint8_t *p, size_t n) {
  (void)ud;
  pthread_mutex_lock(&slow.mu);
  if (slow.len + n > slow.cap) {
    size_t cap = (slow.len + n) * 2;
    uint8_t *q = realloc(slow.p, cap);
    if (!q) {
      pthread_mutex_unlock(&slow.mu);
      return 1;
    }
    slow.p = q;
    slow.cap = cap;
  }
  memcpy(slow.p + slow.len, p, n);
  slow.len += n;
  if (slow.len > slow.most && (slow.pauses < 3 || slow.paused))
    slow.most = slow.len; /* while pausing is in play */
  if (slow.len > (4u << 20) && !slow.paused && slow.pauses < 3) {
    slow.paused = 1;
    slow.pauses++;
    sslb_client_pause(slow.c, slow.r);
  }
  pthread_mutex_unlock(&slow.mu);
  return 0;
}

static void *slow_writer(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&slow.mu);
    int was_paused = slow.paused;
    /* until its third pause the reader only waits for the queue to fill */
    int waiting = !slow.paused && slow.pauses < 3 && !slow.done;
    pthread_mutex_unlock(&slow.mu);
    if (waiting) {
      struct timespec idle = {0, 200000};
      nanosleep(&idle, NULL);
      continue;
    }
    if (was_paused) {
      struct timespec hold = {0, 100 * 1000000};
      nanosleep(&hold, NULL);
    }
    pthread_mutex_lock(&slow.mu);
    uint8_t *p = slow.p; /* everything queued, taken at once */
    size_t n = slow.len;
    slow.p = NULL;
    slow.len = slow.cap = 0;
    if (slow.paused) {
      slow.paused = 0;
      sslb_client_resume(slow.c, slow.r);
    }
    int done = slow.done && n == 0;
    pthread_mutex_unlock(&slow.mu);
    if (n) {
      slow.crc = crc32(slow.crc, p, (unsigned)n);
      slow.total += n;
    }
    free(p);
    if (done)
      return NULL;
    if (!n) {
      struct timespec idle = {0, 200000};
      nanosleep(&idle, NULL);
    }
  }
}

/* The i-th (cycled) policy of a list like "any,1.1,2". */
static int nth_policy(const char *list, int i) {
  int n = 1;
  for (const char *p = list; *p; p++)
    n += *p == ',';
  const char *p = list;
  for (int k = i % n; k > 0; k--)
    p = strchr(p, ',') + 1;
  if (!strncmp(p, "1.1", 3))
    return SSLB_HTTP_1_1;
  if (p[0] == '2')
    return SSLB_HTTP_2;
  return SSLB_HTTP_ANY;
}

/* --verify-callback accept|reject: an application verify callback with
 * the last word, printing what it saw */
static int verify_says_accept;
static int verify_callback(void *ud, const char *host, sslb_certificate *const *chain,
                           size_t n, int verdict, const char *report) {
  (void)ud, (void)chain, (void)report;
  fprintf(stderr, "callback\t%s\t%zu\t%s\n", host ? host : "-", n,
          verdict ? sslb_error_name(verdict) : "trusted");
  return verify_says_accept ? 0 : 1;
}

static const char *hdrs[16];
static int nhdrs;

typedef struct {
  sslb_client *c;
  const char *url, *method, *body;
  int count, ok, failed, verbose;
  int first_rc;
  char first_err[2048];
  pthread_mutex_t *mu;
} work;

static int one(work *w, int print) {
  sslb_request *r;
  sslb_response *resp = NULL;
  int rc = sslb_request_new(&r, w->method, w->url);
  if (rc < 0) {
    fprintf(stderr, "error\t%s\tbad request\n", sslb_error_name(rc));
    return rc;
  }
  if (w->body)
    sslb_request_set_body(r, (const uint8_t *)w->body, strlen(w->body));
  pthread_t writer;
  int slow_now = stream_out && print && slow_reader;
  if (slow_now) {
    slow.c = w->c;
    slow.r = r;
    sslb_request_set_head_callback(r, slow_head, NULL);
    sslb_request_set_body_sink(r, slow_sink, NULL);
    if (pthread_create(&writer, NULL, slow_writer, NULL) != 0)
      slow_now = 0;
  } else if (stream_out && print) {
    sslb_request_set_body_sink(r, write_out, NULL);
  }
  if (upload_size >= 0) {
    upload_left = upload_size;
    sslb_request_set_body_reader(r, pattern_reader, NULL,
                                 upload_chunked ? -1 : upload_size);
  }
  for (int i = 0; i < nhdrs; i++) {
    char name[256];
    const char *colon = strchr(hdrs[i], ':');
    if (!colon || (size_t)(colon - hdrs[i]) >= sizeof name)
      continue;
    memcpy(name, hdrs[i], (size_t)(colon - hdrs[i]));
    name[colon - hdrs[i]] = 0;
    const char *v = colon + 1;
    while (*v == ' ')
      v++;
    sslb_request_add_header(r, name, v);
  }
  rc = sslb_client_execute(w->c, r, &resp);
  if (slow_now) {
    pthread_mutex_lock(&slow.mu);
    slow.done = 1;
    pthread_mutex_unlock(&slow.mu);
    pthread_join(writer, NULL);
    fprintf(stderr, "body\t%zu\tcrc32\t%08lx\npauses\t%d\tmost_queued\t%zu\n",
            slow.total, slow.crc, slow.pauses, slow.most);
    free(slow.p);
  }
  if (rc < 0) {
    pthread_mutex_lock(w->mu);
    if (!w->first_rc) {
      w->first_rc = rc;
      snprintf(w->first_err, sizeof w->first_err, "%s", sslb_request_last_error(r));
    }
    pthread_mutex_unlock(w->mu);
  } else if (print) {
    const uint8_t *b;
    size_t n;
    sslb_response_body(resp, &b, &n);
    fprintf(stderr, "status\t%d\nversion\t%s\ntls\t%s\t%s\talpn\t%s\tresumed\t%d\n",
            sslb_response_status(resp), sslb_response_http_version(resp),
            sslb_response_tls_version(resp), sslb_response_tls_cipher(resp),
            sslb_response_alpn(resp), sslb_response_tls_resumed(resp));
    for (size_t i = 0; i < sslb_response_peer_chain_length(resp); i++) {
      sslb_certificate *pc;
      if (sslb_response_peer_certificate(resp, i, &pc) == 0) {
        fprintf(stderr, "peer\t%zu\t%s\t%s\n", i, sslb_certificate_subject(pc),
                sslb_certificate_spki_pin(pc));
        sslb_certificate_free(pc);
      }
    }
    for (size_t i = 0; i < sslb_response_header_count(resp); i++)
      fprintf(stderr, "header\t%s\t%s\n", sslb_response_header_name(resp, i),
              sslb_response_header_value(resp, i));
    fwrite(b, 1, n, stdout);
  }
  sslb_response_free(resp);
  sslb_request_free(r);
  return rc;
}

/* --async: every request submitted at once, completions counted; with
 * --window N at most N at a time, each completion submitting the next (as
 * h2load -m N keeps N streams busy) */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int left, ok, failed, bad_body, first_rc;
  size_t expect_len;
  sslb_client *c;
  const char *url;
  sslb_request **reqs;
  int next, count; /* the next request to submit, of count */
} batch;

static void on_done(void *ud, int rc, sslb_response *resp);

/* Submits request i; 0, or -1 when it could not be (the caller counts it
 * as a completed, failed request). */
static int submit_one(batch *b, int i) {
  return sslb_request_new(&b->reqs[i], "GET", b->url) < 0 ||
                 sslb_client_submit(b->c, b->reqs[i], on_done, b) < 0
             ? -1
             : 0;
}

/* A request that could not be submitted. Called with b->mu held. */
static void not_submitted(batch *b) {
  b->failed++;
  b->left--;
  if (!b->first_rc)
    b->first_rc = SSLB_ERR_NO_MEMORY;
}

static void on_done(void *ud, int rc, sslb_response *resp) {
  batch *b = ud;
  pthread_mutex_lock(&b->mu);
  if (rc == 0) {
    const uint8_t *p;
    size_t n;
    sslb_response_body(resp, &p, &n);
    if (sslb_response_status(resp) == 200 && (!b->expect_len || n == b->expect_len))
      b->ok++;
    else
      b->bad_body++;
  } else {
    b->failed++;
    if (!b->first_rc)
      b->first_rc = rc;
  }
  --b->left;
  /* windowed: the next one takes this one's place */
  while (b->next < b->count && submit_one(b, b->next++) < 0)
    not_submitted(b);
  if (b->left == 0)
    pthread_cond_signal(&b->cv);
  pthread_mutex_unlock(&b->mu);
  sslb_response_free(resp);
}

static int run_async(sslb_client *c, const char *url, int count, int window,
                     size_t expect_len) {
  sslb_request **reqs = calloc((size_t)count, sizeof *reqs);
  if (!reqs)
    return 1;
  batch b = {.left = count, .expect_len = expect_len, .c = c, .url = url,
             .reqs = reqs, .count = count};
  pthread_mutex_init(&b.mu, NULL);
  pthread_cond_init(&b.cv, NULL);
  int first = window > 0 && window < count ? window : count;
  b.next = first; /* completions submit from here on */
  for (int i = 0; i < first; i++)
    if (submit_one(&b, i) < 0) {
      pthread_mutex_lock(&b.mu);
      not_submitted(&b);
      pthread_mutex_unlock(&b.mu);
    }
  pthread_mutex_lock(&b.mu);
  while (b.left > 0)
    pthread_cond_wait(&b.cv, &b.mu);
  pthread_mutex_unlock(&b.mu);
  printf("requests\t%d\tok\t%d\tfailed\t%d\tbad\t%d\tconnections\t%zu\n", count, b.ok,
         b.failed, b.bad_body, sslb_client_connections_opened(c));
  if (b.failed)
    fprintf(stderr, "error\t%s\tfirst failure\n", sslb_error_name(b.first_rc));
  for (int i = 0; i < count; i++)
    sslb_request_free(reqs[i]);
  free(reqs);
  return b.failed || b.bad_body ? 2 : 0;
}

static void *runner(void *arg) {
  work *w = arg;
  for (;;) {
    pthread_mutex_lock(w->mu);
    if (w->count <= 0) {
      pthread_mutex_unlock(w->mu);
      return NULL;
    }
    w->count--;
    pthread_mutex_unlock(w->mu);
    int rc = one(w, 0);
    pthread_mutex_lock(w->mu);
    if (rc == 0)
      w->ok++;
    else
      w->failed++;
    pthread_mutex_unlock(w->mu);
  }
}

int main(int argc, char **argv) {
  const char *url = NULL, *ks_path = NULL, *pw = NULL, *cacert = NULL;
  const char *method = "GET", *body = NULL, *identity = NULL, *resolve = NULL;
  const char *connect_to = NULL;
  int repeat = 0, insecure = 0;
  const char *pin = NULL, *callback = NULL;
  const char *policies = NULL; /* --request-policy any,1.1,2: per request, cycled */
  size_t max_body = 0;
  int pause_ms = 0;
  unsigned redirects = 0;
  int cancel_ms = -1, env_proxy = 0;
  const char *proxy = NULL, *noproxy = NULL;
  int policy = SSLB_HTTP_ANY, count = 0, threads = 1, async = 0, window = 0;
  size_t expect_len = 0;
  unsigned connect_ms = 10000, request_ms = 30000, idle_ms = 30000;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--keystore") && v)
      ks_path = v, i++;
    else if (!strcmp(a, "--password") && v)
      pw = v, i++;
    else if (!strcmp(a, "--identity") && v)
      identity = v, i++; /* FILE:ALIAS, store password from --password */
    else if (!strcmp(a, "--verify-callback") && v)
      callback = v, i++; /* accept | reject */
    else if (!strcmp(a, "--insecure"))
      insecure = 1; /* trust-all: development only, warns */
    else if (!strcmp(a, "--pin") && v)
      pin = v, i++; /* PATTERN=sha256/...: OkHttp-style SPKI pin */
    else if (!strcmp(a, "--cacert") && v)
      cacert = v, i++;
    else if (!strcmp(a, "--http1.1"))
      policy = SSLB_HTTP_1_1;
    else if (!strcmp(a, "--http2"))
      policy = SSLB_HTTP_2;
    else if (!strcmp(a, "-X") && v)
      method = v, i++;
    else if (!strcmp(a, "-d") && v)
      body = v, i++;
    else if (!strcmp(a, "-n") && v)
      count = atoi(v), i++;
    else if (!strcmp(a, "-c") && v)
      threads = atoi(v), i++;
    else if (!strcmp(a, "--connect-timeout") && v)
      connect_ms = (unsigned)atoi(v), i++;
    else if (!strcmp(a, "--idle-timeout") && v)
      idle_ms = (unsigned)atoi(v), i++;
    else if (!strcmp(a, "--max-time") && v)
      request_ms = (unsigned)atoi(v), i++;
    else if (!strcmp(a, "-H") && v)
      hdrs[nhdrs < 16 ? nhdrs++ : 15] = v, i++; /* "Name: value" */
    else if (!strcmp(a, "--cancel-after") && v)
      cancel_ms = atoi(v), i++; /* submit, then cancel after MS */
    else if (!strcmp(a, "--proxy") && v)
      proxy = v, i++;
    else if (!strcmp(a, "--noproxy") && v)
      noproxy = v, i++;
    else if (!strcmp(a, "--upload") && v)
      upload_size = atol(v), i++;
    else if (!strcmp(a, "--chunked"))
      upload_chunked = 1;
    else if (!strcmp(a, "--stream"))
      stream_out = 1;
    else if (!strcmp(a, "--slow-reader"))
      stream_out = slow_reader = 1;
    else if (!strcmp(a, "--env-proxy"))
      env_proxy = 1;
    else if (!strcmp(a, "--location") && v)
      redirects = (unsigned)atoi(v), i++; /* follow up to N redirects */
    else if (!strcmp(a, "--max-body") && v)
      max_body = (size_t)atol(v), i++;
    else if (!strcmp(a, "--resolve") && v)
      resolve = v, i++; /* HOST:PORT:ADDR as curl */
    else if (!strcmp(a, "--connect-to") && v)
      connect_to = v, i++; /* HOST1:PORT1:HOST2:PORT2 as curl, parts may be empty */
    else if (!strcmp(a, "--repeat") && v)
      repeat = atoi(v), i++; /* sequential requests, each on a new connection */
    else if (!strcmp(a, "--request-policy") && v)
      policies = v, i++; /* with --repeat: each request's own ALPN policy */
    else if (!strcmp(a, "--pause") && v)
      pause_ms = atoi(v), i++; /* with --repeat: keep-alive, wait between */
    else if (!strcmp(a, "--async"))
      async = 1;
    else if (!strcmp(a, "--window") && v)
      window = atoi(v), i++;
    else if (!strcmp(a, "--expect-length") && v)
      expect_len = (size_t)atol(v), i++;
    else
      url = a;
  }
  if (!url) {
    fprintf(stderr, "usage: sslb-get URL [--keystore F --password P] [--cacert F] ...\n");
    return 2;
  }
  sslb_trust_builder *b;
  sslb_trust_manager *tm = NULL;
  int rc = sslb_trust_builder_new(&b);
  if (rc == 0 && (ks_path || cacert))
    rc = sslb_trust_builder_replace_defaults(b);
  if (rc == 0 && ks_path) {
    sslb_keystore *ks;
    rc = sslb_keystore_new(&ks);
    if (rc == 0 && (rc = sslb_keystore_load_file(ks, ks_path, pw)) < 0)
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_keystore_last_error(ks));
    if (rc == 0)
      rc = sslb_trust_builder_add_keystore(b, ks);
    sslb_keystore_free(ks);
  }
  if (rc == 0 && cacert)
    rc = sslb_trust_builder_add_file(b, cacert);
  if (rc == 0 && insecure)
    rc = sslb_trust_builder_insecure_trust_all(b);
  if (rc == 0 && callback) {
    verify_says_accept = !strcmp(callback, "accept");
    rc = sslb_trust_builder_set_verify_callback(b, verify_callback, NULL);
  }
  if (rc == 0 && pin) {
    char pattern[256];
    const char *eq = strchr(pin, '=');
    if (!eq || (size_t)(eq - pin) >= sizeof pattern) {
      rc = SSLB_ERR_INVALID_ARGUMENT;
    } else {
      memcpy(pattern, pin, (size_t)(eq - pin));
      pattern[eq - pin] = 0;
      rc = sslb_trust_builder_add_pin(b, pattern, eq + 1);
    }
  }
  if (rc == 0)
    rc = sslb_trust_builder_build(b, &tm);
  if (rc < 0) {
    fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_trust_builder_last_error(b));
    sslb_trust_builder_free(b);
    return 2;
  }
  sslb_trust_builder_free(b);
  sslb_client *c;
  if ((rc = sslb_client_new(&c, tm)) < 0) {
    fprintf(stderr, "error\t%s\tclient\n", sslb_error_name(rc));
    sslb_trust_manager_free(tm);
    return 2;
  }
  sslb_trust_manager_free(tm);
  if (identity) {
    char file[1024];
    const char *colon = strrchr(identity, ':');
    sslb_keystore *iks = NULL;
    if (!colon || (size_t)(colon - identity) >= sizeof file) {
      fprintf(stderr, "error\tINVALID_ARGUMENT\t--identity FILE:ALIAS\n");
      sslb_client_free(c);
      return 2;
    }
    memcpy(file, identity, (size_t)(colon - identity));
    file[colon - identity] = 0;
    if ((rc = sslb_keystore_new(&iks)) < 0 ||
        (rc = sslb_keystore_load_file(iks, file, pw)) < 0 ||
        (rc = sslb_client_set_identity(c, iks, colon + 1, NULL)) < 0) {
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_keystore_last_error(iks));
      sslb_keystore_free(iks);
      sslb_client_free(c);
      return 2;
    }
    sslb_keystore_free(iks);
  }
  sslb_client_set_http_policy(c, policy);
  sslb_client_set_timeouts(c, connect_ms, request_ms);
  sslb_client_set_idle_timeout(c, idle_ms);
  if (max_body)
    sslb_client_set_max_body(c, max_body);
  sslb_client_set_redirects(c, redirects);
  if ((proxy && (rc = sslb_client_set_proxy(c, proxy, noproxy)) < 0) ||
      (env_proxy && (rc = sslb_client_use_environment_proxy(c)) < 0)) {
    fprintf(stderr, "error\t%s\tproxy\n", sslb_error_name(rc));
    sslb_client_free(c);
    return 2;
  }
  if (resolve) {
    char host[256], addr[64];
    unsigned port;
    if (sscanf(resolve, "%255[^:]:%u:%63s", host, &port, addr) != 3 ||
        sslb_client_add_resolve(c, host, port, addr) < 0) {
      fprintf(stderr, "error\tINVALID_ARGUMENT\t--resolve HOST:PORT:ADDR\n");
      sslb_client_free(c);
      return 2;
    }
  }
  if (connect_to) {
    char f[4][256] = {{0}};
    const char *p = connect_to;
    int n = 0;
    for (; n < 4; n++) {
      const char *e = n < 3 ? strchr(p, ':') : p + strlen(p);
      if (!e || (size_t)(e - p) >= sizeof f[n])
        break;
      memcpy(f[n], p, (size_t)(e - p));
      p = e + 1;
    }
    if (n != 4 || sslb_client_add_connect_to(c, f[0], (unsigned)atoi(f[1]), f[2],
                                             (unsigned)atoi(f[3])) < 0) {
      fprintf(stderr, "error\tINVALID_ARGUMENT\t--connect-to HOST1:PORT1:HOST2:PORT2\n");
      sslb_client_free(c);
      return 2;
    }
  }
  pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  work w = {.c = c, .url = url, .method = method, .body = body, .mu = &mu};
  int status = 0;
  if (cancel_ms >= 0) {
    batch one_req = {.left = 1};
    pthread_mutex_init(&one_req.mu, NULL);
    pthread_cond_init(&one_req.cv, NULL);
    sslb_request *r;
    if (sslb_request_new(&r, method, url) < 0 ||
        sslb_client_submit(c, r, on_done, &one_req) < 0)
      return 2;
    nanosleep(&(struct timespec){cancel_ms / 1000, (cancel_ms % 1000) * 1000000L}, NULL);
    sslb_client_cancel(c, r);
    pthread_mutex_lock(&one_req.mu);
    while (one_req.left > 0)
      pthread_cond_wait(&one_req.cv, &one_req.mu);
    pthread_mutex_unlock(&one_req.mu);
    if (one_req.failed) {
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(one_req.first_rc),
              sslb_request_last_error(r));
      status = 2;
    }
    sslb_request_free(r);
  } else if (repeat > 0) {
    /* each request asks the server to close, so each uses a new
     * connection: the later ones show TLS session resumption */
    for (int i = 0; i < repeat && status == 0; i++) {
      sslb_request *r;
      sslb_response *resp = NULL;
      if (sslb_request_new(&r, method, url) < 0) {
        status = 2;
        break;
      }
      if (pause_ms > 0 && i > 0)
        nanosleep(&(struct timespec){pause_ms / 1000, (pause_ms % 1000) * 1000000L}, NULL);
      if (pause_ms == 0 && !policies)
        sslb_request_add_header(r, "Connection", "close");
      if (policies)
        sslb_request_set_http_policy(r, nth_policy(policies, i));
      rc = sslb_client_execute(c, r, &resp);
      if (rc < 0) {
        fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), sslb_request_last_error(r));
        status = 2;
      } else {
        printf("request\t%d\tstatus\t%d\tresumed\t%d\tversion\t%s\n", i,
               sslb_response_status(resp), sslb_response_tls_resumed(resp),
               sslb_response_http_version(resp));
      }
      sslb_response_free(resp);
      sslb_request_free(r);
    }
    printf("connections\t%zu\n", sslb_client_connections_opened(c));
  } else if (async && count > 0) {
    status = run_async(c, url, count, window, expect_len);
  } else if (count <= 0) {
    rc = one(&w, 1);
    if (rc < 0) {
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(rc), w.first_err);
      status = 2;
    }
  } else {
    w.count = count;
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    for (int i = 0; i < threads; i++)
      pthread_create(&t[i], NULL, runner, &w);
    for (int i = 0; i < threads; i++)
      pthread_join(t[i], NULL);
    free(t);
    printf("requests\t%d\tok\t%d\tfailed\t%d\tconnections\t%zu\n", count, w.ok, w.failed,
           sslb_client_connections_opened(c));
    if (w.failed) {
      fprintf(stderr, "error\t%s\t%s\n", sslb_error_name(w.first_rc), w.first_err);
      status = 2;
    }
  }
  sslb_client_free(c);
  return status;
}
