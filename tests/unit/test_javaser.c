#include <criterion/criterion.h>
Test(javaser, placeholder) { cr_assert(1); }
