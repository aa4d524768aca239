/* HTTP/2 on one connection with nghttp2: many jobs as concurrent streams. */
#ifndef SSLB_H2_H
#define SSLB_H2_H

#include "client/job.h"

typedef struct sslb__h2 sslb__h2;
/* Called when a job ends. retry: the server refused the stream before
 * processing it (REFUSED_STREAM or beyond GOAWAY's last stream id), so the
 * job may run again on another connection. */
typedef void (*sslb__h2_done_fn)(void *ud, sslb__job *job, int retry);

int sslb__h2_new(sslb__h2 **out, sslb__h2_done_fn done, void *ud)
    SSLB__MUST_USE;
void sslb__h2_free(sslb__h2 *h);
int sslb__h2_can_submit(const sslb__h2 *h);
int sslb__h2_submit(sslb__h2 *h, sslb__job *job) SSLB__MUST_USE;
/* Feeds received bytes; <0 on a connection error (message in err). */
int sslb__h2_feed(sslb__h2 *h, const uint8_t *p, size_t n, sslb__err *err)
    SSLB__MUST_USE;
/* Appends frames to send. */
int sslb__h2_output(sslb__h2 *h, sslb__buf *out) SSLB__MUST_USE;
/* Abandons one stream (RST_STREAM CANCEL); the job is no longer this
 * session's and no callback will name it. */
void sslb__h2_cancel(sslb__h2 *h, sslb__job *job);
/* Gives a resumed request's held-back bytes to its stream window. */
void sslb__h2_release(sslb__h2 *h, sslb__job *job);
/* Fails every open stream (connection lost). */
void sslb__h2_fail_all(sslb__h2 *h, int rc, const char *msg);
size_t sslb__h2_active(const sslb__h2 *h);
/* SSLB_ERR_PROTOCOL with nghttp2's reason once it has ended the connection
 * over the server's protocol violation (its GOAWAY generated); 0 before. */
int sslb__h2_broken(const sslb__h2 *h, sslb__err *err);
/* True once no new stream may start (GOAWAY received or sent). */
int sslb__h2_closing(const sslb__h2 *h);
int sslb__h2_want_io(const sslb__h2 *h);

#endif
