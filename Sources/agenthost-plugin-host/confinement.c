#define _GNU_SOURCE
#include "confinement.h"

#include <agenthost_channel.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *error, size_t size, const char *what) {
    snprintf(error, size, "%s: %s", what, strerror(errno));
    return -1;
}

static int set_limit(int resource, uint64_t value, uint64_t hard) {
    struct rlimit limit = { .rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)hard };
    return setrlimit(resource, &limit);
}

static int apply_limits(const confinement_request *request, confinement_result *result, char *error, size_t size) {
    uint64_t memory = request->memory_bytes, cpu = request->cpu_seconds, files = request->open_files;
    if (memory && set_limit(RLIMIT_AS, memory, memory) != 0) return fail(error, size, "RLIMIT_AS");
    /* The soft limit sends SIGXCPU, which the host reports as the CPU limit;
     * the hard one, a little later, SIGKILL for a plugin that ignores it. */
    if (cpu && set_limit(RLIMIT_CPU, cpu, cpu + 2) != 0) return fail(error, size, "RLIMIT_CPU");
    if (files && set_limit(RLIMIT_NOFILE, files, files) != 0) return fail(error, size, "RLIMIT_NOFILE");
    if (set_limit(RLIMIT_CORE, 0, 0) != 0) return fail(error, size, "RLIMIT_CORE");
    result->protections |= AHC_PROTECT_RLIMITS;
    return 0;
}

#if defined(__linux__)
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/*
 * Landlock, declared here as the kernel's uapi has it: the distribution's
 * headers (6.1) lack the network and scope fields. Fields are used only when
 * the kernel's ABI version has them.
 */
struct ahl_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct ahl_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define AHL_CREATE_RULESET_VERSION (1U << 0)
#define AHL_RULE_PATH_BENEATH 1

#define AHL_FS_EXECUTE (1ULL << 0)
#define AHL_FS_WRITE_FILE (1ULL << 1)
#define AHL_FS_READ_FILE (1ULL << 2)
#define AHL_FS_READ_DIR (1ULL << 3)
#define AHL_FS_ABI1_ALL ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define AHL_FS_REFER (1ULL << 13)          /* ABI 2 */
#define AHL_FS_TRUNCATE (1ULL << 14)       /* ABI 3 */
#define AHL_FS_IOCTL_DEV (1ULL << 15)      /* ABI 5 */
#define AHL_NET_BIND_TCP (1ULL << 0)
#define AHL_NET_CONNECT_TCP (1ULL << 1)
#define AHL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define AHL_SCOPE_SIGNAL (1ULL << 1)

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

static int drop_capabilities(void) {
    /* A root child keeps uid 0 (so it can read the folders it is given) but
     * loses every capability, now and for anything it could start. */
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL && errno != EPERM) return -1;
    }
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &header, data);
}

static int apply_landlock(const confinement_request *request, confinement_result *result, char *error, size_t size) {
    long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, AHL_CREATE_RULESET_VERSION);
    if (abi < 0) {
        result->landlock_abi = -1;
        return 0; /* no Landlock here (ENOSYS) or disabled at boot (EOPNOTSUPP) */
    }
    result->landlock_abi = abi;

    struct ahl_ruleset_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.handled_access_fs = AHL_FS_ABI1_ALL;
    if (abi >= 2) attr.handled_access_fs |= AHL_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= AHL_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= AHL_FS_IOCTL_DEV;
    size_t attr_size = offsetof(struct ahl_ruleset_attr, handled_access_net);
    if (abi >= 4) {
        attr.handled_access_net = AHL_NET_BIND_TCP | AHL_NET_CONNECT_TCP;
        attr_size = offsetof(struct ahl_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = AHL_SCOPE_ABSTRACT_UNIX_SOCKET | AHL_SCOPE_SIGNAL;
        attr_size = sizeof attr;
    }
    int ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0) return fail(error, size, "landlock_create_ruleset");

    for (size_t index = 0; index < request->readable_count; index++) {
        int fd = open(request->readable[index], O_PATH | O_CLOEXEC);
        if (fd < 0) continue; /* a library folder this system does not have */
        struct stat info;
        uint64_t access = AHL_FS_READ_FILE | AHL_FS_EXECUTE;
        if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) access |= AHL_FS_READ_DIR;
        struct ahl_path_beneath_attr rule = { .allowed_access = access, .parent_fd = fd };
        long added = syscall(__NR_landlock_add_rule, ruleset, AHL_RULE_PATH_BENEATH, &rule, 0);
        close(fd);
        if (added != 0) {
            snprintf(error, size, "landlock_add_rule for '%s': %s", request->readable[index], strerror(errno));
            close(ruleset);
            return -1;
        }
    }
    if (syscall(__NR_landlock_restrict_self, ruleset, 0) != 0) {
        close(ruleset);
        return fail(error, size, "landlock_restrict_self");
    }
    close(ruleset);
    result->protections |= AHC_PROTECT_LANDLOCK_FS;
    if (abi >= 4) result->protections |= AHC_PROTECT_LANDLOCK_NET;
    if (abi >= 6) result->protections |= AHC_PROTECT_LANDLOCK_SCOPE;
    return 0;
}

/* seccomp: a short list of refusals on top of Landlock. */
#if defined(__x86_64__)
#define AH_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AH_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef AH_AUDIT_ARCH
#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
/* Numbers newer than some distributions' headers; the same on every architecture. */
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise 440
#endif
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_setxattrat
#define __NR_setxattrat 463
#endif
#ifndef __NR_removexattrat
#define __NR_removexattrat 466
#endif
/* System calls newer than the ones this filter was written against are
 * refused with ENOSYS, so a new way around it is closed by default (the C
 * library falls back to older calls). */
#define AH_FIRST_UNREVIEWED_SYSCALL 467

#define DENY(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ARG_LO(n) offsetof(struct seccomp_data, args[n])
/* Allows `nr` when argument `n` is 0 or this process's pid; otherwise answers
 * `otherwise`: EPERM, or IGNORED (0 without running) where a thread of its own
 * cannot be told from the host and pthread attributes must keep working. */
#define IGNORED 0
#define SELF_OR(nr, n, otherwise)                                              \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 5),                           \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(n)),                             \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),                              \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0),                           \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (otherwise)),                \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* `which` (argument 0) must name one process, then as SELF_OR(..., IGNORED) on `who`
 * (argument 1): a user- or group-wide call would reach the host too. */
#define ONE_PROCESS(nr, which)                                                 \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 8),                           \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),                             \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (which), 1, 0),                        \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),                      \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),                             \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 0),                              \
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, self, 1, 0),                           \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | IGNORED),                    \
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int apply_seccomp(char *error, size_t size) {
    uint32_t self = (uint32_t)getpid();
    struct sock_filter program[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AH_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        LOAD_NR,
#if defined(__x86_64__)
        /* x32 system calls alias the 64-bit ones under another number. */
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        DENY(__NR_fork),
        DENY(__NR_vfork),
#endif
        /* Programs: none, and no other process's memory. */
        DENY(__NR_execve),
        DENY(__NR_execveat),
        DENY(__NR_ptrace),
        DENY(__NR_process_vm_readv),
        DENY(__NR_process_vm_writev),
        /* The network: no sockets of any family; the channel is already open. */
        DENY(__NR_socket),
        DENY(__NR_connect),
        DENY(__NR_bind),
        DENY(__NR_listen),
        DENY(__NR_accept),
        DENY(__NR_accept4),
        /* The system: namespaces, mounts, modules, kernel programs, keys. */
        DENY(__NR_mount),
        DENY(__NR_umount2),
        DENY(__NR_pivot_root),
        DENY(__NR_chroot),
        DENY(__NR_unshare),
        DENY(__NR_setns),
        DENY(__NR_kexec_load),
        DENY(__NR_init_module),
        DENY(__NR_finit_module),
        DENY(__NR_delete_module),
        DENY(__NR_bpf),
        DENY(__NR_perf_event_open),
        DENY(__NR_keyctl),
        DENY(__NR_add_key),
        DENY(__NR_request_key),
        DENY(__NR_userfaultfd),
        DENY(__NR_open_by_handle_at),
        DENY(__NR_name_to_handle_at),
        DENY(__NR_io_uring_setup),
        DENY(__NR_personality),
        DENY(__NR_tkill),
        DENY(__NR_memfd_create),
        /* Other processes: no signals by pidfd or queue, no stolen descriptors. */
        DENY(__NR_pidfd_open),
        DENY(__NR_pidfd_send_signal),
        DENY(__NR_pidfd_getfd),
        DENY(__NR_kcmp),
        DENY(__NR_process_madvise),
        /* File metadata, which Landlock does not cover: modes, owners,
         * extended attributes, times, and truncation by path. */
#ifdef __NR_chmod
        DENY(__NR_chmod),
#endif
        DENY(__NR_fchmod),
        DENY(__NR_fchmodat),
#ifdef __NR_chown
        DENY(__NR_chown),
#endif
        DENY(__NR_fchown),
#ifdef __NR_lchown
        DENY(__NR_lchown),
#endif
        DENY(__NR_fchownat),
        DENY(__NR_setxattr),
        DENY(__NR_lsetxattr),
        DENY(__NR_fsetxattr),
        DENY(__NR_removexattr),
        DENY(__NR_lremovexattr),
        DENY(__NR_fremovexattr),
#ifdef __NR_utime
        DENY(__NR_utime),
#endif
#ifdef __NR_utimes
        DENY(__NR_utimes),
#endif
        DENY(__NR_utimensat),
#ifdef __NR_futimesat
        DENY(__NR_futimesat),
#endif
        DENY(__NR_truncate),
        DENY(__NR_fchmodat2),
        DENY(__NR_setxattrat),
        DENY(__NR_removexattrat),
        BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, AH_FIRST_UNREVIEWED_SYSCALL, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        /* Limits, priorities and affinity: its own only (0 or its pid), never the host's. */
        SELF_OR(__NR_prlimit64, 0, EPERM),
        ONE_PROCESS(__NR_setpriority, 0 /* PRIO_PROCESS */),
        ONE_PROCESS(__NR_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */),
        SELF_OR(__NR_sched_setaffinity, 0, IGNORED),
        SELF_OR(__NR_sched_setscheduler, 0, IGNORED),
        SELF_OR(__NR_sched_setparam, 0, IGNORED),
        SELF_OR(__NR_sched_setattr, 0, IGNORED),
        /* No signal on I/O to another process: F_SETOWN, F_SETSIG, F_SETOWN_EX; FIOSETOWN, SIOCSPGRP. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 0, 6),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 8, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 15, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8901, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8902, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        /* clone3 takes its flags in memory, where a filter cannot look:
         * ENOSYS makes the C library fall back to clone. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        /* clone: threads only, no new processes. */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 4),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        /* Signals: only to this process (abort and raise use these; 0 is its
         * own process group, which holds it alone). */
        SELF_OR(__NR_kill, 0, EPERM),
        SELF_OR(__NR_tgkill, 0, EPERM),
        SELF_OR(__NR_rt_sigqueueinfo, 0, EPERM),
        SELF_OR(__NR_rt_tgsigqueueinfo, 0, EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog filter = { .len = (unsigned short)(sizeof program / sizeof program[0]), .filter = program };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter) != 0) {
        if (errno == ENOSYS || errno == EINVAL) return 1; /* no seccomp filters on this kernel */
        return fail(error, size, "seccomp");
    }
    return 0;
}
#else
static int apply_seccomp(char *error, size_t size) {
    (void)error;
    (void)size;
    return 1; /* no filter for this architecture */
}
#endif

int confine(const confinement_request *request, confinement_result *result, char *error, size_t size) {
    result->protections = 0;
    result->landlock_abi = -1;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return fail(error, size, "prctl(PR_SET_NO_NEW_PRIVS)");
    result->protections |= AHC_PROTECT_NO_NEW_PRIVS;
    if (drop_capabilities() != 0) return fail(error, size, "dropping capabilities");
    if (apply_limits(request, result, error, size) != 0) return -1;
    if (apply_landlock(request, result, error, size) != 0) return -1;
    int seccomp = apply_seccomp(error, size);
    if (seccomp < 0) return -1;
    if (seccomp == 0) result->protections |= AHC_PROTECT_SECCOMP;
    return 0;
}

#else
/* Elsewhere only the resource limits hold; `plugins info` reports the rest as missing. */
int confine(const confinement_request *request, confinement_result *result, char *error, size_t size) {
    result->protections = 0;
    result->landlock_abi = -1;
    return apply_limits(request, result, error, size);
}
#endif
