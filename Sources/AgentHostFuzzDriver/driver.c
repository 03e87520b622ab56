#include "agenthost_fuzz_driver.h"

#include <stdio.h>

#if defined(FUZZING)
/* libFuzzer's entry for programs that keep their own main. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*one)(const uint8_t *data, size_t size));

int agenthost_fuzz_run(int argc, char **argv, int (*one)(const uint8_t *data, size_t size)) {
    return LLVMFuzzerRunDriver(&argc, &argv, one);
}
#else
int agenthost_fuzz_run(int argc, char **argv, int (*one)(const uint8_t *data, size_t size)) {
    (void)argc;
    (void)argv;
    (void)one;
    fprintf(stderr, "agenthost-fuzz is built for fuzzing by Fuzz/run (-sanitize=fuzzer); this build has no fuzzer in it\n");
    return 2;
}
#endif
