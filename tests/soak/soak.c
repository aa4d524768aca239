/* sslb-soak: many requests from many threads against the project's test
 * server, a share of them asking it to misbehave (resets, stalls, bodies
 * cut short, GOAWAY, garbage, bad chunks, refusals), over HTTP/2 and
 * HTTP/1.1, submitted and blocking, some cancelled. Public API only.
 *
 *   sslb-soak URL-BASE CA-FILE [--requests N] [--threads T] [--seed S]
 *             [--max-growth KIB]
 *
 * Checks, and exits 1 if any fails:
 *   - every request ends exactly once (a completion callback or a return);
 *   - a success carries the exact body the server sends for its path;
 *   - a failure has a code of the library's own (never unknown) and a
 *     message; a plain /bytes request fails only when it shared its
 *     connection with a fault that ended the connection;
 *   - no request ends later than its deadline plus a margin;
 *   - the resident set does not grow by more than KIB (16 MiB; 0: not
 *     checked, for sanitizer builds, whose allocators keep freed memory)
 *     between 20% of the run and its end.
 * Prints a summary: counts by outcome, the longest wait, the RSS. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sslbind/sslbind.h>

#define REQUEST_MS 1000 /* the client's deadline for each request */
#define MARGIN_MS 3000  /* a request may end this much later, no more */
#define WINDOW 64       /* submitted requests in flight per thread */

typedef struct {
  const char *path;
  int weight;
  int bytes; /* > 0: a success must carry pattern bytes of this length */
} kind;

/* what is asked for, and how often (in a thousand) */
static const kind KINDS[] = {
    {"/bytes/100", 534, 100},
    {"/bytes/20000", 150, 20000},
    {"/delay/20", 60, 0},
    {"/fault/rst", 30, 0},
    {"/fault/close-mid-body", 30, 0},
    {"/fault/goaway", 25, 0},
    {"/fault/stall", 8, 0},
    {"/fault/stall-body", 8, 0},
    {"/fault/garbage", 25, 0},
    {"/fault/bad-chunk", 30, 0},
    {"/fault/refuse", 30, 0},
    {"/redirect/2", 40, 0},
    {"/status/404", 30, 0},
};
#define NKINDS (sizeof KINDS / sizeof KINDS[0])

typedef struct {
  int kind;
  int policy;
  int64_t start_ms;
  sslb_request *req;
} slot;

typedef struct {
  sslb_client *c;
  const char *base;
  unsigned seed;
  int count; /* requests this thread makes */
  int first; /* index of its first request in the shared tables */
  /* submitted and not yet completed */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int inflight;
} worker;

static atomic_int *ended;      /* per request: times it ended */
static atomic_long outcomes[2]; /* [0] successes, [1] failures */
static atomic_long by_code[128];
static atomic_long bad;         /* failed checks */
static atomic_long cancelled_on_purpose;
static atomic_long longest_ms;
static atomic_long bytes_failed; /* /bytes requests that failed */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = 0;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      v = atol(line + 6);
  if (f)
    fclose(f);
  return v;
}

static int pick(unsigned *seed) {
  int r = (int)(rand_r(seed) % 1000), acc = 0;
  for (size_t i = 0; i < NKINDS; i++) {
    acc += KINDS[i].weight;
    if (r < acc)
      return (int)i;
  }
  return 0;
}

static void fail_check(const char *what, int id, const slot *s, int rc, const char *msg) {
  atomic_fetch_add(&bad, 1);
  if (atomic_load(&bad) <= 20)
    fprintf(stderr, "soak: request %d (%s, %s): %s (rc %d %s: %s)\n", id,
            KINDS[s->kind].path, s->policy == SSLB_HTTP_2 ? "h2" : "http/1.1", what, rc,
            sslb_error_name(rc), msg ? msg : "");
}

/* Everything a request's end must satisfy. */
static void judge(int id, slot *s, int rc, sslb_response *resp) {
  int times = atomic_fetch_add(&ended[id], 1) + 1;
  if (times != 1)
    fail_check("ended more than once", id, s, rc, "");
  long waited = (long)(now_ms() - s->start_ms);
  long prev = atomic_load(&longest_ms);
  while (waited > prev && !atomic_compare_exchange_weak(&longest_ms, &prev, waited)) {
  }
  if (waited > REQUEST_MS + MARGIN_MS)
    fail_check("ended after its deadline and the margin", id, s, rc, "");
  const kind *k = &KINDS[s->kind];
  if (rc == 0) {
    atomic_fetch_add(&outcomes[0], 1);
    if (k->bytes > 0) {
      const uint8_t *b;
      size_t n;
      if (sslb_response_body(resp, &b, &n) < 0 || n != (size_t)k->bytes ||
          sslb_response_status(resp) != 200) {
        char what[160];
        snprintf(what, sizeof what, "a success with the wrong body: status %d, %zu bytes",
                 sslb_response_status(resp), sslb_response_body(resp, &b, &n) < 0 ? 0 : n);
        fail_check(what, id, s, rc, "");
      } else {
        for (size_t i = 0; i < n; i++)
          if (b[i] != (uint8_t)('a' + i % 26)) {
            fail_check("a success with corrupted bytes", id, s, rc, "");
            break;
          }
      }
    }
    sslb_response_free(resp);
    return;
  }
  atomic_fetch_add(&outcomes[1], 1);
  if (-rc > 0 && -rc < 128)
    atomic_fetch_add(&by_code[-rc], 1);
  const char *name = sslb_error_name(rc);
  const char *msg = sslb_request_last_error(s->req);
  if (!name || !strcmp(name, "UNKNOWN") || rc == SSLB_ERR_INTERNAL)
    fail_check("an unknown or internal error code", id, s, rc, msg);
  else if (!msg || !*msg)
    fail_check("a failure without a message", id, s, rc, msg);
  if (k->bytes > 0)
    atomic_fetch_add(&bytes_failed, 1);
}

/* The request is done with: freed at once, so that the resident set
 * measures the library, not requests kept for the summary. */
static void release(slot *s) {
  sslb_request_free(s->req);
  s->req = NULL;
}

typedef struct {
  worker *w;
  int id;
  slot *s;
} pending;

static slot *slots;

static void on_done(void *ud, int rc, sslb_response *resp) {
  pending *p = ud;
  worker *w = p->w;
  pthread_mutex_lock(&w->mu);
  judge(p->id, p->s, rc, resp);
  release(p->s);
  free(p);
  w->inflight--;
  pthread_cond_signal(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg) {
  worker *w = arg;
  char url[512];
  for (int i = 0; i < w->count; i++) {
    int id = w->first + i;
    slot *s = &slots[id];
    s->kind = pick(&w->seed);
    s->policy = rand_r(&w->seed) % 4 == 0 ? SSLB_HTTP_1_1 : SSLB_HTTP_2;
    snprintf(url, sizeof url, "%s%s", w->base, KINDS[s->kind].path);
    if (sslb_request_new(&s->req, "GET", url) < 0 ||
        sslb_request_set_http_policy(s->req, s->policy) < 0) {
      fprintf(stderr, "soak: cannot make request %d\n", id);
      atomic_fetch_add(&ended[id], 1); /* counted as bad once, not again */
      atomic_fetch_add(&bad, 1);
      continue;
    }
    s->start_ms = now_ms();
    int mode = (int)(rand_r(&w->seed) % 10);
    if (mode == 0) { /* blocking, on this thread */
      sslb_response *resp = NULL;
      int rc = sslb_client_execute(w->c, s->req, &resp);
      judge(id, s, rc, resp);
      release(s);
      continue;
    }
    pending *p = malloc(sizeof *p);
    if (!p) {
      atomic_fetch_add(&bad, 1);
      continue;
    }
    *p = (pending){w, id, s};
    /* the completion takes this lock before it frees the request, so the
     * request stays valid for the cancel that some get right away */
    pthread_mutex_lock(&w->mu);
    while (w->inflight >= WINDOW)
      pthread_cond_wait(&w->cv, &w->mu);
    s->start_ms = now_ms(); /* the deadline runs from here, not the wait */
    if (sslb_client_submit(w->c, s->req, on_done, p) < 0) {
      pthread_mutex_unlock(&w->mu);
      fail_check("submit refused", id, s, -1, "");
      free(p);
      release(s);
      continue;
    }
    w->inflight++;
    if (mode == 1) {
      sslb_client_cancel(w->c, s->req);
      atomic_fetch_add(&cancelled_on_purpose, 1);
    }
    pthread_mutex_unlock(&w->mu);
  }
  pthread_mutex_lock(&w->mu);
  while (w->inflight > 0)
    pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: sslb-soak URL-BASE CA-FILE [--requests N] [--threads T] "
                    "[--seed S] [--max-growth KIB]\n");
    return 2;
  }
  const char *base = argv[1], *ca = argv[2];
  int total = 100000, threads = 8;
  long max_growth = 16 * 1024;
  unsigned seed = (unsigned)time(NULL);
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--requests"))
      total = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--threads"))
      threads = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed"))
      seed = (unsigned)strtoul(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--max-growth"))
      max_growth = atol(argv[i + 1]);
  }
  if (total <= 0 || threads <= 0 || threads > 64)
    return 2;
  sslb_trust_builder *tb;
  sslb_trust_manager *tm;
  if (sslb_trust_builder_new(&tb) < 0 || sslb_trust_builder_replace_defaults(tb) < 0 ||
      sslb_trust_builder_add_file(tb, ca) < 0 || sslb_trust_builder_build(tb, &tm) < 0) {
    fprintf(stderr, "soak: cannot trust %s\n", ca);
    return 2;
  }
  sslb_trust_builder_free(tb);
  sslb_client *c;
  if (sslb_client_new(&c, tm) < 0)
    return 2;
  sslb_trust_manager_free(tm);
  sslb_client_set_timeouts(c, REQUEST_MS, REQUEST_MS);
  sslb_client_set_redirects(c, 5);
  ended = calloc((size_t)total, sizeof *ended);
  slots = calloc((size_t)total, sizeof *slots);
  worker *w = calloc((size_t)threads, sizeof *w);
  pthread_t *tid = calloc((size_t)threads, sizeof *tid);
  if (!ended || !slots || !w || !tid)
    return 2;
  printf("soak: %d requests, %d threads, seed %u\n", total, threads, seed);
  int64_t t0 = now_ms();
  long rss_start = rss_kib(), rss_early = 0, rss_peak = 0;
  for (int i = 0, first = 0; i < threads; i++) {
    int n = total / threads + (i < total % threads);
    w[i] = (worker){.c = c, .base = base, .seed = seed + (unsigned)i * 7919u, .count = n,
                    .first = first};
    pthread_mutex_init(&w[i].mu, NULL);
    pthread_cond_init(&w[i].cv, NULL);
    first += n;
    pthread_create(&tid[i], NULL, run, &w[i]);
  }
  /* the resident set, sampled while the run goes on */
  for (;;) {
    long done = atomic_load(&outcomes[0]) + atomic_load(&outcomes[1]);
    long rss = rss_kib();
    if (!rss_early && done >= total / 5)
      rss_early = rss;
    if (rss_early && rss > rss_peak)
      rss_peak = rss;
    if (done >= total)
      break;
    usleep(100000);
  }
  for (int i = 0; i < threads; i++)
    pthread_join(tid[i], NULL);
  long rss_end = rss_kib();
  sslb_client_free(c);
  for (int i = 0; i < total; i++) {
    if (atomic_load(&ended[i]) != 1) {
      atomic_fetch_add(&bad, 1);
      if (atomic_load(&bad) <= 20)
        fprintf(stderr, "soak: request %d ended %d times\n", i, atomic_load(&ended[i]));
    }
  }
  double secs = (double)(now_ms() - t0) / 1000.0;
  printf("soak: %.1f s, %ld ok, %ld failed (%ld cancelled on purpose, %ld plain GETs "
         "caught in a fault's connection), longest %ld ms\n",
         secs, atomic_load(&outcomes[0]), atomic_load(&outcomes[1]),
         atomic_load(&cancelled_on_purpose), atomic_load(&bytes_failed),
         atomic_load(&longest_ms));
  printf("soak: failures by code:");
  for (int i = 0; i < 128; i++)
    if (atomic_load(&by_code[i]))
      printf(" %s %ld", sslb_error_name(-i), atomic_load(&by_code[i]));
  printf("\nsoak: RSS %ld KiB at start, %ld at 20%%, peak after %ld, %ld at the end\n",
         rss_start, rss_early, rss_peak, rss_end);
  long growth = rss_peak - rss_early;
  if (max_growth > 0 && growth > max_growth) {
    fprintf(stderr, "soak: RSS grew by %ld KiB after 20%% of the run\n", growth);
    atomic_fetch_add(&bad, 1);
  }
  printf("soak: %s (%ld failed checks)\n", atomic_load(&bad) ? "FAILED" : "ok",
         atomic_load(&bad));
  free(ended);
  free(slots);
  free(w);
  free(tid);
  return atomic_load(&bad) ? 1 : 0;
}
