/* Threads kept for reuse.
 *
 * Every client runs an event loop and a resolver on threads of its own.
 * Creating a thread per client and letting it end would cost more than the
 * thread: GnuTLS keeps a random-number context for every thread that ever
 * drew random bytes until the library is deinitialised, so a program that
 * makes and drops clients would grow by that context each time. Here a
 * thread whose task has ended parks, up to a small number, and the next task
 * runs on it. Parked threads are woken and joined when the library is
 * unloaded, and forgotten in the child of a fork (they do not exist there).
 */
#include <pthread.h>
#include <stdlib.h>

#include "../internal.h"

/* Parked threads kept at most: two per client for the last few clients. */
#define MAX_PARKED 16

struct sslb__task {
  void *(*fn)(void *);
  void *arg;
  int done;     /* fn has returned */
  int detached; /* nobody will join: the worker frees the task */
};

typedef struct parked {
  pthread_t tid;
  pthread_cond_t cv;
  sslb__task *task; /* handed over by sslb__task_start */
  int quit;
  struct parked *next;
} parked;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static parked *idle;
static unsigned nidle;
static __thread sslb__task *current;

static void lock_for_fork(void) { pthread_mutex_lock(&mu); }
static void unlock_after_fork(void) { pthread_mutex_unlock(&mu); }
static void forget_after_fork(void) {
  /* the parked threads stayed in the parent */
  idle = NULL;
  nidle = 0;
  pthread_mutex_unlock(&mu);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void setup(void) {
  pthread_atfork(lock_for_fork, unlock_after_fork, forget_after_fork);
}

/* Runs tasks until there is no room to park; the parked record lives on
 * this thread's stack. Called with mu unlocked. */
static void *worker(void *arg) {
  sslb__task *t = arg;
  parked self = {.tid = pthread_self()};
  pthread_cond_init(&self.cv, NULL);
  for (;;) {
    current = t;
    t->fn(t->arg);
    current = NULL;
    pthread_mutex_lock(&mu);
    if (t->detached) {
      free(t);
    } else {
      t->done = 1;
      pthread_cond_broadcast(&done_cv);
    }
    if (nidle >= MAX_PARKED)
      break;
    self.task = NULL;
    self.next = idle;
    idle = &self;
    nidle++;
    while (!self.task && !self.quit)
      pthread_cond_wait(&self.cv, &mu);
    if (self.quit)
      break; /* unlinked by whoever set quit, and joined by them */
    t = self.task;
    pthread_mutex_unlock(&mu);
  }
  int joined = self.quit;
  pthread_mutex_unlock(&mu);
  pthread_cond_destroy(&self.cv);
  if (!joined)
    pthread_detach(pthread_self());
  return NULL;
}

int sslb__task_start(sslb__task **out, void *(*fn)(void *), void *arg) {
  *out = NULL;
  pthread_once(&once, setup);
  sslb__task *t = calloc(1, sizeof *t);
  if (!t)
    return SSLB_ERR_NO_MEMORY;
  t->fn = fn;
  t->arg = arg;
  pthread_mutex_lock(&mu);
  parked *p = idle;
  if (p) {
    idle = p->next;
    nidle--;
    p->task = t;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&mu);
  if (!p) {
    pthread_t tid;
    if (pthread_create(&tid, NULL, worker, t) != 0) {
      free(t);
      return SSLB_ERR_NO_MEMORY;
    }
  }
  *out = t;
  return 0;
}

int sslb__task_is_current(const sslb__task *t) {
  return t && current == t;
}

void sslb__task_join(sslb__task *t) {
  if (!t)
    return;
  pthread_mutex_lock(&mu);
  while (!t->done)
    pthread_cond_wait(&done_cv, &mu);
  pthread_mutex_unlock(&mu);
  free(t);
}

void sslb__task_detach(sslb__task *t) {
  if (!t)
    return;
  pthread_mutex_lock(&mu);
  int done = t->done;
  t->detached = 1;
  pthread_mutex_unlock(&mu);
  if (done)
    free(t);
}

/* Unloading the library must not leave threads parked in its code. */
__attribute__((destructor)) static void stop_parked(void) {
  pthread_t tids[MAX_PARKED];
  unsigned n = 0;
  pthread_mutex_lock(&mu);
  /* each record lives on the stack of its thread: read it before the
   * thread may wake, which it cannot while the lock is held */
  for (parked *p = idle; p && n < MAX_PARKED; p = p->next) {
    tids[n++] = p->tid;
    p->quit = 1;
    pthread_cond_signal(&p->cv);
  }
  idle = NULL;
  nidle = 0;
  pthread_mutex_unlock(&mu);
  for (unsigned i = 0; i < n; i++)
    pthread_join(tids[i], NULL);
}
