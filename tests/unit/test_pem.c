#include <criterion/criterion.h>
Test(pem, placeholder) { cr_assert(1); }
