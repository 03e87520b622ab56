/*
 * agenthost_channel.h — the wire between the host and `agenthost-plugin-host`,
 * the child process that runs one isolated plugin.
 *
 * This is the host's private protocol, not part of the plugin ABI: both ends
 * ship together, so it may change with any release of the host.
 *
 * The channel is a Unix stream socket (fd AHC_FD_CHANNEL in the child). Every
 * message is a frame: an `ahc_header` then `length` bytes of body. A body is a
 * sequence of fields, each a little-endian u64 scalar or a byte string
 * (u64 length, then the bytes). One child serves one call at a time, so a
 * call is a strict exchange on one socket:
 *
 *   host  -> child   AHC_CALL | AHC_TOOL | AHC_DEINIT
 *   child -> host    zero or more AHC_CALLBACK (each answered by one
 *                    AHC_CALLBACK_REPLY before the next is sent) and
 *                    AHC_PROGRESS (no answer), then AHC_REPLY
 *
 * At start the child sends AHC_CONFINED, before any plugin code runs (so the
 * plugin cannot forge it), then AHC_HELLO once: what it loaded, or why not.
 * Neither side trusts the other's lengths: a frame longer than
 * AHC_MAX_FRAME_BYTES ends the channel.
 *
 * Threads: the functions below may be called from any thread; a caller that
 * shares one fd between threads serializes its reads and its writes itself.
 */
#ifndef AGENTHOST_CHANNEL_H
#define AGENTHOST_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* File descriptors the child is started with. */
#define AHC_FD_CHANNEL 3   /* the socket */
#define AHC_FD_SHARED 4    /* a memfd holding an `ahc_shared` page */
#define AHC_FD_LIFELINE 5  /* read end of a pipe whose write end only the host holds */

/* The largest frame either side accepts: a payload, a reply or a service
 * answer plus its framing. */
#define AHC_MAX_FRAME_BYTES ((uint64_t)80 << 20)

typedef enum ahc_kind {
    AHC_HELLO = 1,          /* child: the load report (see below) */
    AHC_CALL = 2,           /* host: u64 state, u64 call_id, i64 deadline_ns, str task_id, str capability, str payload */
    AHC_REPLY = 3,          /* child: u64 status, str body, u64 peak_rss_kib */
    AHC_TOOL = 4,           /* host: u64 index, u64 argc, then per argument u64 type and a u64 or a str */
    AHC_TOOL_REPLY = 5,     /* child: u64 status (0 ok, 1 NULL string), u64 type, then a u64 or a str */
    AHC_CALLBACK = 6,       /* child: u64 op, u64 call_id, then the op's fields */
    AHC_CALLBACK_REPLY = 7, /* host: u64 status, str out (AHC_OP_FETCH: u64 http_status first; HTTP_REQUEST: str head, str body) */
    AHC_PROGRESS = 8,       /* child: u64 call_id, f64 fraction (as bits), str message; no answer */
    AHC_DEINIT = 9,         /* host: call deinit and exit; the child answers AHC_REPLY first */
    AHC_CONFINED = 10,      /* child, first, before any plugin code runs: u64 protections, i64 landlock_abi */
    AHC_CALLBACK_EVENT = 11, /* host, while a callback waits for its reply: str bytes for that callback's streamed sink */
} ahc_kind;

/* Host callbacks and services forwarded by AHC_CALLBACK, with their fields. */
typedef enum ahc_op {
    AHC_OP_CONTEXT_GET = 1,       /* str key */
    AHC_OP_CONTEXT_SET = 2,       /* str key, str value */
    AHC_OP_REQUEST_HANDOFF = 3,   /* str target, str reason, str context */
    AHC_OP_DELEGATE = 4,          /* str capability, str payload */
    AHC_OP_LIST_CAPABILITIES = 5, /* (none) */
    AHC_OP_CALL_TOOL = 6,         /* str name, str arguments */
    AHC_OP_READ_FILE = 7,         /* str path */
    AHC_OP_WRITE_FILE = 8,        /* str path, str contents */
    AHC_OP_FETCH = 9,             /* str url */
    AHC_OP_RUN_COMMAND = 10,      /* str command */
    AHC_OP_LIST_FILES = 11,       /* str request */
    AHC_OP_REMOVE_FILE = 12,      /* str path */
    AHC_OP_HTTP_REQUEST = 13,     /* str request */
    AHC_OP_MODEL_COMPLETE = 14,   /* str request; the events arrive as AHC_CALLBACK_EVENT frames before the reply */
    AHC_OP_MODEL_PROFILE = 15,    /* (none) */
} ahc_op;

/* Typed tool values on the wire (AHC_TOOL, AHC_TOOL_REPLY). */
typedef enum ahc_value_type {
    AHC_VALUE_VOID = 0,
    AHC_VALUE_I32 = 1,
    AHC_VALUE_I64 = 2,
    AHC_VALUE_F64 = 3,
    AHC_VALUE_BOOL = 4,
    AHC_VALUE_STR = 5,
} ahc_value_type;

typedef struct ahc_header {
    uint32_t kind;   /* ahc_kind */
    uint32_t flags;  /* 0 */
    uint64_t length; /* body bytes that follow */
} ahc_header;

/*
 * AHC_HELLO's body, in order:
 *   u64 status                       AH_OK, or why loading failed (then: str stage, str message, and nothing else)
 *   u64 entry_abi_major, u64 entry_abi_minor, u64 entry_struct_size
 *   u64 agent_struct_size, u64 descriptor_struct_size, u64 descriptor_flags
 *   str id, str name, str version, str toolchain
 *   u64 capability_count, then each capability name as a str
 *   u64 tools_present, u64 tools_struct_size, u64 has_release_string, u64 tool_count,
 *     then per tool: u64 struct_size, u64 allowed_states, str name, str signature, str description
 *   u64 protections (AHC_PROTECT_* bits), i64 landlock_abi (-1 when absent)
 * The stages of a failure: "confine", "dlopen", "symbol", "abi", "init", "interface".
 */
enum {
    AHC_PROTECT_NO_NEW_PRIVS = 1 << 0,
    AHC_PROTECT_LANDLOCK_FS = 1 << 1,
    AHC_PROTECT_LANDLOCK_NET = 1 << 2,
    AHC_PROTECT_LANDLOCK_SCOPE = 1 << 3,
    AHC_PROTECT_SECCOMP = 1 << 4,
    AHC_PROTECT_RLIMITS = 1 << 5,
    AHC_PROTECT_LIFELINE = 1 << 6,
};

/* A page shared by the host and one child, so `is_cancelled` is a memory
 * read in the child rather than a round trip. */
typedef struct ahc_shared {
    /* The call_id the host has cancelled, or 0. Written by the host, read by the child. */
    volatile uint64_t cancelled_call;
} ahc_shared;

/* Writes all `len` bytes, retrying on EINTR and short writes. 0, or -1 with errno. */
int ahc_write_all(int fd, const void *data, size_t len);

/* Reads exactly `len` bytes. 0 on success, 1 on end of file before the first
 * byte, -1 with errno otherwise (a short read is EPIPE). */
int ahc_read_all(int fd, void *data, size_t len);

/* Writes all of `data` to a pipe; a reader that has gone is -1 with EPIPE,
 * never a SIGPIPE for the process. Any thread may call it. */
int ahc_write_pipe(int fd, const void *data, size_t len);

/* What the host asks of a child it starts. */
typedef struct ahc_spawn_request {
    const char *helper_path;       /* the agenthost-plugin-host executable */
    const char *const *argv;       /* NULL-terminated, argv[0] included */
    const char *const *envp;       /* NULL-terminated, the whole environment */
    int channel_fd;                /* becomes AHC_FD_CHANNEL */
    int shared_fd;                 /* becomes AHC_FD_SHARED */
    int lifeline_fd;               /* becomes AHC_FD_LIFELINE */
    int output_fd;                 /* becomes stdout and stderr */
} ahc_spawn_request;

/* Starts the child with exactly the descriptors above (and /dev/null as
 * stdin), in a process group of its own. The pid, or -1 with errno. */
pid_t ahc_spawn(const ahc_spawn_request *request);

/* What the host's run_command service asks of agenthost-command-guard. */
typedef struct ahc_guarded_request {
    const char *guard_path;        /* the agenthost-command-guard executable */
    const char *const *argv;       /* NULL-terminated: the guard, then the program and its arguments */
    const char *const *envp;       /* NULL-terminated, the program's whole environment */
    const char *cwd;               /* the program's working folder, or NULL */
    int stdin_fd;                  /* becomes fd 0 */
    int stdout_fd;                 /* becomes fd 1 */
    int stderr_fd;                 /* becomes fd 2 */
    int lifeline_fd;               /* becomes fd 3: closing its write end stops the program and all it started */
} ahc_guarded_request;

/* Starts the guard with exactly the descriptors above, in a process group of
 * its own, with default signal handling. Any thread may call it. The pid, or
 * -1 with errno. */
pid_t ahc_spawn_guarded(const ahc_guarded_request *request);

/* waitpid without EINTR: 1 ended (its raw status in *wait_status), 0 still
 * running (only when block is 0), -1 with errno. */
int ahc_wait(pid_t pid, int *wait_status, int block);

/* A close-on-exec socket pair, pipe and memfd for a child; 0 or -1 with errno. */
int ahc_socketpair(int fds[2]);
int ahc_pipe(int fds[2]);
int ahc_shared_create(void);

/* Maps the shared page of `fd`; NULL with errno on failure. */
ahc_shared *ahc_shared_map(int fd);

/* Waits up to `timeout_ms` (-1: forever) for `fd` to be readable or closed:
 * 1 ready, 0 timed out, -1 with errno. */
int ahc_wait_readable(int fd, int timeout_ms);

/* Makes the calling (host) process non-dumpable, so a child of the same
 * user cannot read its memory or environment through /proc. 0 or -1. */
int ahc_harden_host(void);

/* The child's resource usage when reaped: peak resident set in KiB, and how
 * it ended (the raw wait status). Blocks until the child has ended. */
int ahc_reap(pid_t pid, int *wait_status, long *peak_rss_kib);

#ifdef __cplusplus
}
#endif

#endif /* AGENTHOST_CHANNEL_H */
