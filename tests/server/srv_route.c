/* The endpoints, written once for both protocols: a request becomes a
 * response plan (status, headers, where the body comes from, how long it
 * is, and which fault follows it). The front ends carry the plan out, each
 * in its own framing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"

/* 'a' + i % 26 for i in [0, SRV_CHUNK + 26): any window of SRV_CHUNK bytes
 * starting at offset % 26 is the pattern at that offset. */
static const uint8_t *pattern(void) {
  static uint8_t pat[SRV_CHUNK + 26];
  static atomic_int ready;
  if (!atomic_load(&ready)) {
    /* every thread computes the same bytes, so a race is harmless */
    for (size_t i = 0; i < sizeof pat; i++)
      pat[i] = (uint8_t)('a' + i % 26);
    atomic_store(&ready, 1);
  }
  return pat;
}

size_t srv_response_read(srv_response *r, uint8_t *dst, size_t n) {
  uint64_t left = r->length - r->sent;
  if (n > left)
    n = (size_t)left;
  if (r->mem) {
    memcpy(dst, r->mem + r->sent, n);
  } else {
    const uint8_t *pat = pattern();
    for (size_t done = 0; done < n;) {
      size_t k = n - done < SRV_CHUNK ? n - done : SRV_CHUNK;
      memcpy(dst + done, pat + (r->sent + done) % 26, k);
      done += k;
    }
  }
  r->sent += n;
  return n;
}

void srv_response_clear(srv_response *r) {
  for (int i = 0; i < r->nhdrs; i++)
    free(r->hdrs[i].value);
  free(r->mem);
  memset(r, 0, sizeof *r);
}

int srv_status_bodyless(int status) {
  return status == 204 || status == 304 || (status >= 100 && status < 200);
}

const char *srv_reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 201: return "Created";
  case 204: return "No Content";
  case 301: return "Moved Permanently";
  case 302: return "Found";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 413: return "Content Too Large";
  case 414: return "URI Too Long";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 502: return "Bad Gateway";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return "Status";
  }
}

static int add_header(srv_response *r, const char *name, const char *value) {
  if (r->nhdrs == (int)(sizeof r->hdrs / sizeof r->hdrs[0]))
    return -1;
  char *v = strdup(value);
  if (!v)
    return -1;
  snprintf(r->hdrs[r->nhdrs].name, sizeof r->hdrs[0].name, "%s", name);
  r->hdrs[r->nhdrs++].value = v;
  return 0;
}

/* A text/plain body (printf-style). */
__attribute__((format(printf, 3, 4))) static int
text(srv_response *r, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !(r->mem = malloc((size_t)n + 1)))
    return -1;
  va_start(ap, fmt);
  vsnprintf((char *)r->mem, (size_t)n + 1, fmt, ap);
  va_end(ap);
  r->status = status;
  r->mem_len = (size_t)n;
  if (srv_status_bodyless(status)) {
    r->length = 0;
    r->declared = SRV_NO_LENGTH;
    return 0;
  }
  r->length = r->declared = (uint64_t)n;
  return add_header(r, "content-type", "text/plain");
}

/* Pattern body: `send` bytes of a declared `declared`. */
static int pattern_body(srv_response *r, uint64_t send, uint64_t declared) {
  r->status = 200;
  r->length = send;
  r->declared = declared;
  return add_header(r, "content-type", "application/octet-stream");
}

/* A decimal number with nothing after it, at most max. */
static int number(const char *s, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (!*s)
    return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    if (v > (max - (uint64_t)(*s - '0')) / 10)
      return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return 0;
}

/* "chunked" as one of the &-separated query parameters. */
static int query_has(const char *query, const char *key) {
  size_t k = strlen(key);
  for (const char *p = query; p && *p;) {
    const char *end = strchr(p, '&');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n >= k && !strncmp(p, key, k) && (n == k || p[k] == '='))
      return 1;
    p = end ? end + 1 : NULL;
  }
  return 0;
}

static int fault(srv_request *q, srv_response *r, const char *name,
                 int chunked) {
  if (!strcmp(name, "close-mid-body") ||
      (!q->h2 && (!strcmp(name, "goaway") || !strcmp(name, "refuse-late")))) {
    r->fault = SRV_FAULT_CLOSE;
    if (chunked && !q->h2) {
      r->chunked = 1;
      return pattern_body(r, 1000, SRV_NO_LENGTH);
    }
    return pattern_body(r, 1000, 100000);
  }
  if (!strcmp(name, "bad-chunk")) {
    if (q->h2) {
      /* no chunking in HTTP/2: the analogue is more DATA than declared */
      if (text(r, 200, "%s", "hellohellohellohello") < 0)
        return -1;
      r->declared = 5;
      return 0;
    }
    if (text(r, 200, "%s", "5\r\nhello\r\nzz\r\n") < 0)
      return -1;
    r->fault = SRV_FAULT_BAD_CHUNK;
    r->chunked = r->raw = 1;
    r->declared = SRV_NO_LENGTH;
    return 0;
  }
  if (!strcmp(name, "rst")) {
    r->fault = SRV_FAULT_RST;
    return pattern_body(r, 1000, 100000);
  }
  if (!strcmp(name, "refuse-late")) {
    r->fault = SRV_FAULT_REFUSE_LATE;
    return pattern_body(r, 1000, 100000);
  }
  if (!strcmp(name, "refuse")) {
    r->fault = SRV_FAULT_REFUSE;
    return q->h2 ? 0 : text(r, 503, "refused\n");
  }
  if (!strcmp(name, "goaway")) {
    r->fault = SRV_FAULT_GOAWAY;
    return pattern_body(r, 1000, 100000);
  }
  if (!strcmp(name, "goaway-once")) {
    int expected = 0;
    if (atomic_compare_exchange_strong(&srv_goaway_once_used, &expected, 1)) {
      r->fault = SRV_FAULT_GOAWAY_ONCE;
      return 0;
    }
    return text(r, 200, "retried\n");
  }
  if (!strcmp(name, "stall")) {
    r->fault = SRV_FAULT_STALL;
    return 0;
  }
  if (!strcmp(name, "stall-body")) {
    r->fault = SRV_FAULT_STALL_BODY;
    return pattern_body(r, 1000, 100000);
  }
  if (!strcmp(name, "garbage")) {
    r->fault = SRV_FAULT_GARBAGE;
    return 0;
  }
  return text(r, 404, "not found\n");
}

static int route(srv_request *q, srv_response *r) {
  char path[1024];
  const char *query = strchr(q->target, '?');
  size_t plen = query ? (size_t)(query - q->target) : strlen(q->target);
  if (plen >= sizeof path)
    return text(r, 404, "not found\n");
  memcpy(path, q->target, plen);
  path[plen] = 0;
  query = query ? query + 1 : "";
  uint64_t n;

  if (!strcmp(path, "/"))
    return text(r, 200, "hello from sslb-testserver\n");
  if (!strcmp(path, "/echo")) {
    if (q->body_too_large)
      return text(r, 413, "request body over %u bytes\n", SRV_MAX_ECHO);
    r->status = 200;
    r->mem = q->body; /* taken over: no copy of up to 64 MiB */
    q->body = NULL;
    r->mem_len = (size_t)q->body_len;
    r->length = r->declared = q->body_len;
    char len[24];
    snprintf(len, sizeof len, "%llu", (unsigned long long)q->body_len);
    if (add_header(r, "content-type",
                   q->content_type ? q->content_type
                                   : "application/octet-stream") < 0 ||
        add_header(r, "x-method", q->method) < 0 ||
        add_header(r, "x-request-length", len) < 0)
      return -1;
    if (!r->mem && q->body_len)
      return -1;
    return 0;
  }
  if (!strcmp(path, "/headers"))
    return text(r, 200, "%s", q->headers);
  if (!strncmp(path, "/bytes/", 7)) {
    if (number(path + 7, SRV_MAX_BYTES, &n) < 0)
      return text(r, 400, "bytes: 0 to %llu\n",
                  (unsigned long long)SRV_MAX_BYTES);
    if (!q->h2 && query_has(query, "chunked")) {
      r->chunked = 1;
      return pattern_body(r, n, SRV_NO_LENGTH);
    }
    return pattern_body(r, n, n);
  }
  if (!strncmp(path, "/delay/", 7)) {
    if (number(path + 7, UINT32_MAX, &n) < 0)
      return text(r, 400, "delay: milliseconds\n");
    if (n > SRV_DELAY_CAP_MS)
      n = SRV_DELAY_CAP_MS;
    r->delay_ms = (int64_t)n;
    return text(r, 200, "delayed %llu\n", (unsigned long long)n);
  }
  if (!strncmp(path, "/status/", 8)) {
    if (number(path + 8, 999, &n) < 0 || n < 200 || n > 599)
      return text(r, 400, "status: 200 to 599\n");
    return text(r, (int)n, "status %d\n", (int)n);
  }
  if (!strncmp(path, "/redirect/", 10)) {
    if (number(path + 10, 1000000, &n) < 0)
      return text(r, 400, "redirect: a count\n");
    if (n == 0)
      return text(r, 200, "redirected\n");
    char loc[40];
    snprintf(loc, sizeof loc, "/redirect/%llu", (unsigned long long)n - 1);
    if (text(r, 302, "redirect to %s\n", loc) < 0)
      return -1;
    return add_header(r, "location", loc);
  }
  if (!strcmp(path, "/client-cert"))
    return text(r, 200, "%s\n", q->client_dn ? q->client_dn : "none");
  if (!strcmp(path, "/stats")) /* the peak starts again from here */
    return text(r, 200,
                "connections %lu\nrequests %lu\nstreams_open %lu\n"
                "streams_peak %lu\n",
                atomic_load(&srv_connections), atomic_load(&srv_requests),
                atomic_load(&srv_streams_open),
                atomic_exchange(&srv_streams_peak, atomic_load(&srv_streams_open)));
  if (!strncmp(path, "/fault/", 7))
    return fault(q, r, path + 7, query_has(query, "chunked"));
  return text(r, 404, "not found\n");
}

int srv_route(srv_request *q, srv_response *r) {
  memset(r, 0, sizeof *r);
  r->declared = SRV_NO_LENGTH;
  if (route(q, r) < 0) {
    srv_response_clear(r);
    return -1;
  }
  if (!strcmp(q->method, "HEAD") && r->fault == SRV_FAULT_NONE) {
    /* the head as for GET, content-length included, and no body */
    r->head = 1;
    r->length = 0;
  }
  return 0;
}
