#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "http/h1.h"

#define MAX_HEADER_BYTES (256u * 1024u)

struct sslb__h1 {
  llhttp_t parser;
  llhttp_settings_t settings;
  sslb__job *job;
  sslb__buf field, value;
  int in_value;
  int value_done;    /* the current field's value line has ended */
  int value_started; /* some of the current field's value has come */
  const char *feed_start; /* the bytes being parsed now */
  int fed_lf; /* the bytes parsed before them ended with a line feed */
  size_t header_bytes;
  int complete;
  int head; /* HEAD request: no body follows */
  int trailing; /* unexpected bytes after the response */
  int streaming; /* a reader body is still being sent */
  int chunked;   /* ...with chunked framing */
  int64_t sent;  /* bytes of it sent */
  int headers_done; /* the final response's headers have arrived */
  uint64_t body_got; /* body bytes of the final response so far */
};

static int flush_header(sslb__h1 *h) {
  if (!h->field.len)
    return 0;
  for (size_t i = 0; i < h->field.len; i++)
    if (h->field.p[i] >= 'A' && h->field.p[i] <= 'Z')
      h->field.p[i] = (uint8_t)(h->field.p[i] + 32);
  int rc = sslb__resp_add_header(h->job->resp, (char *)h->field.p,
                                 h->field.len, h->value.p ? (char *)h->value.p : "",
                                 h->value.len);
  h->field.len = 0;
  h->value.len = 0;
  h->in_value = 0;
  return rc;
}

static int count(sslb__h1 *h, size_t n) {
  h->header_bytes += n;
  return h->header_bytes > MAX_HEADER_BYTES ? -1 : 0;
}

static int on_value_done(llhttp_t *p) {
  ((sslb__h1 *)p->data)->value_done = 1;
  return 0;
}

static int on_field(llhttp_t *p, const char *at, size_t n) {
  sslb__h1 *h = p->data;
  h->value_done = h->value_started = 0;
  if (h->in_value && flush_header(h) < 0)
    return -1;
  if (count(h, n) < 0)
    return -1;
  sslb__buf_put(&h->field, at, n);
  return 0;
}

static int on_value(llhttp_t *p, const char *at, size_t n) {
  sslb__h1 *h = p->data;
  h->in_value = 1;
  if (count(h, n) < 0)
    return -1;
  /* a value continued on a new line (llhttp hands the continuation over
   * as more of the same value, right after the line break): obsolete line
   * folding. RFC 9112 lets a client unfold it, but a field two parsers may
   * read differently is refused instead */
  int after_break = at > h->feed_start ? at[-1] == '\n' : h->fed_lf;
  if (h->value_done || (h->value_started && after_break)) {
    h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_PROTOCOL,
                            "malformed HTTP/1.1 response: a header field is "
                            "folded over several lines (obsolete line "
                            "folding), which sslbind refuses");
    return -1;
  }
  h->value_started = 1;
  sslb__buf_put(&h->value, at, n);
  return 0;
}

/* Transfer-Encoding of a final response: none, or exactly "chunked" (what
 * llhttp frames by). Anything else (gzip, "chunked, gzip", several fields)
 * would be framed by the connection's close and delivered still encoded:
 * refused, naming the coding. 0 or -1 (the job says why). */
static int check_transfer_coding(sslb__h1 *h) {
  const sslb_response *r = h->job->resp;
  const char *te = NULL;
  size_t n = 0;
  for (size_t i = 0; i < r->nh; i++)
    if (!strcmp(r->h[i].name, "transfer-encoding")) {
      te = r->h[i].value;
      n++;
    }
  if (!te)
    return 0;
  const char *b = te, *e = te + strlen(te);
  while (b < e && (*b == ' ' || *b == '\t'))
    b++;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  if (n == 1 && e - b == 7 && !strncasecmp(b, "chunked", 7))
    return 0;
  h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_PROTOCOL,
                          "malformed HTTP/1.1 response: Transfer-Encoding "
                          "'%.100s'%s is not one sslbind reads (only "
                          "chunked)",
                          te, n > 1 ? " (in several fields)" : "");
  return -1;
}

static int on_headers_complete(llhttp_t *p) {
  sslb__h1 *h = p->data;
  if (flush_header(h) < 0)
    return -1;
  if (p->status_code < 100 || p->status_code > 999) {
    /* llhttp takes a status of one or two digits too; RFC 9112 says three */
    h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_PROTOCOL,
                            "malformed HTTP/1.1 response: status code %d is "
                            "not three digits",
                            p->status_code);
    return -1;
  }
  h->job->resp->status = p->status_code;
  /* 1xx interim responses are skipped: their headers are discarded */
  if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101) {
    sslb__resp_clear_headers(h->job->resp);
    return 0;
  }
  if (!h->head && check_transfer_coding(h) < 0)
    return -1;
  h->headers_done = 1;
  if (sslb__job_head(h->job) < 0)
    return -1;
  return h->head ? 1 : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  sslb__h1 *h = p->data;
  h->body_got += n;
  return sslb__job_body(h->job, (const uint8_t *)at, n) < 0 ? -1 : 0;
}

static int on_message_complete(llhttp_t *p) {
  sslb__h1 *h = p->data;
  if (p->status_code >= 100 && p->status_code < 200 && p->status_code != 101)
    return 0; /* wait for the final response */
  h->complete = 1;
  return HPE_PAUSED;
}

sslb__h1 *sslb__h1_new(void) {
  sslb__h1 *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  llhttp_settings_init(&h->settings);
  h->settings.on_header_field = on_field;
  h->settings.on_header_value = on_value;
  h->settings.on_header_value_complete = on_value_done;
  h->settings.on_headers_complete = on_headers_complete;
  h->settings.on_body = on_body;
  h->settings.on_message_complete = on_message_complete;
  return h;
}

void sslb__h1_free(sslb__h1 *h) {
  if (!h)
    return;
  sslb__buf_free(&h->field);
  sslb__buf_free(&h->value);
  free(h);
}

/* "Name: value\r\n" (the request head is written on every request:
 * plain appends, no format parsing) */
static void put_field(sslb__buf *out, const char *name, const char *value) {
  sslb__buf_str(out, name);
  sslb__buf_put(out, ": ", 2);
  sslb__buf_str(out, value);
  sslb__buf_put(out, "\r\n", 2);
}

int sslb__h1_begin(sslb__h1 *h, sslb__job *job, sslb__buf *out) {
  struct sslb_request *r = job->req;
  h->job = job;
  h->complete = 0;
  h->trailing = 0;
  h->in_value = 0;
  h->value_done = h->value_started = 0;
  h->fed_lf = 0;
  h->header_bytes = 0;
  h->field.len = h->value.len = 0;
  h->head = strcasecmp(r->method, "HEAD") == 0;
  llhttp_init(&h->parser, HTTP_RESPONSE, &h->settings);
  h->parser.data = h;
  sslb__buf_str(out, r->method);
  sslb__buf_put(out, " ", 1);
  sslb__buf_str(out, r->url.target);
  sslb__buf_str(out, " HTTP/1.1\r\n");
  int has_host = 0, has_ua = 0, has_len = 0;
  for (size_t i = 0; i < r->nh; i++) {
    has_host |= !strcasecmp(r->h[i].name, "host");
    has_ua |= !strcasecmp(r->h[i].name, "user-agent");
    has_len |= !strcasecmp(r->h[i].name, "content-length");
  }
  if (!has_host)
    put_field(out, "Host", r->url.authority);
  if (!has_ua)
    sslb__buf_str(out, "User-Agent: sslbind/" SSLB_VERSION_STRING "\r\n");
  for (size_t i = 0; i < r->nh; i++)
    put_field(out, r->h[i].name, r->h[i].value);
  if (job->decode)
    sslb__buf_str(out, "Accept-Encoding: gzip, deflate, br\r\n");
  h->streaming = r->reader != NULL;
  h->chunked = r->reader && r->reader_len < 0;
  h->sent = 0;
  if (h->chunked)
    sslb__buf_str(out, "Transfer-Encoding: chunked\r\n");
  else if (r->reader && !has_len)
    sslb__buf_printf(out, "Content-Length: %lld\r\n", (long long)r->reader_len);
  else if (!has_len && (r->body_len || (strcasecmp(r->method, "GET") &&
                                        strcasecmp(r->method, "HEAD"))))
    sslb__buf_printf(out, "Content-Length: %zu\r\n", r->body_len);
  sslb__buf_str(out, "\r\n");
  if (r->body_len && !r->reader)
    sslb__buf_put(out, r->body, r->body_len);
  return sslb__buf_ok(out);
}

int sslb__h1_more_body(sslb__h1 *h, sslb__buf *out) {
  if (!h->streaming)
    return 0;
  struct sslb_request *r = h->job->req;
  uint8_t buf[16384];
  size_t want = sizeof buf;
  if (!h->chunked && (int64_t)want > r->reader_len - h->sent)
    want = (size_t)(r->reader_len - h->sent);
  long n = want ? r->reader(r->reader_ud, buf, want) : 0;
  if (n < 0 || (size_t)n > want)
    return h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_CANCELLED,
                                   "the body reader gave up");
  if (n == 0) {
    h->streaming = 0;
    if (!h->chunked && h->sent != r->reader_len)
      return h->job->rc = sslb__fail(
                 sslb__job_err(h->job), SSLB_ERR_INVALID_ARGUMENT,
                 "the body reader ended after %lld of %lld bytes",
                 (long long)h->sent, (long long)r->reader_len);
    if (h->chunked)
      sslb__buf_str(out, "0\r\n\r\n");
    return h->chunked ? 1 : 0;
  }
  if (h->chunked)
    sslb__buf_printf(out, "%lx\r\n", n);
  sslb__buf_put(out, buf, (size_t)n);
  if (h->chunked)
    sslb__buf_str(out, "\r\n");
  h->sent += n;
  if (sslb__buf_ok(out) < 0)
    return h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_NO_MEMORY,
                                   "out of memory");
  return 1;
}

static int parse_error(sslb__h1 *h, llhttp_errno_t e) {
  if (h->job->rc < 0)
    return h->job->rc;
  if (h->header_bytes > MAX_HEADER_BYTES)
    return h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_TOO_LARGE,
                                   "response headers exceed %u bytes",
                                   MAX_HEADER_BYTES);
  return h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_PROTOCOL,
                                 "malformed HTTP/1.1 response: %s (%s)",
                                 llhttp_errno_name(e),
                                 llhttp_get_error_reason(&h->parser));
}

int sslb__h1_feed(sslb__h1 *h, const uint8_t *p, size_t n) {
  h->feed_start = (const char *)p;
  llhttp_errno_t e = llhttp_execute(&h->parser, (const char *)p, n);
  h->fed_lf = n && p[n - 1] == '\n';
  if (e == HPE_OK)
    return h->complete;
  if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    if (h->complete) {
      /* bytes after a complete response, before any next request: the
       * connection's framing can no longer be trusted, so it is not
       * reused */
      const char *pos = llhttp_get_error_pos(&h->parser);
      h->trailing = pos && pos < (const char *)p + n;
      return 1;
    }
    return 0;
  }
  return parse_error(h, e);
}

int sslb__h1_eof(sslb__h1 *h) {
  if (h->complete)
    return 1;
  llhttp_errno_t e = llhttp_finish(&h->parser);
  if (e == HPE_OK && h->complete)
    return 1;
  if (e == HPE_INVALID_EOF_STATE && !h->headers_done)
    return h->job->rc = sslb__fail(
               sslb__job_err(h->job), SSLB_ERR_CONNECTION_CLOSED,
               "the server closed the connection in the middle of the "
               "response headers");
  if (e == HPE_INVALID_EOF_STATE && (h->parser.flags & F_CHUNKED))
    return h->job->rc = sslb__fail(
               sslb__job_err(h->job), SSLB_ERR_CONNECTION_CLOSED,
               "the server closed the connection in the middle of a chunked "
               "body, after %llu bytes of it",
               (unsigned long long)h->body_got);
  if (e == HPE_INVALID_EOF_STATE)
    return h->job->rc = sslb__fail(
               sslb__job_err(h->job), SSLB_ERR_CONNECTION_CLOSED,
               "the server closed the connection after %llu of %llu body "
               "bytes (Content-Length)",
               (unsigned long long)h->body_got,
               (unsigned long long)(h->body_got + h->parser.content_length));
  if (e != HPE_OK && e != HPE_PAUSED)
    return parse_error(h, e);
  return h->job->rc = sslb__fail(sslb__job_err(h->job), SSLB_ERR_CONNECTION_CLOSED,
                                 "the server closed the connection before "
                                 "the response was complete");
}

int sslb__h1_keep_alive(const sslb__h1 *h) {
  return h->complete && !h->trailing && llhttp_should_keep_alive(&h->parser);
}
