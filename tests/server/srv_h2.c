/* HTTP/2 front end over nghttp2. nghttp2's callbacks only record what
 * arrived; requests are dispatched, timers fired and faults carried out
 * from produce(), outside any callback, so that every submit happens in a
 * well-defined place. Output is pulled from the session (mem_send) only
 * while the connection's backlog is small. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "srv.h"

enum {
  S_RECV,     /* request still arriving */
  S_READY,    /* request complete, to dispatch */
  S_WAIT,     /* /delay before the head, /fault/stall */
  S_SENDING,  /* response submitted; the data provider runs */
  S_DEFERRED, /* body stopped at the fault point */
  S_DONE
};

typedef struct stream stream;
struct stream {
  int32_t id;
  int state;
  char method[24];
  srv_buf path, hdrs, body;
  char *content_type;
  size_t head_bytes;
  uint64_t body_len;
  int is_echo, too_large, head_too_large;
  int64_t wake_ms;
  srv_response r;
  stream *prev, *next;
};

typedef struct {
  nghttp2_session *s;
  srv_conn *c;
  stream *streams;
  int32_t goaway_sid; /* a GOAWAY(INTERNAL_ERROR) is due for this stream */
  int garbage;        /* /fault/garbage: raw frame once output is flushed */
  int stopped;        /* nothing more may come from nghttp2 */
} h2;

static void stream_free(h2 *h, stream *st) {
  if (st->prev)
    st->prev->next = st->next;
  else
    h->streams = st->next;
  if (st->next)
    st->next->prev = st->prev;
  srv_buf_free(&st->path);
  srv_buf_free(&st->hdrs);
  srv_buf_free(&st->body);
  free(st->content_type);
  srv_response_clear(&st->r);
  free(st);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f,
                            void *ud) {
  h2 *h = ud;
  if (f->hd.type != NGHTTP2_HEADERS ||
      f->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0;
  stream *st = calloc(1, sizeof *st);
  if (!st)
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  st->id = f->hd.stream_id;
  st->next = h->streams;
  if (h->streams)
    h->streams->prev = st;
  h->streams = st;
  nghttp2_session_set_stream_user_data(s, st->id, st);
  atomic_fetch_add(&srv_requests, 1);
  unsigned long open = atomic_fetch_add(&srv_streams_open, 1) + 1;
  unsigned long peak = atomic_load(&srv_streams_peak);
  while (open > peak && !atomic_compare_exchange_weak(&srv_streams_peak, &peak, open)) {
  }
  return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
                     const uint8_t *name, size_t namelen, const uint8_t *value,
                     size_t valuelen, uint8_t flags, void *ud) {
  if (f->hd.type != NGHTTP2_HEADERS ||
      f->headers.cat != NGHTTP2_HCAT_REQUEST)
    return 0; /* trailers are not looked at */
  stream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!st)
    return 0;
  st->head_bytes += namelen + valuelen + 3;
  if (st->head_bytes > SRV_MAX_HEAD) {
    st->head_too_large = 1;
    return 0;
  }
  if (namelen == 7 && !memcmp(name, ":method", 7)) {
    snprintf(st->method, sizeof st->method, "%.*s", (int)valuelen,
             (const char *)value);
    return 0;
  }
  if (namelen == 5 && !memcmp(name, ":path", 5))
    return srv_buf_add(&st->path, value, valuelen) < 0
               ? NGHTTP2_ERR_CALLBACK_FAILURE
               : 0;
  if (namelen && name[0] == ':')
    return 0;
  if (namelen == 12 && !memcmp(name, "content-type", 12) &&
      !st->content_type) {
    st->content_type = strndup((const char *)value, valuelen);
    if (!st->content_type)
      return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
  /* nghttp2 has already refused upper-case names */
  if (srv_buf_add(&st->hdrs, name, namelen) < 0 ||
      srv_buf_add(&st->hdrs, ": ", 2) < 0 ||
      srv_buf_add(&st->hdrs, value, valuelen) < 0 ||
      srv_buf_add(&st->hdrs, "\n", 1) < 0)
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t sid,
                         const uint8_t *data, size_t len, void *ud) {
  stream *st = nghttp2_session_get_stream_user_data(s, sid);
  if (!st)
    return 0;
  st->body_len += len;
  if (!st->is_echo || st->too_large)
    return 0; /* dropped (flow control is still credited by nghttp2) */
  if (st->body_len > SRV_MAX_ECHO) {
    st->too_large = 1;
    srv_buf_free(&st->body);
    return 0;
  }
  return srv_buf_add(&st->body, data, len) < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE
                                               : 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f,
                         void *ud) {
  if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
    return 0;
  stream *st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!st || st->state != S_RECV)
    return 0;
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
    const char *p = st->path.p ? st->path.p : "";
    st->is_echo = !strncmp(p, "/echo", 5) && (p[5] == 0 || p[5] == '?');
  }
  if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
    st->state = S_READY;
  return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t sid, uint32_t err,
                           void *ud) {
  stream *st = nghttp2_session_get_stream_user_data(s, sid);
  if (st) {
    nghttp2_session_set_stream_user_data(s, sid, NULL);
    stream_free(ud, st);
    atomic_fetch_sub(&srv_streams_open, 1);
  }
  return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t sid, uint8_t *buf,
                         size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud) {
  h2 *h = ud;
  stream *st = src->ptr;
  srv_response *r = &st->r;
  if (st->state == S_DEFERRED)
    return NGHTTP2_ERR_DEFERRED;
  if (r->sent < r->length) {
    size_t n = srv_response_read(r, buf, len);
    if (r->sent == r->length && r->fault == SRV_FAULT_NONE)
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
  }
  /* The body part has been packed into a frame by an earlier call: now the
   * fault. */
  switch (r->fault) {
  case SRV_FAULT_NONE:
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return 0;
  case SRV_FAULT_RST:
    /* nghttp2 answers this with RST_STREAM(INTERNAL_ERROR) */
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  case SRV_FAULT_CLOSE:
    /* the socket goes without GOAWAY or RST_STREAM */
    h->stopped = 1;
    srv_close(h->c, SRV_CLOSE_ABRUPT);
    break;
  case SRV_FAULT_GOAWAY:
    h->goaway_sid = sid;
    break;
  case SRV_FAULT_REFUSE_LATE:
    /* a lie: part of the answer went out, yet "unprocessed, try again" */
    if (nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, sid,
                                  NGHTTP2_REFUSED_STREAM) < 0)
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    break;
  case SRV_FAULT_STALL_BODY:
    st->wake_ms = srv_now_ms() + SRV_STALL_MS;
    break;
  default:
    break;
  }
  st->state = S_DEFERRED;
  return NGHTTP2_ERR_DEFERRED;
}

static int submit(h2 *h, stream *st) {
  srv_response *r = &st->r;
  nghttp2_nv nv[10];
  size_t n = 0;
  char status[8], clen[24];
#define NV(N, V)                                                               \
  nv[n++] = (nghttp2_nv){(uint8_t *)(N), (uint8_t *)(V), strlen(N), strlen(V), \
                         NGHTTP2_NV_FLAG_NONE}
  snprintf(status, sizeof status, "%d", r->status);
  NV(":status", status);
  NV("server", "sslb-testserver");
  for (int i = 0; i < r->nhdrs; i++)
    NV(r->hdrs[i].name, r->hdrs[i].value);
  if (r->declared != SRV_NO_LENGTH && !srv_status_bodyless(r->status)) {
    snprintf(clen, sizeof clen, "%llu", (unsigned long long)r->declared);
    NV("content-length", clen);
  }
#undef NV
  nghttp2_data_provider dp = {.source.ptr = st, .read_callback = read_body};
  int body = r->length > 0 || r->fault != SRV_FAULT_NONE;
  st->state = S_SENDING;
  return nghttp2_submit_response(h->s, st->id, nv, n, body ? &dp : NULL) < 0
             ? -1
             : 0;
}

static int dispatch(h2 *h, stream *st, int64_t now) {
  srv_request q = {
      .h2 = 1,
      .method = st->method,
      .target = st->path.p ? st->path.p : "",
      .headers = st->hdrs.p ? st->hdrs.p : "",
      .content_type = st->content_type,
      .body = (uint8_t *)st->body.p,
      .body_len = st->body_len,
      .body_too_large = st->too_large,
      .client_dn = h->c->client_dn,
  };
  srv_response *r = &st->r;
  if (st->head_too_large) {
    memset(r, 0, sizeof *r);
    r->status = 431;
    r->declared = 0;
  } else {
    if (srv_route(&q, r) < 0)
      return -1;
    if (!q.body)
      st->body.p = NULL, st->body.len = st->body.cap = 0;
  }
  srv_log("HTTP/2", st->method, q.target, r->status);
  switch (r->fault) {
  case SRV_FAULT_REFUSE:
    st->state = S_DONE;
    return nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, st->id,
                                     NGHTTP2_REFUSED_STREAM) < 0
               ? -1
               : 0;
  case SRV_FAULT_GOAWAY_ONCE:
    /* last-stream-id 0: nothing was processed, the client may retry */
    st->state = S_DONE;
    return nghttp2_session_terminate_session2(h->s, 0, NGHTTP2_NO_ERROR) < 0
               ? -1
               : 0;
  case SRV_FAULT_STALL:
    st->state = S_WAIT;
    st->wake_ms = now + SRV_STALL_MS;
    return 0;
  case SRV_FAULT_GARBAGE:
    st->state = S_DONE;
    h->garbage = 1;
    return 0;
  default:
    break;
  }
  if (r->delay_ms > 0) {
    st->state = S_WAIT;
    st->wake_ms = now + r->delay_ms;
    return 0;
  }
  return submit(h, st);
}

/* Moves frames from nghttp2 to the output buffer; all of them when `all`. */
static int pump(h2 *h, int all) {
  while (!h->stopped && (all || srv_out_queued(h->c) < SRV_OUT_HIGH)) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(h->s, &data);
    if (n < 0)
      return -1;
    if (n == 0)
      break;
    if (srv_out_add(h->c, data, (size_t)n) < 0)
      return -1;
  }
  return 0;
}

static int h2_produce(srv_conn *c, int64_t now) {
  h2 *h = c->proto;
  if (c->peer_eof)
    return -1; /* the client is gone: nothing to finish for it */
  if (h->stopped)
    return 0;
  /* The stream list does not change here: submits never close a stream
   * synchronously, only mem_send/mem_recv do. */
  for (stream *st = h->streams; st; st = st->next) {
    if (st->state == S_READY) {
      if (dispatch(h, st, now) < 0)
        return -1;
    } else if (st->state == S_WAIT && now >= st->wake_ms) {
      if (st->r.fault == SRV_FAULT_STALL) {
        st->state = S_DONE;
        if (nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, st->id,
                                      NGHTTP2_CANCEL) < 0)
          return -1;
      } else if (submit(h, st) < 0) {
        return -1;
      }
    } else if (st->state == S_DEFERRED &&
               st->r.fault == SRV_FAULT_STALL_BODY && st->wake_ms &&
               now >= st->wake_ms) {
      st->state = S_DONE;
      if (nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, st->id,
                                    NGHTTP2_CANCEL) < 0)
        return -1;
    }
  }
  if (h->garbage) {
    /* a DATA frame on stream 0 is a connection error for the client */
    static const uint8_t frame[] = {0, 0, 4, /* length */
                                    0,          /* type DATA */
                                    0,          /* flags */
                                    0, 0, 0, 0, /* stream 0 */
                                    'j', 'u', 'n', 'k'};
    if (pump(h, 1) < 0 || srv_out_add(c, frame, sizeof frame) < 0)
      return -1;
    h->stopped = 1;
    srv_close(c, SRV_CLOSE_GRACEFUL);
    return 0;
  }
  if (pump(h, 0) < 0)
    return -1;
  if (h->goaway_sid > 0) {
    /* after the body part that went out, GOAWAY naming this stream as the
     * last one processed; nghttp2 then wants neither to read nor write */
    int32_t sid = h->goaway_sid;
    h->goaway_sid = 0;
    if (nghttp2_session_terminate_session2(h->s, sid, NGHTTP2_INTERNAL_ERROR) <
            0 ||
        pump(h, 0) < 0)
      return -1;
  }
  if (!h->stopped && !nghttp2_session_want_read(h->s) &&
      !nghttp2_session_want_write(h->s))
    srv_close(c, SRV_CLOSE_GRACEFUL);
  return 0;
}

static int h2_input(srv_conn *c, const uint8_t *p, size_t n) {
  h2 *h = c->proto;
  if (h->stopped)
    return 0; /* leaving: what the client says no longer matters */
  ssize_t rv = nghttp2_session_mem_recv(h->s, p, n);
  if (rv < 0) {
    /* nghttp2 has queued GOAWAY for protocol errors: send it, then go */
    if (!srv_quiet)
      fprintf(stderr, "HTTP/2 connection error: %s\n",
              nghttp2_strerror((int)rv));
    nghttp2_session_terminate_session(h->s, NGHTTP2_PROTOCOL_ERROR);
    if (pump(h, 1) < 0)
      return -1;
    h->stopped = 1;
    srv_close(c, SRV_CLOSE_GRACEFUL);
  }
  return 0;
}

static int64_t h2_next_wake(srv_conn *c) {
  h2 *h = c->proto;
  int64_t w = INT64_MAX;
  for (stream *st = h->streams; st; st = st->next)
    if ((st->state == S_WAIT ||
         (st->state == S_DEFERRED && st->r.fault == SRV_FAULT_STALL_BODY &&
          st->wake_ms)) &&
        st->wake_ms < w)
      w = st->wake_ms;
  return w;
}

static int h2_start(srv_conn *c) {
  h2 *h = calloc(1, sizeof *h);
  nghttp2_session_callbacks *cb = NULL;
  if (!h || nghttp2_session_callbacks_new(&cb) != 0) {
    free(h);
    return -1;
  }
  h->c = c;
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
  int rv = nghttp2_session_server_new(&h->s, cb, h);
  nghttp2_session_callbacks_del(cb);
  if (rv != 0) {
    free(h);
    return -1;
  }
  c->proto = h;
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv_max_streams},
  };
  return nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, 1) < 0 ? -1 : 0;
}

static void h2_free(srv_conn *c) {
  h2 *h = c->proto;
  if (!h)
    return;
  /* nghttp2_session_del does not report the streams it drops */
  nghttp2_session_del(h->s);
  while (h->streams)
    stream_free(h, h->streams);
  free(h);
  c->proto = NULL;
}

const srv_proto srv_h2 = {
    .name = "HTTP/2",
    .start = h2_start,
    .input = h2_input,
    .produce = h2_produce,
    .next_wake = h2_next_wake,
    .free = h2_free,
};
