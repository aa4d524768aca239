/* sslb-testserver internals: the connection core (testserver.c), the
 * protocol-neutral endpoints (srv_route.c) and the two HTTP front ends
 * (srv_h1.c, srv_h2.c). A connection lives on its own thread, so nothing
 * here is shared between threads except the counters and the flags marked
 * atomic. */
#ifndef SSLB_TESTSERVER_SRV_H
#define SSLB_TESTSERVER_SRV_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define SRV_IDLE_MS 60000          /* no traffic and no timer pending */
#define SRV_HANDSHAKE_MS 10000
#define SRV_STALL_MS 120000        /* /fault/stall, /fault/stall-body */
#define SRV_BAD_CHUNK_MS 60000     /* how long /fault/bad-chunk keeps it open */
#define SRV_DELAY_CAP_MS 120000
#define SRV_MAX_HEAD (64 * 1024)   /* request line (or :path) plus headers */
#define SRV_MAX_ECHO (64u * 1024 * 1024)
#define SRV_MAX_BYTES ((uint64_t)1 << 40)
#define SRV_OUT_HIGH (64 * 1024)   /* stop generating above this backlog */
#define SRV_CHUNK 16384            /* body generation step, HTTP/1.1 chunk */
#define SRV_NO_LENGTH UINT64_MAX

/* ---- process-wide state (testserver.c) ---- */
extern atomic_ulong srv_connections; /* accepted since start */
extern atomic_ulong srv_requests;    /* request heads seen since start */
extern atomic_ulong srv_streams_open; /* HTTP/2 streams open now */
/* most HTTP/2 streams open at once since the last /stats */
extern atomic_ulong srv_streams_peak;
extern atomic_int srv_goaway_once_used;
extern atomic_int srv_stopping;
extern int srv_quiet;
extern uint32_t srv_max_streams;

int64_t srv_now_ms(void);
/* One request line on stderr (unless --quiet); status 0 prints "-". */
void srv_log(const char *proto, const char *method, const char *target,
             int status);

/* ---- a growable, always NUL-terminated byte buffer ---- */
typedef struct {
  char *p;
  size_t len, cap;
} srv_buf;

int srv_buf_add(srv_buf *b, const void *p, size_t n);
void srv_buf_free(srv_buf *b);

/* ---- one connection ---- */
enum {
  SRV_KEEP = 0,
  SRV_CLOSE_GRACEFUL, /* flush, close_notify, FIN, drain */
  SRV_CLOSE_ABRUPT,   /* flush, FIN without close_notify, drain */
  SRV_CLOSE_RESET,    /* flush, short pause, then RST (SO_LINGER 0) */
  SRV_CLOSE_NOW       /* drop at once, nothing more is written */
};

typedef struct srv_conn srv_conn;
struct srv_conn {
  int fd;
  gnutls_session_t tls;
  const char *client_dn; /* subject DN of the client certificate, or NULL */
  /* output waiting for the socket: [out_off, out_len) */
  uint8_t *out;
  size_t out_off, out_len, out_cap;
  size_t out_again;  /* length of a record send that returned E_AGAIN */
  int close_mode;    /* SRV_CLOSE_*, acted on once the output is flushed */
  int peer_eof;      /* the client closed its side */
  int read_paused;   /* the front end wants no more input for now */
  int64_t last_io_ms;
  void *proto;       /* srv_h1 / srv_h2 state */
};

int srv_out_add(srv_conn *c, const void *p, size_t n);
int srv_out_printf(srv_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
size_t srv_out_queued(const srv_conn *c);
/* Asks for the connection to end; a harsher mode wins over a gentler one. */
void srv_close(srv_conn *c, int mode);

/* ---- endpoints, shared by both protocols (srv_route.c) ---- */
enum {
  SRV_FAULT_NONE = 0,
  SRV_FAULT_CLOSE,       /* after the body part: close without a goodbye */
  SRV_FAULT_BAD_CHUNK,   /* HTTP/1.1: after the raw body, keep still */
  SRV_FAULT_RST,         /* after the body part: RST_STREAM / TCP RST */
  SRV_FAULT_REFUSE,      /* HTTP/2 REFUSED_STREAM; HTTP/1.1 close after 503 */
  SRV_FAULT_GOAWAY,      /* after the body part: GOAWAY(INTERNAL_ERROR) */
  SRV_FAULT_GOAWAY_ONCE, /* no response: GOAWAY(NO_ERROR, 0) / close */
  SRV_FAULT_STALL,       /* no response at all */
  SRV_FAULT_STALL_BODY,  /* after the body part: nothing more */
  SRV_FAULT_GARBAGE,     /* no response: bytes that are not HTTP, close */
  SRV_FAULT_REFUSE_LATE  /* HTTP/2, after the body part: REFUSED_STREAM, as
                            if the request had gone unprocessed */
};

typedef struct {
  int h2;
  const char *method;
  const char *target; /* path and query */
  const char *headers; /* "name: value\n" lines, names lower-case */
  const char *content_type; /* NULL when absent */
  uint8_t *body;            /* kept for /echo only; srv_route may take it */
  uint64_t body_len;
  int body_too_large;
  const char *client_dn;
} srv_request;

typedef struct {
  char name[32];
  char *value;
} srv_header;

typedef struct {
  int status; /* 0: the fault sends no response head */
  int fault;
  int head;    /* HEAD: head only */
  int chunked; /* HTTP/1.1 transfer-encoding: chunked */
  int raw;     /* HTTP/1.1: body bytes are already framed, write as they are */
  int64_t delay_ms;
  srv_header hdrs[6];
  int nhdrs;
  uint8_t *mem; /* body from memory, or NULL for the a..z pattern */
  size_t mem_len;
  uint64_t length;   /* body bytes to send before the end (or the fault) */
  uint64_t declared; /* content-length, or SRV_NO_LENGTH */
  uint64_t sent;
} srv_response;

/* Fills resp for req. 0, or -1 when out of memory. */
int srv_route(srv_request *req, srv_response *resp);
void srv_response_clear(srv_response *resp);
/* Next body bytes, at most n (and at most what is left of resp->length). */
size_t srv_response_read(srv_response *resp, uint8_t *dst, size_t n);
/* 1 when a response with this status carries no body. */
int srv_status_bodyless(int status);
const char *srv_reason(int status);

/* ---- the front ends ---- */
typedef struct {
  const char *name; /* for the log: "HTTP/1.1", "HTTP/2" */
  int (*start)(srv_conn *c);
  /* bytes from the client; -1 closes at once */
  int (*input)(srv_conn *c, const uint8_t *p, size_t n);
  /* timers and output generation; -1 closes at once */
  int (*produce)(srv_conn *c, int64_t now);
  /* the earliest timer, INT64_MAX when none */
  int64_t (*next_wake)(srv_conn *c);
  void (*free)(srv_conn *c);
} srv_proto;

extern const srv_proto srv_h1;
extern const srv_proto srv_h2;

#endif
