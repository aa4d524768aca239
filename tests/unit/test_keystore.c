#include <criterion/criterion.h>
Test(keystore, placeholder) { cr_assert(1); }
