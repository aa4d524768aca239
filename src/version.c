#include <stdlib.h>

#include "internal.h"

const char *sslb_version(void) { return SSLB_VERSION_STRING; }

unsigned sslb_version_number(void) { return SSLB_VERSION_NUMBER; }

void sslb_free(void *p) { free(p); }
