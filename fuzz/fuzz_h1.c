/* libFuzzer target: HTTP/1.1 response handling as the client runs it,
 * llhttp beneath, for a GET and a HEAD. The input is what the server
 * sends, fed in pieces whose sizes the first byte varies, then the close.
 * A complete response has a status of three digits and a body within the
 * limit; a failure has a code and a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/job.h"
#include "http/h1.h"

static sslb_client *client; /* the redirect policy is read from it */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  if (!client) {
    sslb_trust_builder *b;
    sslb_trust_manager *tm;
    if (sslb_trust_builder_new(&b) || sslb_trust_builder_replace_defaults(b) ||
        sslb_trust_builder_build(b, &tm) || sslb_client_new(&client, tm))
      abort();
    sslb_trust_builder_free(b);
    sslb_trust_manager_free(tm);
  }
  size_t piece = 1 + data[0] % 64;
  data++;
  size--;
  for (int head = 0; head < 2; head++) {
    sslb_request *r;
    if (sslb_request_new(&r, head ? "HEAD" : "GET", "https://example.test/x"))
      abort();
    sslb__job j;
    memset(&j, 0, sizeof j);
    j.req = j.user_req = r;
    j.client = client;
    j.resp = sslb__resp_new();
    j.max_body = 1u << 20;
    sslb__h1 *h = sslb__h1_new();
    sslb__buf out;
    sslb__buf_init(&out);
    if (!j.resp || !h || sslb__h1_begin(h, &j, &out) < 0)
      abort();
    int st = 0;
    for (size_t off = 0; off < size && st == 0; off += piece) {
      size_t n = size - off < piece ? size - off : piece;
      st = sslb__h1_feed(h, data + off, n);
    }
    if (st == 0)
      st = sslb__h1_eof(h);
    if (st == 1 && (j.resp->status < 100 || j.resp->status > 999 ||
                    j.resp->body.len > j.max_body))
      abort();
    if (st < 0 && (j.rc >= 0 || !sslb_request_last_error(r)[0]))
      abort();
    (void)sslb__h1_keep_alive(h);
    sslb__buf_free(&out);
    sslb__h1_free(h);
    sslb_response_free(j.resp);
    sslb_request_free(r);
  }
  return 0;
}
