/* One request in flight: what the HTTP/1.1 and HTTP/2 codecs read from
 * and write into. Owned by the client's I/O thread while running. */
#ifndef SSLB_JOB_H
#define SSLB_JOB_H

#include <pthread.h>

#include "http/url.h"
#include "internal.h"

/* A header field. In a response, value points into name's allocation
 * (sslb__resp_add_header); in a request they are allocated apart. */
typedef struct {
  char *name;
  char *value;
} sslb__hdr;

/* A server's certificate chain as presented, shared by its connection and
 * the responses that came over it. */
typedef struct sslb__chain {
  unsigned refs; /* atomic */
  size_t n;
  sslb_certificate *certs[];
} sslb__chain;

/* A block of header strings beyond the ones a response holds itself. */
typedef struct sslb__hblock {
  struct sslb__hblock *next;
  size_t used, cap;
  char data[];
} sslb__hblock;

#define SSLB__RESP_FIELDS 16   /* header fields held in the response */
#define SSLB__RESP_STRINGS 768 /* bytes of names and values held there */

struct sslb_response {
  int status;
  char version[4];
  sslb__hdr *h; /* h_own until more fields come */
  size_t nh, caph;
  size_t header_bytes; /* names and values so far, for the size limit */
  sslb__buf body;
  char tls_version[16];
  char tls_cipher[64];
  char alpn[16];
  int resumed;
  struct sslb__chain *chain; /* the connection's, shared (a reference) */
  sslb__hblock *blocks; /* strings that did not fit in strings[] */
  size_t strings_used;
  /* last, left uninitialised until used: a typical response's fields and
   * their strings, so that it costs no allocation beyond its own */
  sslb__hdr h_own[SSLB__RESP_FIELDS];
  char strings[SSLB__RESP_STRINGS];
};

/* A new, empty response; NULL when memory is short. */
sslb_response *sslb__resp_new(void);
int sslb__resp_add_header(sslb_response *r, const char *n, size_t nl,
                          const char *v, size_t vl) SSLB__MUST_USE;
/* Forgets the fields so far (those of an interim 1xx response). */
void sslb__resp_clear_headers(sslb_response *r);

struct sslb_request {
  char *method;
  char *url_text; /* as given: the base for relative redirects */
  sslb__url url;
  sslb__hdr *h;
  size_t nh, caph;
  uint8_t *body;
  size_t body_len;
  int cancel; /* set by sslb_client_cancel (atomic) */
  int paused; /* set by sslb_client_pause, cleared by _resume (atomic) */
  sslb_body_sink_fn sink;
  void *sink_ud;
  sslb_head_fn head;
  void *head_ud;
  sslb_body_reader_fn reader; /* streamed body instead of body/body_len */
  void *reader_ud;
  int64_t reader_len; /* -1: unknown */
  int policy;         /* sslb_http_policy + 1; 0: the client's */
  sslb__err *err; /* made at the first failure (sslb__request_err) */
};

typedef struct sslb__job {
  struct sslb_request *req;      /* running now: user_req or own_req */
  struct sslb_request *user_req; /* the caller's */
  struct sslb_request *own_req;  /* made for a redirect, freed with the job */
  struct sslb_client *client;
  unsigned hops;
  int policy; /* sslb_http_policy in force: the request's or the client's */
  int proxied; /* through via_host:via_port with CONNECT */
  char via_host[256];
  unsigned via_port;
  char dial_host[256]; /* connect-to: dial here instead ("" when not) */
  unsigned dial_port;
  sslb_response *resp;
  size_t max_body;
  int decode; /* offer and undo content codings */
  int64_t deadline_ms; /* monotonic; 0 = none */
  int rc;              /* result once done */
  int done;
  int sent_any; /* some of the request reached a connection */
  int retried;  /* already re-run once after a stale keep-alive connection */
  unsigned refused; /* times an HTTP/2 server refused it unprocessed */
  size_t body_off;
  int head_done; /* the final response's head was seen */
  int skip_body; /* a redirect about to be followed: its body is dropped */
  size_t held; /* HTTP/2 body bytes not yet given back to the stream's
                  window, while the request is paused */
  int32_t stream_id;
  void *conn;
  struct sslb__job *next;
  struct sslb__job *lprev, *lnext; /* a connection's running HTTP/2 jobs */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  sslb_completion_fn cb; /* submit: called instead of signalling */
  void *cb_ud;            /* the callback's argument, or the queue's tag */
  struct sslb_queue *queue; /* submit_to_queue: completes into it */
} sslb__job;

/* The request's message buffer, made at its first failure: NULL when
 * memory is short (the code alone then tells what failed). */
sslb__err *sslb__request_err(struct sslb_request *r);

/* Where a job's failure is described: its caller's request. */
static inline sslb__err *sslb__job_err(sslb__job *j) {
  return sslb__request_err(j->user_req);
}

/* The job's failure message so far ("" when none). */
static inline const char *sslb__job_msg(const sslb__job *j) {
  return j->user_req->err ? j->user_req->err->msg : "";
}

/* Forgets an earlier failure's message (the job runs again). */
static inline void sslb__job_clear_msg(sslb__job *j) {
  if (j->user_req->err)
    j->user_req->err->msg[0] = 0;
}

/* The final response's head (status and fields) is complete: runs the
 * request's head callback, unless the response is a redirect the client
 * follows. 0, or a code also stored on the job. */
int sslb__job_head(sslb__job *j) SSLB__MUST_USE;

static inline int sslb__job_paused(const sslb__job *j) {
  return __atomic_load_n(&j->user_req->paused, __ATOMIC_ACQUIRE);
}

/* Takes response body bytes: to the request's sink, or into the buffered
 * body within the size limit. 0, or a code also stored on the job. */
int sslb__job_body(sslb__job *j, const uint8_t *p, size_t n) SSLB__MUST_USE;

#endif
