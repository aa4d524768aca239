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

struct sslb_response {
  int status;
  char version[4];
  sslb__hdr *h;
  size_t nh, caph;
  size_t header_bytes; /* names and values so far, for the size limit */
  sslb__buf body;
  char tls_version[16];
  char tls_cipher[64];
  char alpn[16];
  int resumed;
  sslb_certificate **peer;
  size_t npeer;
};

int sslb__resp_add_header(sslb_response *r, const char *n, size_t nl,
                          const char *v, size_t vl) SSLB__MUST_USE;

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
  sslb__err err; /* last: large, and only its first byte needs clearing */
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
  sslb__err err; /* last: large, and only its first byte needs clearing */
} sslb__job;

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
