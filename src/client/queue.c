/* Completion queues: submitted requests end here instead of in a callback.
 *
 * Completions sit in a ring whose room is reserved at submission, so the
 * I/O thread never allocates (or fails) to queue one. The queue counts one
 * reference for its owner and one per reserved slot: the owner may drop it
 * while requests still run, and the last of them frees it. The optional
 * eventfd is readable exactly while the ring is not empty. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

struct sslb_queue {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  sslb_completion *ring;
  size_t cap, head, count; /* count completions from head, wrapping */
  size_t reserved;         /* slots held for requests still running */
  int owned;               /* the owner has not freed it yet */
  int efd;                 /* -1 until sslb_queue_fd */
  int signalled;           /* efd holds a count */
  int waiters;
};

int sslb_queue_new(sslb_queue **out) {
  if (!out)
    return SSLB_ERR_INVALID_ARGUMENT;
  *out = NULL;
  sslb_queue *q = calloc(1, sizeof *q);
  if (!q)
    return SSLB_ERR_NO_MEMORY;
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(&q->cv, &a);
  pthread_condattr_destroy(&a);
  pthread_mutex_init(&q->mu, NULL);
  q->owned = 1;
  q->efd = -1;
  *out = q;
  return 0;
}

static void destroy(sslb_queue *q) {
  if (q->efd >= 0)
    close(q->efd);
  pthread_cond_destroy(&q->cv);
  pthread_mutex_destroy(&q->mu);
  free(q->ring);
  free(q);
}

/* Frees what waits in the ring (the owner is gone). Called locked. */
static void drop_queued(sslb_queue *q) {
  for (size_t i = 0; i < q->count; i++)
    sslb_response_free(q->ring[(q->head + i) % q->cap].response);
  q->head = q->count = 0;
}

void sslb_queue_free(sslb_queue *q) {
  if (!q)
    return;
  pthread_mutex_lock(&q->mu);
  q->owned = 0;
  drop_queued(q);
  int last = q->reserved == 0;
  pthread_mutex_unlock(&q->mu);
  if (last)
    destroy(q);
}

/* Makes the ring hold at least `want` completions, keeping their order.
 * Called locked. */
static int grow(sslb_queue *q, size_t want) {
  if (want <= q->cap)
    return 0;
  size_t cap = q->cap ? q->cap : 64;
  while (cap < want)
    cap *= 2;
  sslb_completion *ring = malloc(cap * sizeof *ring);
  if (!ring)
    return SSLB_ERR_NO_MEMORY;
  for (size_t i = 0; i < q->count; i++)
    ring[i] = q->ring[(q->head + i) % q->cap];
  free(q->ring);
  q->ring = ring;
  q->cap = cap;
  q->head = 0;
  return 0;
}

int sslb__queue_reserve(sslb_queue *q) {
  pthread_mutex_lock(&q->mu);
  int rc = grow(q, q->count + q->reserved + 1);
  if (rc == 0)
    q->reserved++;
  pthread_mutex_unlock(&q->mu);
  return rc;
}

/* Gives back one reserved slot and wakes whoever waits for the last
 * running request; frees the queue when its owner and every slot are gone.
 * Called locked; unlocks. */
static void release_slot(sslb_queue *q) {
  q->reserved--;
  int last = !q->owned && q->reserved == 0;
  if (q->waiters)
    pthread_cond_broadcast(&q->cv);
  pthread_mutex_unlock(&q->mu);
  if (last)
    destroy(q);
}

void sslb__queue_unreserve(sslb_queue *q) {
  pthread_mutex_lock(&q->mu);
  release_slot(q);
}

void sslb__queue_push(sslb_queue *q, void *tag, int rc, sslb_response *resp) {
  pthread_mutex_lock(&q->mu);
  if (!q->owned) {
    sslb_response_free(resp); /* nobody will take it */
  } else {
    q->ring[(q->head + q->count) % q->cap] =
        (sslb_completion){.tag = tag, .rc = rc, .response = resp};
    q->count++;
    if (q->efd >= 0 && !q->signalled) {
      uint64_t one = 1;
      (void)!write(q->efd, &one, sizeof one);
      q->signalled = 1;
    }
  }
  release_slot(q);
}

/* Waits on the condition until the deadline; 0 when it passed. */
static int wait_until(sslb_queue *q, const struct timespec *deadline) {
  q->waiters++;
  int rc = deadline ? pthread_cond_timedwait(&q->cv, &q->mu, deadline)
                    : pthread_cond_wait(&q->cv, &q->mu);
  q->waiters--;
  return rc != ETIMEDOUT;
}

long sslb_queue_take(sslb_queue *q, sslb_completion *out, size_t max,
                     int timeout_ms) {
  if (!q || (!out && max))
    return SSLB_ERR_INVALID_ARGUMENT;
  struct timespec deadline, *dl = NULL;
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
    dl = &deadline;
  }
  pthread_mutex_lock(&q->mu);
  while (max && q->count == 0 && q->reserved > 0 && timeout_ms != 0)
    if (!wait_until(q, dl))
      break;
  size_t n = q->count < max ? q->count : max;
  for (size_t i = 0; i < n; i++)
    out[i] = q->ring[(q->head + i) % q->cap];
  q->head = q->cap ? (q->head + n) % q->cap : 0;
  q->count -= n;
  if (q->count == 0 && q->signalled) {
    uint64_t v;
    (void)!read(q->efd, &v, sizeof v);
    q->signalled = 0;
  }
  pthread_mutex_unlock(&q->mu);
  return (long)n;
}

size_t sslb_queue_outstanding(const sslb_queue *q) {
  if (!q)
    return 0;
  sslb_queue *m = (sslb_queue *)q; /* the lock, not the contents, changes */
  pthread_mutex_lock(&m->mu);
  size_t n = m->count + m->reserved;
  pthread_mutex_unlock(&m->mu);
  return n;
}

int sslb_queue_fd(sslb_queue *q) {
  if (!q)
    return SSLB_ERR_INVALID_ARGUMENT;
  pthread_mutex_lock(&q->mu);
  if (q->efd < 0) {
    q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (q->efd >= 0 && q->count) {
      uint64_t one = 1;
      (void)!write(q->efd, &one, sizeof one);
      q->signalled = 1;
    }
  }
  int fd = q->efd;
  pthread_mutex_unlock(&q->mu);
  return fd >= 0 ? fd : SSLB_ERR_NO_MEMORY;
}
