#include <criterion/criterion.h>
Test(jks, placeholder) { cr_assert(1); }
