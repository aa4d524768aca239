#define _POSIX_C_SOURCE 200809L
/* The Ktor page's first step, in C: generate keystore.jks (password
 * "foobar") with a server certificate for localhost, then load it back and
 * list what it holds, as `keytool -list -v` would. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sslbind/sslbind.h>

static void print_time(const char *label, int64_t t) {
  char buf[64];
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  printf("    %s %s\n", label, buf);
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "keystore.jks";
  const char *password = "foobar";

  /* buildKeyStore { certificate("sampleAlias") { password = "foobar";
   *   domains = listOf("127.0.0.1", "0.0.0.0", "localhost") } } */
  sslb_cert_spec *spec;
  sslb_keystore *ks;
  int rc;
  if ((rc = sslb_cert_spec_new(&spec)) < 0 || (rc = sslb_keystore_new(&ks)) < 0) {
    fprintf(stderr, "setup failed: %s\n", sslb_strerror(rc));
    return 1;
  }
  sslb_cert_spec_set_days_valid(spec, 30);
  sslb_cert_spec_add_domain(spec, "localhost");
  sslb_cert_spec_add_ip_address(spec, "127.0.0.1");
  sslb_cert_spec_add_ip_address(spec, "::1");
  sslb_cert_spec_set_password(spec, password);
  if ((rc = sslb_keystore_generate(ks, "sampleAlias", spec)) < 0 ||
      (rc = sslb_keystore_save_file(ks, path, SSLB_FORMAT_JKS, password)) < 0) {
    fprintf(stderr, "cannot build %s: %s (%s)\n", path, sslb_error_name(rc),
            sslb_keystore_last_error(ks));
    return 1;
  }
  sslb_keystore_free(ks);
  sslb_cert_spec_free(spec);
  printf("wrote %s (JKS, password '%s')\n\n", path, password);

  /* KeyStore.getInstance("JKS").load(FileInputStream(path), password) */
  if ((rc = sslb_keystore_new(&ks)) < 0 ||
      (rc = sslb_keystore_load_file(ks, path, password)) < 0) {
    fprintf(stderr, "cannot load %s: %s (%s)\n", path, sslb_error_name(rc),
            sslb_keystore_last_error(ks));
    return 1;
  }
  printf("Keystore type: %s\n", sslb_keystore_format_name(sslb_keystore_format(ks)));
  printf("Your keystore contains %zu entr%s\n\n", sslb_keystore_size(ks),
         sslb_keystore_size(ks) == 1 ? "y" : "ies");
  for (size_t i = 0; i < sslb_keystore_size(ks); i++) {
    int kind = sslb_keystore_entry_kind(ks, i);
    printf("Alias name: %s\n", sslb_keystore_entry_alias(ks, i));
    printf("Entry type: %s\n", kind == SSLB_ENTRY_PRIVATE_KEY ? "PrivateKeyEntry"
                               : kind == SSLB_ENTRY_TRUSTED_CERT ? "trustedCertEntry"
                                                                 : "SecretKeyEntry");
    size_t n = sslb_keystore_entry_chain_length(ks, i);
    printf("Certificate chain length: %zu\n", n);
    for (size_t j = 0; j < n; j++) {
      sslb_certificate *c;
      if (sslb_keystore_entry_certificate(ks, i, j, &c) < 0)
        continue;
      printf("Certificate[%zu]:\n", j + 1);
      printf("    Owner: %s\n    Issuer: %s\n    Serial number: %s\n",
             sslb_certificate_subject(c), sslb_certificate_issuer(c),
             sslb_certificate_serial(c));
      print_time("Valid from:", sslb_certificate_not_before(c));
      print_time("Valid until:", sslb_certificate_not_after(c));
      printf("    Key: %s %u bits, signed with %s\n",
             sslb_certificate_key_algorithm(c), sslb_certificate_key_bits(c),
             sslb_certificate_signature_algorithm(c));
      for (size_t k = 0; k < sslb_certificate_san_count(c); k++)
        printf("    SAN %s: %s\n",
               sslb_certificate_san_type(c, k) == SSLB_SAN_IP ? "IP" : "DNS",
               sslb_certificate_san_value(c, k));
      printf("    SHA256: %s\n", sslb_certificate_sha256_fingerprint(c));
      printf("    Pin: %s\n", sslb_certificate_spki_pin(c));
      sslb_certificate_free(c);
    }
    printf("\n");
  }
  sslb_keystore_free(ks);
  return 0;
}
