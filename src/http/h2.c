#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>

#include "http/h2.h"
#include "util/text.h"

#define MAX_HEADER_BYTES (256u * 1024u)

struct sslb__h2 {
  nghttp2_session *s;
  sslb__h2_done_fn done;
  void *ud;
  size_t active;
  int goaway;
  int32_t goaway_last;
  uint32_t goaway_code;
  int failed;
  char why[200]; /* nghttp2's account of the last protocol violation */
};

static void finish(sslb__h2 *h, sslb__job *j, int retry) {
  h->active--;
  j->stream_id = 0;
  h->done(h->ud, j, retry);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f,
                     const uint8_t *name, size_t nl, const uint8_t *value,
                     size_t vl, uint8_t flags, void *ud) {
  sslb__job *j = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!j || f->hd.type != NGHTTP2_HEADERS)
    return 0;
  if (nl == 7 && !memcmp(name, ":status", 7)) {
    int st = 0;
    for (size_t i = 0; i < vl && i < 3; i++)
      st = st * 10 + (value[i] - '0');
    if (st >= 100 && st < 200) /* interim response: wait for the final */
      return 0;
    j->resp->status = st;
    return 0;
  }
  if (nl && name[0] == ':')
    return 0;
  if (j->resp->status == 0)
    return 0; /* fields of an interim response */
  j->resp->header_bytes += nl + vl;
  if (j->resp->header_bytes > MAX_HEADER_BYTES) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_TOO_LARGE,
                       "response headers exceed %u bytes", MAX_HEADER_BYTES);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  }
  if (sslb__resp_add_header(j->resp, (const char *)name, nl,
                            (const char *)value, vl) < 0)
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  return 0;
}

/* Window updates are the client's to send: a paused request's stream gets
 * none until it resumes, so a server can send it at most one stream window
 * (INITIAL_WINDOW) ahead; the connection's window is always given back, so
 * the other streams go on. */
static int on_data(nghttp2_session *s, uint8_t flags, int32_t id,
                   const uint8_t *data, size_t len, void *ud) {
  sslb__job *j = nghttp2_session_get_stream_user_data(s, id);
  if (!j || j->rc < 0) { /* gone, or stopped with its reset on the way */
    nghttp2_session_consume(s, id, len);
    return 0;
  }
  if (sslb__job_body(j, data, len) < 0)
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  if (j->rc == 0 && sslb__job_paused(j)) {
    nghttp2_session_consume_connection(s, len);
    j->held += len;
  } else {
    nghttp2_session_consume(s, id, len);
  }
  return 0;
}

void sslb__h2_release(sslb__h2 *h, sslb__job *j) {
  if (j->stream_id > 0 && j->held)
    nghttp2_session_consume_stream(h->s, j->stream_id, j->held);
  j->held = 0;
}

static int on_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud) {
  sslb__h2 *h = ud;
  sslb__job *j = nghttp2_session_get_stream_user_data(s, id);
  if (!j)
    return 0;
  nghttp2_session_set_stream_user_data(s, id, NULL);
  int retry = 0;
  if (j->rc < 0) {
    /* already failed (size limit) */
  } else if (code == NGHTTP2_NO_ERROR && j->resp->status) {
    j->rc = 0;
  } else if (code == NGHTTP2_REFUSED_STREAM &&
             (j->resp->status || j->head_done || j->resp->body.len)) {
    /* "refused" (or above a GOAWAY's last stream) after part of the answer
     * came: not unprocessed after all, and sending it again would join two
     * answers into one body */
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "the server refused stream %d after sending part of "
                       "its response",
                       id);
  } else if (code == NGHTTP2_REFUSED_STREAM &&
             ++j->refused <= SSLB__MAX_REFUSALS) {
    retry = 1; /* unprocessed: safe to send again */
  } else if (code == NGHTTP2_REFUSED_STREAM) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "the server refused the request %u times "
                       "(REFUSED_STREAM or GOAWAY before stream %d)",
                       j->refused, id);
  } else if (code == NGHTTP2_NO_ERROR) {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "stream %d closed without a final response", id);
  } else {
    j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                       "the server reset stream %d: %s", id,
                       nghttp2_http2_strerror(code));
  }
  finish(h, j, retry);
  return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
  sslb__h2 *h = ud;
  if (f->hd.type == NGHTTP2_GOAWAY) {
    h->goaway = 1;
    h->goaway_last = f->goaway.last_stream_id;
    h->goaway_code = f->goaway.error_code;
  }
  if (f->hd.type == NGHTTP2_HEADERS) {
    sslb__job *j = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    /* status stays 0 through interim (1xx) heads; trailers come after */
    if (j && j->rc == 0 && j->resp->status && sslb__job_head(j) < 0)
      nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id,
                                NGHTTP2_CANCEL);
  }
  return 0;
}

/* When nghttp2 finds the server breaking the protocol it ends the
 * connection with a GOAWAY carrying its reason: keep that for the error. */
static int on_frame_sent(nghttp2_session *s, const nghttp2_frame *f,
                         void *ud) {
  sslb__h2 *h = ud;
  if (f->hd.type == NGHTTP2_RST_STREAM &&
      f->rst_stream.error_code != NGHTTP2_CANCEL) {
    /* nghttp2 reset a stream whose response broke the rules (say, more
     * body than its content-length): the request fails saying so, not as
     * if the server had reset it */
    sslb__job *j = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
    if (j && j->rc == 0)
      j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL,
                         "the response on stream %d broke HTTP/2 rules, so "
                         "it was reset (%s)",
                         f->hd.stream_id,
                         nghttp2_http2_strerror(f->rst_stream.error_code));
    return 0;
  }
  if (f->hd.type != NGHTTP2_GOAWAY || f->goaway.error_code == NGHTTP2_NO_ERROR)
    return 0;
  size_t n = f->goaway.opaque_data_len < 150 ? f->goaway.opaque_data_len : 150;
  snprintf(h->why, sizeof h->why, "%.*s (%s)", (int)n,
           n ? (const char *)f->goaway.opaque_data : "no detail",
           nghttp2_http2_strerror(f->goaway.error_code));
  h->failed = 1;
  return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf,
                               size_t len, uint32_t *flags,
                               nghttp2_data_source *src, void *ud) {
  sslb__job *j = src->ptr;
  if (j->req->reader) {
    long n = j->req->reader(j->req->reader_ud, buf, len);
    if (n < 0 || (size_t)n > len) {
      j->rc = sslb__fail(sslb__job_err(j), SSLB_ERR_CANCELLED, "the body reader gave up");
      return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (n == 0)
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    return n;
  }
  size_t left = j->req->body_len - j->body_off;
  size_t n = left < len ? left : len;
  memcpy(buf, j->req->body + j->body_off, n);
  j->body_off += n;
  if (j->body_off == j->req->body_len)
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

int sslb__h2_new(sslb__h2 **out, sslb__h2_done_fn done, void *ud) {
  sslb__h2 *h = calloc(1, sizeof *h);
  if (!h)
    return SSLB_ERR_NO_MEMORY;
  h->done = done;
  h->ud = ud;
  nghttp2_session_callbacks *cb;
  if (nghttp2_session_callbacks_new(&cb) != 0) {
    free(h);
    return SSLB_ERR_NO_MEMORY;
  }
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
  nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_sent);
  nghttp2_option *opt;
  nghttp2_option_new(&opt);
  nghttp2_option_set_max_send_header_block_length(opt, 64 * 1024);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  int rc = nghttp2_session_client_new2(&h->s, cb, h, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  if (rc != 0) {
    free(h);
    return SSLB_ERR_NO_MEMORY;
  }
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 8 * 1024 * 1024},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_BYTES}};
  nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, 3);
  nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0,
                                        32 * 1024 * 1024);
  *out = h;
  return 0;
}

void sslb__h2_free(sslb__h2 *h) {
  if (!h)
    return;
  nghttp2_session_del(h->s);
  free(h);
}

int sslb__h2_can_submit(const sslb__h2 *h) {
  if (h->goaway || h->failed)
    return 0;
  uint32_t max = nghttp2_session_get_remote_settings(
      h->s, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return h->active < max && nghttp2_session_get_next_stream_id(h->s) < (1u << 30);
}

int sslb__h2_submit(sslb__h2 *h, sslb__job *j) {
  struct sslb_request *r = j->req;
  size_t n = 6 + r->nh;
  nghttp2_nv *nv = calloc(n, sizeof *nv);
  char **lower = calloc(r->nh + 1, sizeof *lower);
  if (!nv || !lower) {
    free(nv);
    free(lower);
    return sslb__fail(sslb__job_err(j), SSLB_ERR_NO_MEMORY, "out of memory");
  }
#define NV(nm, val)                                                            \
  nv[k++] = (nghttp2_nv){(uint8_t *)(nm), (uint8_t *)(val), strlen(nm),        \
                         strlen(val), NGHTTP2_NV_FLAG_NONE}
  size_t k = 0;
  NV(":method", r->method);
  NV(":scheme", r->url.https ? "https" : "http");
  NV(":authority", r->url.authority);
  NV(":path", r->url.target);
  int has_ua = 0, oom = 0;
  for (size_t i = 0; i < r->nh && !oom; i++) {
    /* connection-specific fields are not allowed in HTTP/2 */
    const char *name = r->h[i].name;
    if (!strcasecmp(name, "host") || !strcasecmp(name, "connection") ||
        !strcasecmp(name, "keep-alive") || !strcasecmp(name, "transfer-encoding") ||
        !strcasecmp(name, "upgrade") || !strcasecmp(name, "proxy-connection"))
      continue;
    lower[i] = sslb__strdup(name);
    if (!lower[i]) {
      oom = 1;
      break;
    }
    sslb__ascii_lower(lower[i]);
    has_ua |= !strcmp(lower[i], "user-agent");
    NV(lower[i], r->h[i].value);
  }
  if (!has_ua) /* as over HTTP/1.1 */
    NV("user-agent", "sslbind/" SSLB_VERSION_STRING);
  if (j->decode)
    NV("accept-encoding", "gzip, deflate, br");
#undef NV
  nghttp2_data_provider dp = {{.ptr = j}, read_body};
  j->body_off = 0;
  int32_t id = oom ? NGHTTP2_ERR_NOMEM
                   : nghttp2_submit_request(h->s, NULL, nv, k,
                                            r->body_len || r->reader ? &dp : NULL,
                                            j);
  for (size_t i = 0; i < r->nh; i++)
    free(lower[i]);
  free(lower);
  free(nv);
  if (id == NGHTTP2_ERR_NOMEM)
    return sslb__fail(sslb__job_err(j), SSLB_ERR_NO_MEMORY, "out of memory");
  if (id < 0)
    return sslb__fail(sslb__job_err(j), SSLB_ERR_PROTOCOL, "HTTP/2 request failed: %s",
                      nghttp2_strerror(id));
  j->stream_id = id;
  h->active++;
  return 0;
}

int sslb__h2_feed(sslb__h2 *h, const uint8_t *p, size_t n, sslb__err *err) {
  ssize_t r = nghttp2_session_mem_recv(h->s, p, n);
  if (r < 0) {
    h->failed = 1;
    return sslb__fail(err, SSLB_ERR_PROTOCOL, "HTTP/2 protocol error: %s",
                      nghttp2_strerror((int)r));
  }
  return 0;
}

int sslb__h2_output(sslb__h2 *h, sslb__buf *out) {
  for (;;) {
    const uint8_t *data;
    ssize_t n = nghttp2_session_mem_send(h->s, &data);
    if (n < 0)
      return SSLB_ERR_PROTOCOL;
    if (n == 0)
      return sslb__buf_ok(out);
    sslb__buf_put(out, data, (size_t)n);
  }
}

void sslb__h2_cancel(sslb__h2 *h, sslb__job *j) {
  if (!j->stream_id)
    return;
  nghttp2_session_set_stream_user_data(h->s, j->stream_id, NULL);
  nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, j->stream_id,
                            NGHTTP2_CANCEL);
  h->active--;
  j->stream_id = 0;
}

void sslb__h2_fail_all(sslb__h2 *h, int rc, const char *msg) {
  h->failed = 1;
  for (uint32_t id = 1; id < nghttp2_session_get_next_stream_id(h->s); id += 2) {
    sslb__job *j = nghttp2_session_get_stream_user_data(h->s, id);
    if (!j)
      continue;
    nghttp2_session_set_stream_user_data(h->s, id, NULL);
    if (j->rc == 0 && h->goaway && h->goaway_code != NGHTTP2_NO_ERROR)
      j->rc = sslb__fail(sslb__job_err(j), rc,
                         "%s after its GOAWAY (%s, last stream %d) with "
                         "stream %u unfinished",
                         msg, nghttp2_http2_strerror(h->goaway_code),
                         h->goaway_last, id);
    else if (j->rc == 0)
      j->rc = sslb__fail(sslb__job_err(j), rc, "%s", msg);
    finish(h, j, 0);
  }
}

size_t sslb__h2_active(const sslb__h2 *h) { return h->active; }

int sslb__h2_broken(const sslb__h2 *h, sslb__err *err) {
  if (!h->why[0])
    return 0;
  return sslb__fail(err, SSLB_ERR_PROTOCOL,
                    "the server broke the HTTP/2 protocol: %s", h->why);
}

int sslb__h2_closing(const sslb__h2 *h) { return h->goaway || h->failed; }

int sslb__h2_want_io(const sslb__h2 *h) {
  return nghttp2_session_want_read(h->s) || nghttp2_session_want_write(h->s);
}
