/* What the child does to itself before any plugin code runs. */
#ifndef AGENTHOST_PLUGIN_HOST_CONFINEMENT_H
#define AGENTHOST_PLUGIN_HOST_CONFINEMENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct confinement_request {
    const char *const *readable;  /* folders and files the plugin may read and map */
    size_t readable_count;
    uint64_t memory_bytes;        /* RLIMIT_AS; 0: none */
    uint64_t cpu_seconds;         /* RLIMIT_CPU; 0: none */
    uint64_t open_files;          /* RLIMIT_NOFILE; 0: unchanged */
} confinement_request;

typedef struct confinement_result {
    uint64_t protections;         /* AHC_PROTECT_* bits that hold */
    int64_t landlock_abi;         /* -1 when the kernel has no Landlock */
} confinement_result;

/* Applies every protection the kernel offers, in order: no_new_privs, no
 * capabilities, resource limits, Landlock, seccomp. What the kernel lacks is
 * skipped and left out of `protections`; a protection the kernel offers but
 * refuses to install is an error: returns -1 with a message in `error`. */
int confine(const confinement_request *request, confinement_result *result, char *error, size_t error_size);

#endif
