/*
 * agenthost-command-guard: runs one program for the host's run_command
 * service, so that nothing it starts outlives its step.
 *
 *   agenthost-command-guard PROGRAM [ARG]...
 *
 * Started only by the host (ahc_spawn_guarded), with the program's stdin,
 * stdout and stderr as fds 0-2 and, as fd 3, the read end of a lifeline
 * pipe whose write end only the host holds. The guard starts PROGRAM in a
 * process group of its own and becomes the subreaper of everything it
 * starts. It then waits for one of two things:
 *
 *   - the program ends: whatever it left running is killed, and the guard
 *     ends as the program did (its exit code, or its signal);
 *   - the lifeline closes, because the host cancelled the step, hit its
 *     deadline, or died (even by SIGKILL): the program and everything it
 *     started are killed, and the guard exits 137.
 *
 * A program that cannot be started is reported on stderr with exit code 127,
 * as a shell does.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

enum { FD_LIFELINE = 3 };

/* Kills every process the guard still has below it: the program's group,
 * then each child the kernel reparented here (those that left the group
 * with setsid), until none is left. */
static void kill_everything(pid_t group) {
    kill(-group, SIGKILL);
    for (;;) {
#if defined(__linux__)
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
        FILE *children = fopen(path, "r");
        if (children) {
            int pid;
            while (fscanf(children, "%d", &pid) == 1) {
                kill(-pid, SIGKILL);
                kill(pid, SIGKILL);
            }
            fclose(children);
        }
#endif
        pid_t done = waitpid(-1, NULL, 0);
        if (done < 0 && errno == ECHILD) return;
    }
}

/* Waits until the program ends (1, its status in *status) or the lifeline
 * closes (0). */
static int wait_for_end(pid_t program, int *status) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    int pidfd = (int)syscall(SYS_pidfd_open, program, 0);
#else
    int pidfd = -1;
#endif
    struct pollfd watched[2] = {
        { .fd = FD_LIFELINE, .events = POLLIN, .revents = 0 },
        { .fd = pidfd, .events = POLLIN, .revents = 0 },
    };
    for (;;) {
        /* Without a pidfd (an old kernel, macOS) the program is looked at every 10 ms. */
        int ready = poll(watched, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 10);
        if (ready < 0 && errno != EINTR) return 0;
        pid_t done = waitpid(program, status, WNOHANG);
        if (done == program) return 1;
        if (ready > 0 && watched[0].revents != 0) return 0;
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "agenthost-command-guard: started by the host's run_command only: agenthost-command-guard PROGRAM [ARG]...\n");
        return 2;
    }
    if (fcntl(FD_LIFELINE, F_GETFD) < 0) {
        fprintf(stderr, "agenthost-command-guard: no lifeline on fd 3; it is started by the host only\n");
        return 2;
    }
    fcntl(FD_LIFELINE, F_SETFD, FD_CLOEXEC);
#if defined(__linux__)
    /* Orphans of the program come back to the guard, not to init, so they can be killed too. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
    int report[2];
    if (pipe(report) != 0) {
        fprintf(stderr, "agenthost-command-guard: pipe: %s\n", strerror(errno));
        return 127;
    }
    fcntl(report[0], F_SETFD, FD_CLOEXEC);
    fcntl(report[1], F_SETFD, FD_CLOEXEC);
    pid_t program = fork();
    if (program < 0) {
        fprintf(stderr, "agenthost-command-guard: fork: %s\n", strerror(errno));
        return 127;
    }
    if (program == 0) {
        setpgid(0, 0);
        execvp(argv[1], argv + 1);
        int failure = errno;
        (void)!write(report[1], &failure, sizeof failure);
        _exit(127);
    }
    setpgid(program, program); /* also here: kill(-program) must work even before the child ran */
    close(report[1]);
    int failure = 0;
    ssize_t got;
    do got = read(report[0], &failure, sizeof failure); while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof failure) {
        waitpid(program, NULL, 0);
        fprintf(stderr, "cannot start '%s': %s\n", argv[1], strerror(failure));
        return 127;
    }
    /* The program's streams are its own now: the host sees them end when the program's do. */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        if (null > 2) close(null);
    }
    int status = 0;
    int ended = wait_for_end(program, &status);
    kill_everything(program);
    if (!ended) return 137;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        /* End as the program did, so the host reads the same signal; no core file of the guard. */
        struct rlimit none = { 0, 0 };
        setrlimit(RLIMIT_CORE, &none);
        signal(WTERMSIG(status), SIG_DFL);
        kill(getpid(), WTERMSIG(status));
    }
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
