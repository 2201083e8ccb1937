/* empty.c - keeps the test support library non-empty. */
typedef int og_test_support_empty;
