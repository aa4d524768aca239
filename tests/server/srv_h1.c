/* HTTP/1.1 front end: llhttp parses requests one at a time (the parser
 * pauses at the end of each, so pipelined requests wait in `in` until the
 * response before them is done); responses are generated into the
 * connection's output buffer only while its backlog is small, so a 1 GiB
 * body streams in constant memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "srv.h"

#define IN_CAP (1024 * 1024) /* pipelined input held while busy */

enum { PH_WAIT, PH_HEAD, PH_BODY, PH_STALL };

typedef struct {
  llhttp_t p;
  llhttp_settings_t cb;
  srv_conn *c;
  uint8_t *in; /* bytes not parsed yet */
  size_t in_len, in_cap;
  /* the request being parsed */
  srv_buf url, hdrs, body;
  int hstate; /* 0 start, 1 in a name, 2 in a value */
  size_t head_bytes;
  uint64_t body_total;
  int is_echo, complete, keep_alive;
  int reject; /* status to answer instead of routing */
  char method[24];
  char proto[16];
  /* the response being sent */
  int busy, phase, close_after;
  int64_t wake_ms;
  srv_response r;
} h1;

static void request_reset(h1 *h) {
  srv_buf_free(&h->url);
  srv_buf_free(&h->hdrs);
  srv_buf_free(&h->body);
  h->hstate = 0;
  h->head_bytes = 0;
  h->body_total = 0;
  h->is_echo = h->complete = h->keep_alive = 0;
  h->reject = 0;
  h->method[0] = 0;
}

static int head_room(h1 *h, size_t n) {
  h->head_bytes += n;
  if (h->head_bytes > SRV_MAX_HEAD) {
    h->reject = 431;
    return -1;
  }
  return 0;
}

static int on_message_begin(llhttp_t *p) {
  request_reset(p->data);
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n) {
  h1 *h = p->data;
  if (head_room(h, n) < 0)
    return -1;
  return srv_buf_add(&h->url, at, n);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n) {
  h1 *h = p->data;
  if (head_room(h, n + 3) < 0)
    return -1;
  if (h->hstate == 2 && srv_buf_add(&h->hdrs, "\n", 1) < 0)
    return -1;
  size_t at0 = h->hdrs.len;
  if (srv_buf_add(&h->hdrs, at, n) < 0)
    return -1;
  for (size_t i = at0; i < h->hdrs.len; i++)
    if (h->hdrs.p[i] >= 'A' && h->hdrs.p[i] <= 'Z')
      h->hdrs.p[i] = (char)(h->hdrs.p[i] - 'A' + 'a');
  h->hstate = 1;
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n) {
  h1 *h = p->data;
  if (head_room(h, n) < 0)
    return -1;
  if (h->hstate == 1 && srv_buf_add(&h->hdrs, ": ", 2) < 0)
    return -1;
  h->hstate = 2;
  return srv_buf_add(&h->hdrs, at, n);
}

/* The value of header `name` (lower-case) in the "name: value\n" text,
 * copied into out; 0 when found. */
static int find_header(const char *hdrs, const char *name, char *out,
                       size_t outlen) {
  size_t k = strlen(name);
  for (const char *l = hdrs; *l;) {
    const char *end = strchr(l, '\n');
    size_t n = end ? (size_t)(end - l) : strlen(l);
    if (n > k + 1 && !strncmp(l, name, k) && l[k] == ':') {
      const char *v = l + k + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      size_t vn = n - (size_t)(v - l);
      if (vn >= outlen)
        vn = outlen - 1;
      memcpy(out, v, vn);
      out[vn] = 0;
      return 0;
    }
    l = end ? end + 1 : l + n;
  }
  return -1;
}

/* The path of an origin-form or absolute-form target. */
static const char *target_path(const char *url) {
  if (url[0] == '/')
    return url;
  const char *s = strstr(url, "://");
  if (!s)
    return url;
  const char *slash = strchr(s + 3, '/');
  return slash ? slash : "/";
}

static int on_headers_complete(llhttp_t *p) {
  h1 *h = p->data;
  srv_conn *c = h->c;
  if (h->hstate == 2 && srv_buf_add(&h->hdrs, "\n", 1) < 0)
    return -1;
  if (!h->hdrs.p && srv_buf_add(&h->hdrs, "", 0) < 0)
    return -1;
  if (!h->url.p && srv_buf_add(&h->url, "", 0) < 0)
    return -1;
  atomic_fetch_add(&srv_requests, 1);
  snprintf(h->method, sizeof h->method, "%s",
           llhttp_method_name((llhttp_method_t)llhttp_get_method(p)));
  snprintf(h->proto, sizeof h->proto, "HTTP/%u.%u", llhttp_get_http_major(p),
           llhttp_get_http_minor(p));
  const char *path = target_path(h->url.p);
  size_t plen = strcspn(path, "?");
  h->is_echo = plen == 5 && !strncmp(path, "/echo", 5);
  if (h->is_echo && (p->flags & F_CONTENT_LENGTH) &&
      p->content_length > SRV_MAX_ECHO) {
    /* refused before the body is sent: the client never waits on it */
    h->reject = 413;
    return -1;
  }
  char expect[32];
  int has_body = (p->flags & F_CHUNKED) ||
                 ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
  if (has_body && !find_header(h->hdrs.p, "expect", expect, sizeof expect) &&
      !strcasecmp(expect, "100-continue") &&
      srv_out_printf(c, "HTTP/1.1 100 Continue\r\n\r\n") < 0)
    return -1;
  return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  h1 *h = p->data;
  h->body_total += n;
  if (!h->is_echo)
    return 0; /* other endpoints ignore the body: count and drop it */
  if (h->body_total > SRV_MAX_ECHO) {
    h->reject = 413;
    return -1;
  }
  return srv_buf_add(&h->body, at, n);
}

static int on_message_complete(llhttp_t *p) {
  h1 *h = p->data;
  h->complete = 1;
  h->keep_alive = llhttp_should_keep_alive(p);
  return HPE_PAUSED; /* one request at a time */
}

static int h1_start(srv_conn *c) {
  h1 *h = calloc(1, sizeof *h);
  if (!h)
    return -1;
  h->c = c;
  llhttp_settings_init(&h->cb);
  h->cb.on_message_begin = on_message_begin;
  h->cb.on_url = on_url;
  h->cb.on_header_field = on_header_field;
  h->cb.on_header_value = on_header_value;
  h->cb.on_headers_complete = on_headers_complete;
  h->cb.on_body = on_body;
  h->cb.on_message_complete = on_message_complete;
  llhttp_init(&h->p, HTTP_REQUEST, &h->cb);
  h->p.data = h;
  c->proto = h;
  return 0;
}

static void h1_free(srv_conn *c) {
  h1 *h = c->proto;
  if (!h)
    return;
  request_reset(h);
  srv_response_clear(&h->r);
  free(h->in);
  free(h);
  c->proto = NULL;
}

static int h1_input(srv_conn *c, const uint8_t *p, size_t n) {
  h1 *h = c->proto;
  if (h->in_len + n > h->in_cap) {
    size_t cap = h->in_cap ? h->in_cap : 16384;
    while (cap < h->in_len + n)
      cap *= 2;
    uint8_t *in = realloc(h->in, cap);
    if (!in)
      return -1;
    h->in = in;
    h->in_cap = cap;
  }
  memcpy(h->in + h->in_len, p, n);
  h->in_len += n;
  return 0;
}

static int write_head(srv_conn *c, h1 *h) {
  srv_response *r = &h->r;
  int close = h->close_after || r->fault == SRV_FAULT_REFUSE;
  if (srv_out_printf(c, "HTTP/1.1 %d %s\r\nserver: sslb-testserver\r\n",
                     r->status, srv_reason(r->status)) < 0)
    return -1;
  for (int i = 0; i < r->nhdrs; i++)
    if (srv_out_printf(c, "%s: %s\r\n", r->hdrs[i].name, r->hdrs[i].value) < 0)
      return -1;
  if (!srv_status_bodyless(r->status)) {
    if (r->chunked) {
      if (srv_out_printf(c, "transfer-encoding: chunked\r\n") < 0)
        return -1;
    } else if (r->declared != SRV_NO_LENGTH &&
               srv_out_printf(c, "content-length: %llu\r\n",
                              (unsigned long long)r->declared) < 0) {
      return -1;
    }
  }
  return srv_out_printf(c, "%s\r\n", close ? "connection: close\r\n" : "");
}

/* Turns a parsed request (or a rejected one) into the response plan. */
static int dispatch(srv_conn *c, h1 *h, int64_t now) {
  srv_response *r = &h->r;
  srv_response_clear(r);
  h->close_after = !h->keep_alive;
  if (h->reject) {
    /* the rest of the request was not read: nothing more can follow */
    r->status = h->reject;
    r->declared = 0;
    h->close_after = 1;
    /* the method is known once the target has begun */
    const char *m = h->method;
    if (!m[0])
      m = h->url.p ? llhttp_method_name(
                         (llhttp_method_t)llhttp_get_method(&h->p))
                   : "-";
    srv_log(h->proto[0] ? h->proto : "HTTP/1.1", m, h->url.p ? h->url.p : "-",
            r->status);
  } else {
    srv_request q = {
        .h2 = 0,
        .method = h->method,
        .target = target_path(h->url.p),
        .headers = h->hdrs.p,
        .body = (uint8_t *)h->body.p,
        .body_len = h->body_total,
        .client_dn = c->client_dn,
    };
    char ctype[1024];
    if (!find_header(h->hdrs.p, "content-type", ctype, sizeof ctype))
      q.content_type = ctype;
    if (srv_route(&q, r) < 0)
      return -1;
    if (!q.body) /* taken by the response */
      h->body.p = NULL, h->body.len = h->body.cap = 0;
    srv_log(h->proto, h->method, h->url.p, r->status);
  }
  request_reset(h);
  h->busy = 1;
  h->phase = PH_HEAD;
  if (r->delay_ms > 0) {
    h->phase = PH_WAIT;
    h->wake_ms = now + r->delay_ms;
  }
  switch (r->fault) {
  case SRV_FAULT_STALL:
    h->phase = PH_STALL;
    h->wake_ms = now + SRV_STALL_MS;
    break;
  case SRV_FAULT_GOAWAY_ONCE:
    /* as a server closing a keep-alive connection: no response at all */
    srv_close(c, SRV_CLOSE_GRACEFUL);
    h->phase = PH_STALL;
    h->wake_ms = now;
    break;
  case SRV_FAULT_GARBAGE:
    if (srv_out_printf(c, "this is not HTTP\r\n\r\n") < 0)
      return -1;
    srv_close(c, SRV_CLOSE_GRACEFUL);
    h->phase = PH_STALL;
    h->wake_ms = now;
    break;
  default:
    break;
  }
  return 0;
}

/* Parses buffered input until a request is complete (or it runs out). */
static int parse(srv_conn *c, h1 *h, int64_t now) {
  while (!h->busy && h->in_len > 0 && !c->close_mode) {
    llhttp_errno_t e = llhttp_execute(&h->p, (const char *)h->in, h->in_len);
    size_t used = h->in_len;
    if (e == HPE_PAUSED) {
      used = (size_t)((const uint8_t *)llhttp_get_error_pos(&h->p) - h->in);
      llhttp_resume(&h->p);
    } else if (e != HPE_OK) {
      if (!h->reject)
        h->reject = 400;
      h->in_len = 0;
      return dispatch(c, h, now);
    }
    memmove(h->in, h->in + used, h->in_len - used);
    h->in_len -= used;
    if (h->complete && dispatch(c, h, now) < 0)
      return -1;
  }
  return 0;
}

/* The body part is out: what the response's fault does next. */
static void after_body(srv_conn *c, h1 *h, int64_t now) {
  switch (h->r.fault) {
  case SRV_FAULT_CLOSE:
    srv_close(c, SRV_CLOSE_ABRUPT);
    break;
  case SRV_FAULT_RST:
    srv_close(c, SRV_CLOSE_RESET);
    break;
  case SRV_FAULT_STALL_BODY:
    h->phase = PH_STALL;
    h->wake_ms = now + SRV_STALL_MS;
    return;
  case SRV_FAULT_BAD_CHUNK:
    h->phase = PH_STALL;
    h->wake_ms = now + SRV_BAD_CHUNK_MS;
    return;
  default:
    srv_close(c, SRV_CLOSE_GRACEFUL);
    break;
  }
  h->phase = PH_STALL;
  h->wake_ms = INT64_MAX;
}

static int h1_produce(srv_conn *c, int64_t now) {
  h1 *h = c->proto;
  uint8_t chunk[SRV_CHUNK];
  for (;;) {
    if (!h->busy) {
      if (parse(c, h, now) < 0)
        return -1;
      if (!h->busy) {
        if (c->peer_eof)
          srv_close(c, SRV_CLOSE_GRACEFUL);
        break;
      }
    }
    srv_response *r = &h->r;
    if (h->phase == PH_WAIT || h->phase == PH_STALL) {
      /* nobody is waiting for this any more */
      if (c->peer_eof)
        return -1;
      if (now < h->wake_ms)
        break;
      if (h->phase == PH_STALL) {
        srv_close(c, SRV_CLOSE_GRACEFUL);
        break;
      }
      h->phase = PH_HEAD;
    }
    if (h->phase == PH_HEAD) {
      if (write_head(c, h) < 0)
        return -1;
      h->phase = PH_BODY;
    }
    while (r->sent < r->length && srv_out_queued(c) < SRV_OUT_HIGH) {
      size_t n = srv_response_read(r, chunk, sizeof chunk);
      int rc = r->chunked && !r->raw
                   ? srv_out_printf(c, "%zx\r\n", n) < 0 ||
                         srv_out_add(c, chunk, n) < 0 ||
                         srv_out_add(c, "\r\n", 2) < 0
                   : srv_out_add(c, chunk, n) < 0;
      if (rc)
        return -1;
    }
    if (r->sent < r->length)
      break; /* more once the backlog drains */
    if (r->fault != SRV_FAULT_NONE) {
      after_body(c, h, now);
      break;
    }
    if (r->chunked && !r->head && srv_out_add(c, "0\r\n\r\n", 5) < 0)
      return -1;
    h->busy = 0;
    srv_response_clear(r);
    if (h->close_after) {
      srv_close(c, SRV_CLOSE_GRACEFUL);
      break;
    }
  }
  /* while a response is out, read ahead only so far */
  c->read_paused = h->busy && h->in_len >= IN_CAP;
  return 0;
}

static int64_t h1_next_wake(srv_conn *c) {
  h1 *h = c->proto;
  if (h->busy && (h->phase == PH_WAIT || h->phase == PH_STALL))
    return h->wake_ms;
  return INT64_MAX;
}

const srv_proto srv_h1 = {
    .name = "HTTP/1.1",
    .start = h1_start,
    .input = h1_input,
    .produce = h1_produce,
    .next_wake = h1_next_wake,
    .free = h1_free,
};
