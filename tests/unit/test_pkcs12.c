#include <criterion/criterion.h>
Test(pkcs12, placeholder) { cr_assert(1); }
