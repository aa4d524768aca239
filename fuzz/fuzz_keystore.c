/* libFuzzer target: the keystore loader on arbitrary bytes, with and
 * without a password, then every getter of what loaded and a PEM save. */
#include <stdint.h>
#include <stdlib.h>

#include <sslbind/sslbind.h>

static void walk(sslb_keystore *ks) {
  for (size_t i = 0; i < sslb_keystore_size(ks); i++) {
    (void)sslb_keystore_entry_alias(ks, i);
    (void)sslb_keystore_entry_kind(ks, i);
    (void)sslb_keystore_entry_algorithm(ks, i);
    (void)sslb_keystore_entry_locked(ks, i);
    for (size_t j = 0; j < sslb_keystore_entry_chain_length(ks, i); j++) {
      sslb_certificate *c;
      if (sslb_keystore_entry_certificate(ks, i, j, &c) != 0)
        continue;
      (void)sslb_certificate_subject(c);
      (void)sslb_certificate_spki_pin(c);
      for (size_t k = 0; k < sslb_certificate_san_count(c); k++)
        (void)sslb_certificate_san_value(c, k);
      sslb_certificate_free(c);
    }
  }
  uint8_t *out;
  size_t len;
  if (sslb_keystore_save(ks, SSLB_FORMAT_PEM, NULL, &out, &len) == 0)
    sslb_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *passwords[] = {"foobar", NULL};
  for (int p = 0; p < 2; p++) {
    sslb_keystore *ks;
    if (sslb_keystore_new(&ks) != 0)
      abort();
    if (sslb_keystore_load(ks, data, size, passwords[p]) == 0)
      walk(ks);
    else if (!sslb_keystore_last_error(ks)[0])
      abort(); /* every failure must say why */
    sslb_keystore_free(ks);
  }
  return 0;
}
