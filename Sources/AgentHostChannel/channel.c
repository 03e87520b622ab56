#define _GNU_SOURCE
#include "agenthost_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int ahc_write_all(int fd, const void *data, size_t len) {
    const char *cursor = data;
    while (len > 0) {
        /* send with MSG_NOSIGNAL: a dead peer is an error, never a SIGPIPE. */
#if defined(MSG_NOSIGNAL)
        ssize_t written = send(fd, cursor, len, MSG_NOSIGNAL);
#else
        ssize_t written = send(fd, cursor, len, 0);
#endif
        if (written < 0 && errno == ENOTSOCK) written = write(fd, cursor, len);
        if (written < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        cursor += written;
        len -= (size_t)written;
    }
    return 0;
}

int ahc_write_pipe(int fd, const void *data, size_t len) {
    /* SIGPIPE blocked on this thread only: a reader that went away is EPIPE,
     * and the signal it left pending is taken back before it is unblocked. */
    sigset_t pipe_only, previous;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    int result = ahc_write_all(fd, data, len);
    int saved = errno;
    if (result != 0 && saved == EPIPE) {
#if defined(__linux__)
        struct timespec now = { 0, 0 };
        while (sigtimedwait(&pipe_only, NULL, &now) < 0 && errno == EINTR) {}
#else
        int taken;
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE)) sigwait(&pipe_only, &taken);
#endif
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return result;
}

int ahc_read_all(int fd, void *data, size_t len) {
    char *cursor = data;
    size_t done = 0;
    while (done < len) {
        ssize_t got = read(fd, cursor + done, len - done);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (got == 0) {
            if (done == 0) return 1;
            errno = EPIPE;
            return -1;
        }
        done += (size_t)got;
    }
    return 0;
}

/* Starts `path` with `sources[i]` as descriptor `targets[i]`, /dev/null as
 * stdin when `null_stdin`, every descriptor from `close_from` up closed, in
 * `cwd` (when given), in a process group of its own with default signal
 * handling. The pid, or -1 with errno. */
static pid_t spawn_with(const char *path, const char *const *argv, const char *const *envp, const int *sources,
                        const int *targets, int count, int null_stdin, int close_from, const char *cwd) {
    /* Copies of the sources above every target, so no dup2 below overwrites
     * a source another one still needs. */
    int copies[8];
    if (count > 8) {
        errno = EINVAL;
        return -1;
    }
    for (int index = 0; index < count; index++) {
        copies[index] = fcntl(sources[index], F_DUPFD_CLOEXEC, 10);
        if (copies[index] < 0) {
            int saved = errno;
            for (int done = 0; done < index; done++) close(copies[done]);
            errno = saved;
            return -1;
        }
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    pid_t pid = -1;
    int failed = posix_spawn_file_actions_init(&actions);
    if (failed == 0 && (failed = posix_spawnattr_init(&attributes)) != 0) posix_spawn_file_actions_destroy(&actions);
    if (failed == 0) {
        /* dup2 clears close-on-exec on the target. Then every other descriptor
         * is closed: a pipe another thread of the host just opened without
         * close-on-exec must not stay open in a child. */
        if (null_stdin) posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        for (int index = 0; index < count; index++) posix_spawn_file_actions_adddup2(&actions, copies[index], targets[index]);
#if defined(__linux__)
        posix_spawn_file_actions_addclosefrom_np(&actions, close_from);
#else
        (void)close_from; /* POSIX_SPAWN_CLOEXEC_DEFAULT below does it on Apple's systems */
#endif
        if (cwd) posix_spawn_file_actions_addchdir_np(&actions, cwd); /* glibc 2.29+, macOS 10.15+ */
        /* Its own process group, so a terminal's Ctrl-C reaches the host, which
         * decides what happens to its children; default signal handling. */
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setsigdefault(&attributes, &all);
        posix_spawnattr_setpgroup(&attributes, 0);
        short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#if defined(POSIX_SPAWN_CLOEXEC_DEFAULT)
        flags |= POSIX_SPAWN_CLOEXEC_DEFAULT; /* Apple's way to close every descriptor not named above */
#endif
        posix_spawnattr_setflags(&attributes, flags);
        failed = posix_spawn(&pid, path, &actions, &attributes, (char *const *)argv, (char *const *)envp);
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    for (int index = 0; index < count; index++) close(copies[index]);
    if (failed != 0) {
        errno = failed;
        return -1;
    }
    return pid;
}

pid_t ahc_spawn(const ahc_spawn_request *request) {
    int sources[] = { request->output_fd, request->output_fd, request->channel_fd, request->shared_fd, request->lifeline_fd };
    int targets[] = { 1, 2, AHC_FD_CHANNEL, AHC_FD_SHARED, AHC_FD_LIFELINE };
    /* Not the host's working folder: relative paths lead nowhere useful. */
    return spawn_with(request->helper_path, request->argv, request->envp, sources, targets, 5, 1, AHC_FD_LIFELINE + 1, "/");
}

pid_t ahc_spawn_guarded(const ahc_guarded_request *request) {
    int sources[] = { request->stdin_fd, request->stdout_fd, request->stderr_fd, request->lifeline_fd };
    int targets[] = { 0, 1, 2, 3 };
    return spawn_with(request->guard_path, request->argv, request->envp, sources, targets, 4, 0, 4, request->cwd);
}

int ahc_wait(pid_t pid, int *wait_status, int block) {
    for (;;) {
        pid_t done = waitpid(pid, wait_status, block ? 0 : WNOHANG);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) return -1;
        return done == pid ? 1 : 0;
    }
}

#if defined(__linux__)
int ahc_socketpair(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); }

int ahc_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

static int shared_fd(void) { return memfd_create("agenthost-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING); }
#else
static int close_on_exec(int fds[2]) {
    for (int index = 0; index < 2; index++) fcntl(fds[index], F_SETFD, FD_CLOEXEC);
    return 0;
}

int ahc_socketpair(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0 ? close_on_exec(fds) : -1; }

int ahc_pipe(int fds[2]) { return pipe(fds) == 0 ? close_on_exec(fds) : -1; }

static int shared_fd(void) {
    char name[64];
    snprintf(name, sizeof name, "/agenthost-%d-%ld", (int)getpid(), (long)clock());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
        shm_unlink(name);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    return fd;
}
#endif

int ahc_shared_create(void) {
    int fd = shared_fd();
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)sizeof(ahc_shared)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
#if defined(__linux__)
    /* The child holds this descriptor too: it may not shrink the page under
     * the host's mapping (a SIGBUS in the host) nor grow it into memory no
     * limit counts. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
#endif
    return fd;
}

ahc_shared *ahc_shared_map(int fd) {
    void *page = mmap(NULL, sizeof(ahc_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return page == MAP_FAILED ? NULL : (ahc_shared *)page;
}

int ahc_wait_readable(int fd, int timeout_ms) {
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    for (;;) {
        int ready = poll(&entry, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return -1;
        return ready > 0 ? 1 : 0;
    }
}

int ahc_harden_host(void) {
#if defined(__linux__)
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
    return 0;
#endif
}

int ahc_reap(pid_t pid, int *wait_status, long *peak_rss_kib) {
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    for (;;) {
        pid_t done = wait4(pid, wait_status, 0, &usage);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) return -1;
        *peak_rss_kib = usage.ru_maxrss;
        return 0;
    }
}
