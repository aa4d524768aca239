/* The client's side of a completion queue (queue.c). */
#ifndef SSLB_QUEUE_H
#define SSLB_QUEUE_H

#include "../internal.h"

/* Holds a slot (and a reference) for one completion to come, so that
 * queueing it later cannot fail. 0 or SSLB_ERR_NO_MEMORY. */
int sslb__queue_reserve(sslb_queue *q) SSLB__MUST_USE;
/* Gives back a reserved slot that will not be used. */
void sslb__queue_unreserve(sslb_queue *q);
/* Fills a reserved slot; the response now belongs to the queue. */
void sslb__queue_push(sslb_queue *q, void *tag, int rc, sslb_response *resp);

#endif
