/* Built against an installed sslbind by check-install. */
#include <stdio.h>
#include <string.h>

#include <sslbind/sslbind.h>

int main(void) {
  if (sslb_version_number() != SSLB_VERSION_NUMBER ||
      strcmp(sslb_version(), SSLB_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s, library %s\n", SSLB_VERSION_STRING,
            sslb_version());
    return 1;
  }
  sslb_keystore *ks;
  if (sslb_keystore_new(&ks) != 0)
    return 1;
  int rc = sslb_keystore_load(ks, (const uint8_t *)"nope", 4, NULL);
  printf("consumer: sslbind %s, loading garbage gives %s\n", sslb_version(),
         sslb_error_name(rc));
  sslb_keystore_free(ks);
  return rc == SSLB_ERR_KEYSTORE_FORMAT ? 0 : 1;
}
