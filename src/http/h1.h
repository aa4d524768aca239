/* HTTP/1.1 exchanges on one connection, parsed with llhttp. */
#ifndef SSLB_H1_H
#define SSLB_H1_H

#include "client/job.h"

typedef struct sslb__h1 sslb__h1;

sslb__h1 *sslb__h1_new(void);
void sslb__h1_free(sslb__h1 *h);
/* Serialises job's request into out and readies the parser. */
int sslb__h1_begin(sslb__h1 *h, sslb__job *job, sslb__buf *out) SSLB__MUST_USE;
/* Appends the next piece of a streamed request body: 1 when something was
 * appended, 0 when the body is complete, <0 on failure (on job->err). */
int sslb__h1_more_body(sslb__h1 *h, sslb__buf *out) SSLB__MUST_USE;
/* 0: more input needed; 1: response complete; <0: error (on job->err). */
int sslb__h1_feed(sslb__h1 *h, const uint8_t *p, size_t n) SSLB__MUST_USE;
/* The peer closed: 1 if that completes the response, else an error. */
int sslb__h1_eof(sslb__h1 *h) SSLB__MUST_USE;
/* Whether the connection may carry another request after this one. */
int sslb__h1_keep_alive(const sslb__h1 *h);

#endif
