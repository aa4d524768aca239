/* libFuzzer target: chain verification on arbitrary certificates, which
 * reaches sslbind's own DER reading of name constraints, SANs, key
 * identifiers and the other extensions its checks look at.
 *
 * Input: up to 5 records of a 2-byte big-endian length and that many bytes
 * of DER (a certificate, or whatever the fuzzer made of one); a last byte
 * after them, when there is one, picks the name asked for. The first
 * certificate is the leaf, the last one the only trust anchor, the rest
 * intermediates in any order. Every verdict must come with a report. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sslbind/sslbind.h>

static const char *const names[] = {"example.com", "www.example.com",
                                    "127.0.0.1",   "::1",
                                    "localhost",   "a.b.example.net",
                                    "EXAMPLE.COM.", "xn--n3h.com"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sslb_certificate *certs[5];
  size_t n = 0;
  while (n < 5 && size >= 2) {
    size_t len = (size_t)data[0] << 8 | data[1];
    if (len > size - 2)
      break;
    sslb_certificate *c = NULL;
    if (sslb_certificate_new(&c, data + 2, len) == 0)
      certs[n++] = c;
    data += 2 + len;
    size -= 2 + len;
  }
  const char *host = names[(size ? data[0] : 0) % (sizeof names / sizeof *names)];
  if (n >= 2) {
    sslb_trust_builder *b = NULL;
    sslb_trust_manager *tm = NULL;
    if (sslb_trust_builder_new(&b) == 0 &&
        sslb_trust_builder_replace_defaults(b) == 0 &&
        sslb_trust_builder_add_certificate(b, certs[n - 1]) == 0 &&
        sslb_trust_builder_set_time(b, 1767225600) == 0 && /* 2026-01-01 */
        sslb_trust_builder_build(b, &tm) == 0) {
      for (int with_name = 0; with_name < 2; with_name++) {
        char *report = NULL;
        int rc = sslb_trust_manager_verify(tm, certs, n - 1,
                                           with_name ? host : NULL, &report);
        if (!report && rc != SSLB_ERR_NO_MEMORY)
          abort(); /* every verdict is explained */
        sslb_free(report);
      }
      /* the anchor presented as the last certificate of the chain */
      char *report = NULL;
      (void)sslb_trust_manager_verify(tm, certs, n, host, &report);
      sslb_free(report);
    }
    sslb_trust_manager_free(tm);
    sslb_trust_builder_free(b);
  }
  for (size_t i = 0; i < n; i++)
    sslb_certificate_free(certs[i]);
  return 0;
}
