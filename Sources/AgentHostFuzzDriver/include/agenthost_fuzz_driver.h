/* Starts libFuzzer on the agenthost-fuzz targets (see Fuzz/run). */
#ifndef AGENTHOST_FUZZ_DRIVER_H
#define AGENTHOST_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* Runs libFuzzer's driver with the process's arguments, feeding `one`; only
 * in a build with -DFUZZING (elsewhere it says so and returns 2). */
int agenthost_fuzz_run(int argc, char **argv, int (*one)(const uint8_t *data, size_t size));

#endif
