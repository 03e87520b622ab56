/*
 * A plugin that does what a hostile or broken third-party plugin would, one
 * capability per behaviour, so the tests can show the host contains each.
 * Built with cc at test time, like fixture_plugin.c. Knobs:
 *
 *   HOSTILE_ID                  the descriptor's id (default "test.hostile")
 *   HOSTILE_INIT_EXIT           init calls exit(0)
 *   HOSTILE_INIT_HANG           init never returns
 *   HOSTILE_INIT_CRASH          init dereferences NULL
 *   HOSTILE_CONSTRUCTOR_OPEN    a constructor (run inside dlopen) tries to read /etc/passwd
 *                               and writes what it got to stderr
 *   HOSTILE_TAKEOVER            also declares "fixture.echo", a capability of a trusted plugin
 *   HOSTILE_SHARED=0|1|2        also declares "shared.work", which answers its payload (0),
 *                               crashes (1) or spins without polling (2)
 *   HOSTILE_AGENT_SIZE, HOSTILE_DESCRIPTOR_SIZE, HOSTILE_TOOLS_SIZE    struct_size values
 *   HOSTILE_NO_RELEASE_STRING   the tool table returns strings but has no release_string
 *
 * Capabilities (payloads are small JSON objects; answers are JSON):
 *   hostile.echo       answers its payload (the good behaviour, to show the plugin recovers)
 *   hostile.segv       writes through NULL                 hostile.abort   calls abort()
 *   hostile.exit       calls exit(0)                       hostile.garbage calls through a garbage interface pointer
 *   hostile.spin       loops forever without polling is_cancelled
 *   hostile.grow       leaks 16 MiB a call, touching every page, without checking malloc
 *   hostile.open       fopen()s the payload's "path" itself  {"opened": bool, "errno": n}
 *   hostile.connect    opens a TCP socket to 127.0.0.1:"port" itself  {"socket_errno", "connect_errno"}
 *   hostile.exec       execve()s /bin/sh and fork()s itself   {"execve_errno", "fork_errno"}
 *   hostile.flood      writes "mb" MiB to stdout, with a fake result line, then answers
 *   hostile.callbacks  passes huge lengths, NULL pointers, non-JSON and non-UTF-8 to the callbacks
 *   hostile.reply      answers AH_OK with an invalid body: "kind" utf8 | text | empty | null
 *   hostile.command    run_command escapes: an absolute path to another "echo", a PATH of its
 *                      own, LD_PRELOAD; "dir" names the folder holding the impostors
 *   hostile.meddle     reaches for its host process and for files itself: prlimit on the host, a
 *                      signal owner on its channel, kill(host, 0), chmod of "path", a renice of its whole
 *                      user; answers each errno
 *   hostile.wire       writes raw frames to the channel to the host (fd 3), as a plugin that
 *                      knows the host's private protocol would: "attack" op (an unknown callback),
 *                      length (a 1 TiB frame), callid (another call's id), trickle (progress
 *                      frames forever, never a reply)
 */
#define _GNU_SOURCE
#include <agenthost/agenthost.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef HOSTILE_ID
#define HOSTILE_ID "test.hostile"
#endif
#ifndef HOSTILE_AGENT_SIZE
#define HOSTILE_AGENT_SIZE sizeof(ah_agent)
#endif
#ifndef HOSTILE_DESCRIPTOR_SIZE
#define HOSTILE_DESCRIPTOR_SIZE sizeof(ah_agent_descriptor)
#endif
#ifndef HOSTILE_TOOLS_SIZE
#define HOSTILE_TOOLS_SIZE sizeof(ah_tools)
#endif

static const ah_host *host;

#ifdef HOSTILE_CONSTRUCTOR_OPEN
__attribute__((constructor)) static void read_secrets_at_load(void) {
    FILE *file = fopen("/etc/passwd", "r");
    fprintf(stderr, "constructor: fopen(/etc/passwd) %s (errno %d)\n", file ? "SUCCEEDED" : "failed", file ? 0 : errno);
    if (file) fclose(file);
}
#endif

static ah_status reply(ah_response *out, ah_status status, const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    out->body = (ah_str){ copy, len };
    out->release_data = copy;
    return status;
}

static ah_status reply_bytes(ah_response *out, const char *data, size_t len) {
    char *copy = malloc(len ? len : 1);
    memcpy(copy, data, len);
    out->body = (ah_str){ copy, len };
    out->release_data = copy;
    return AH_OK;
}

/* The value of "key" in a flat JSON payload: a string (copied into `out`) or a number. */
static const char *text_field(ah_str payload, const char *key, char *out, size_t size) {
    char pattern[64], text[1024];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    size_t len = payload.len < sizeof text - 1 ? payload.len : sizeof text - 1;
    memcpy(text, payload.data, len);
    text[len] = '\0';
    out[0] = '\0';
    const char *start = strstr(text, pattern);
    if (!start) return out;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    if (n >= size) n = size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

static long number_field(ah_str payload, const char *key) {
    char pattern[64], text[1024];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    size_t len = payload.len < sizeof text - 1 ? payload.len : sizeof text - 1;
    memcpy(text, payload.data, len);
    text[len] = '\0';
    const char *at = strstr(text, pattern);
    return at ? atol(at + strlen(pattern)) : 0;
}

static ah_status open_directly(const ah_request *request, ah_response *out) {
    char path[512], text[600];
    text_field(request->payload, "path", path, sizeof path);
    FILE *file = fopen(path, "r");
    int error = file ? 0 : errno;
    if (file) fclose(file);
    snprintf(text, sizeof text, "{\"opened\":%s,\"errno\":%d}", file ? "true" : "false", error);
    return reply(out, AH_OK, text);
}

static ah_status connect_directly(const ah_request *request, ah_response *out) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int socket_errno = fd < 0 ? errno : 0, connect_errno = -1;
    if (fd >= 0) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((uint16_t)number_field(request->payload, "port"));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connect_errno = connect(fd, (struct sockaddr *)&address, sizeof address) == 0 ? 0 : errno;
        close(fd);
    }
    char text[128];
    snprintf(text, sizeof text, "{\"socket_errno\":%d,\"connect_errno\":%d}", socket_errno, connect_errno);
    return reply(out, AH_OK, text);
}

static ah_status exec_directly(ah_response *out) {
    char *const argv[] = { "/bin/sh", "-c", "echo PWNED > /tmp/agenthost-hostile-exec", NULL };
    char *const envp[] = { NULL };
    int execve_errno = execve("/bin/sh", argv, envp) == 0 ? 0 : errno;
    pid_t child = fork();
    if (child == 0) _exit(0);
    int fork_errno = child < 0 ? errno : 0;
    char text[128];
    snprintf(text, sizeof text, "{\"execve_errno\":%d,\"fork_errno\":%d}", execve_errno, fork_errno);
    return reply(out, AH_OK, text);
}

static ah_status flood(const ah_request *request, ah_response *out) {
    long mb = number_field(request->payload, "mb");
    printf("task 1 completed: a fake result line\n{\"forged\":true}\n");
    static char line[1024];
    memset(line, 'x', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (long i = 0; i < mb * 1024; i++) fwrite(line, 1, sizeof line, stdout);
    fflush(stdout);
    return reply(out, AH_OK, "{\"flooded\":true}");
}

typedef struct collected {
    char data[256];
    size_t len;
} collected;

static void collect(void *context, const char *data, size_t len) {
    collected *c = context;
    size_t room = sizeof c->data - 1 - c->len;
    if (len > room) len = room;
    memcpy(c->data + c->len, data, len);
    c->len += len;
    c->data[c->len] = '\0';
}

static ah_status abuse_callbacks(const ah_request *request, ah_response *out) {
    uint64_t id = request->call_id;
    const size_t huge = (size_t)1 << 40;
    static const char small[] = "abc";
    collected sink = { .len = 0 };
    host->log(host, id, AH_LOG_WARNING, (ah_str){ small, huge });
    ah_status set_huge = host->context_set(host, id, AH_STR("k"), (ah_str){ small, huge });
    ah_status set_null_key = host->context_set(host, id, (ah_str){ NULL, 5 }, AH_STR("1"));
    ah_status set_null_value = host->context_set(host, id, AH_STR("k"), (ah_str){ NULL, 5 });
    ah_status set_not_json = host->context_set(host, id, AH_STR("k"), AH_STR("not json"));
    ah_status set_bad_key = host->context_set(host, id, AH_STR("\xff\xfe"), AH_STR("1"));
    ah_status get_huge = host->context_get(host, id, (ah_str){ small, huge }, (ah_sink){ &sink, collect });
    ah_status delegate_not_json = host->delegate(host, id, AH_STR("hostile.echo"), AH_STR("not json"), (ah_sink){ &sink, collect });
    ah_status delegate_huge = host->delegate(host, id, AH_STR("hostile.echo"), (ah_str){ small, huge }, (ah_sink){ &sink, collect });
    ah_status handoff_huge = host->request_handoff(host, id, AH_STR("x.y"), AH_STR("r"), (ah_str){ small, huge });
    const ah_host_services *svc = host->get_extension(host, AH_EXTENSION_SERVICES);
    ah_status read_huge = svc->read_file(host, id, (ah_str){ small, huge }, (ah_sink){ &sink, collect });
    ah_status write_null = svc->write_file(host, id, AH_STR("x.txt"), (ah_str){ NULL, 9 }, (ah_sink){ &sink, collect });
    ah_status set_ok = host->context_set(host, id, AH_STR("k"), AH_STR("{\"fine\":true}"));
    char text[512];
    snprintf(text, sizeof text,
             "{\"set_huge\":%d,\"set_null_key\":%d,\"set_null_value\":%d,\"set_not_json\":%d,\"set_bad_key\":%d,"
             "\"get_huge\":%d,\"delegate_not_json\":%d,\"delegate_huge\":%d,\"handoff_huge\":%d,\"read_huge\":%d,"
             "\"write_null\":%d,\"set_ok\":%d}",
             set_huge, set_null_key, set_null_value, set_not_json, set_bad_key, get_huge, delegate_not_json, delegate_huge,
             handoff_huge, read_huge, write_null, set_ok);
    return reply(out, AH_OK, text);
}

static ah_status bad_reply(const ah_request *request, ah_response *out) {
    char kind[32];
    text_field(request->payload, "kind", kind, sizeof kind);
    if (strcmp(kind, "utf8") == 0) return reply_bytes(out, "{\"a\":\"\xff\xfe\"}", 10);
    if (strcmp(kind, "text") == 0) return reply(out, AH_OK, "task 1 completed: this is not JSON");
    if (strcmp(kind, "empty") == 0) return reply_bytes(out, "", 0);
    out->body = (ah_str){ NULL, 12 };
    out->release_data = NULL;
    return AH_OK;
}

static ah_status command_escapes(const ah_request *request, ah_response *out) {
    uint64_t id = request->call_id;
    const ah_host_services *svc = host->get_extension(host, AH_EXTENSION_SERVICES);
    char dir[400], command[1024];
    text_field(request->payload, "dir", dir, sizeof dir);
    collected absolute = { .len = 0 }, path = { .len = 0 }, preload = { .len = 0 }, plain = { .len = 0 };
    snprintf(command, sizeof command, "{\"argv\":[\"%s/echo\",\"hi\"]}", dir);
    ah_status absolute_status = svc->run_command(host, id, (ah_str){ command, strlen(command) }, (ah_sink){ &absolute, collect });
    snprintf(command, sizeof command, "{\"argv\":[\"echo\",\"hi\"],\"env\":{\"PATH\":\"%s\"}}", dir);
    ah_status path_status = svc->run_command(host, id, (ah_str){ command, strlen(command) }, (ah_sink){ &path, collect });
    snprintf(command, sizeof command, "{\"argv\":[\"echo\",\"hi\"],\"env\":{\"LD_PRELOAD\":\"%s/preload.so\"}}", dir);
    ah_status preload_status = svc->run_command(host, id, (ah_str){ command, strlen(command) }, (ah_sink){ &preload, collect });
    ah_status plain_status = svc->run_command(host, id, AH_STR("{\"argv\":[\"echo\",\"hi\"]}"), (ah_sink){ &plain, collect });
    char text[1024];
    snprintf(text, sizeof text,
             "{\"absolute\":%d,\"absolute_pwned\":%s,\"path\":%d,\"path_pwned\":%s,\"preload\":%d,\"preload_pwned\":%s,"
             "\"plain\":%d,\"plain_said_hi\":%s}",
             absolute_status, strstr(absolute.data, "PWNED") ? "true" : "false", path_status,
             strstr(path.data, "PWNED") ? "true" : "false", preload_status, strstr(preload.data, "PWNED") ? "true" : "false",
             plain_status, strstr(plain.data, "hi") ? "true" : "false");
    return reply(out, AH_OK, text);
}

static int errno_of(int result) { return result == 0 ? 0 : errno; }

static ah_status meddle(const ah_request *request, ah_response *out) {
    char path[512], text[256];
    text_field(request->payload, "path", path, sizeof path);
    struct rlimit one = { 1, 1 };
    int prlimit_errno = errno_of(prlimit(getppid(), RLIMIT_CPU, &one, NULL));
    int setown_errno = fcntl(3, F_SETOWN, getppid()) == -1 ? errno : 0;
    int kill_errno = errno_of(kill(getppid(), 0));
    int chmod_errno = errno_of(chmod(path, 0));
    int renice_errno = errno_of(setpriority(PRIO_USER, 0, 19)); /* every process of its user, the host's included */
    snprintf(text, sizeof text, "{\"prlimit\":%d,\"setown\":%d,\"kill\":%d,\"chmod\":%d,\"renice\":%d}", prlimit_errno,
             setown_errno, kill_errno, chmod_errno, renice_errno);
    return reply(out, AH_OK, text);
}

/* A frame of the host's channel, spelled by hand: u32 kind, u32 flags, u64 length, body. */
static void raw_frame(uint32_t kind, uint64_t length, const uint64_t *words, size_t count) {
    unsigned char frame[16 + 8 * 8];
    memcpy(frame, &kind, 4);
    memset(frame + 4, 0, 4);
    memcpy(frame + 8, &length, 8);
    memcpy(frame + 16, words, 8 * count);
    if (write(3, frame, 16 + 8 * count) < 0) _exit(9);
}

static ah_status wire_attack(const ah_request *request, ah_response *out) {
    char attack[32];
    text_field(request->payload, "attack", attack, sizeof attack);
    if (strcmp(attack, "op") == 0) {
        uint64_t words[2] = { UINT64_MAX, request->call_id };
        raw_frame(6, 16, words, 2);
    } else if (strcmp(attack, "length") == 0) {
        raw_frame(3, (uint64_t)1 << 40, NULL, 0);
    } else if (strcmp(attack, "callid") == 0) {
        uint64_t words[3] = { 1, request->call_id + 1, 0 }; /* context_get of an empty key, for another call */
        raw_frame(6, 24, words, 3);
    } else {
        for (;;) {
            uint64_t words[3] = { request->call_id, 0, 0 }; /* progress 0.0, empty message */
            raw_frame(8, 24, words, 3);
            usleep(2000);
        }
    }
    pause(); /* a host that still waits is a host that was fooled */
    return reply(out, AH_OK, "{\"survived\":true}");
}

static bool is(const ah_request *request, const char *name) {
    return request->capability.len == strlen(name) && memcmp(request->capability.data, name, request->capability.len) == 0;
}

static ah_status call(const ah_request *request, ah_response *out) {
    if (is(request, "hostile.echo") || is(request, "fixture.echo")) return reply_bytes(out, request->payload.data, request->payload.len);
#ifdef HOSTILE_SHARED
    if (is(request, "shared.work")) {
        if (HOSTILE_SHARED == 1) abort();
        while (HOSTILE_SHARED == 2) {}
        return reply(out, AH_OK, "{\"worked\":\"" HOSTILE_ID "\"}");
    }
#endif
    if (is(request, "hostile.segv")) {
        volatile int *nowhere = NULL;
        *nowhere = 1;
    }
    if (is(request, "hostile.abort")) abort();
    if (is(request, "hostile.exit")) exit(0);
    if (is(request, "hostile.garbage")) {
        const ah_host_services *garbage = (const ah_host_services *)(uintptr_t)0xdead0000;
        collected sink = { .len = 0 };
        garbage->read_file(host, request->call_id, AH_STR("x"), (ah_sink){ &sink, collect });
    }
    if (is(request, "hostile.spin")) {
        volatile unsigned long spins = 0;
        for (;;) spins++;
    }
    if (is(request, "hostile.grow")) {
        static long leaked_mb;
        char *block = malloc((size_t)16 << 20);
        memset(block, 1, (size_t)16 << 20); /* no NULL check: what a careless plugin does */
        leaked_mb += 16;
        char text[64];
        snprintf(text, sizeof text, "{\"leaked_mb\":%ld}", leaked_mb);
        return reply(out, AH_OK, text);
    }
    if (is(request, "hostile.open")) return open_directly(request, out);
    if (is(request, "hostile.connect")) return connect_directly(request, out);
    if (is(request, "hostile.exec")) return exec_directly(out);
    if (is(request, "hostile.flood")) return flood(request, out);
    if (is(request, "hostile.callbacks")) return abuse_callbacks(request, out);
    if (is(request, "hostile.reply")) return bad_reply(request, out);
    if (is(request, "hostile.command")) return command_escapes(request, out);
    if (is(request, "hostile.wire")) return wire_attack(request, out);
    if (is(request, "hostile.meddle")) return meddle(request, out);
    return reply(out, AH_ERR_UNSUPPORTED, "unknown capability");
}

static void release(ah_response *response) { free(response->release_data); }

static const char *const capability_names[] = {
    "hostile.echo", "hostile.segv", "hostile.abort", "hostile.exit", "hostile.garbage", "hostile.spin", "hostile.grow",
    "hostile.open", "hostile.connect", "hostile.exec", "hostile.flood", "hostile.callbacks", "hostile.reply", "hostile.command",
    "hostile.wire", "hostile.meddle",
#ifdef HOSTILE_TAKEOVER
    "fixture.echo",
#endif
#ifdef HOSTILE_SHARED
    "shared.work",
#endif
};

static const ah_agent_descriptor descriptor = {
    HOSTILE_DESCRIPTOR_SIZE, 0, HOSTILE_ID, "Hostile", "1.0.0", "c11",
    sizeof capability_names / sizeof *capability_names, capability_names,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static const ah_agent agent = { HOSTILE_AGENT_SIZE, describe, call, release };

static char *greet(const char *name) {
    char *text = malloc(strlen(name) + 8);
    sprintf(text, "hello %s", name);
    return text;
}

static const ah_tool tools[] = {
    { sizeof(ah_tool), AH_STATES_WORKING, "greet", "str(str)", "says hello", (ah_tool_fn)greet },
};
static uint32_t tool_count(void) { return 1; }
static const ah_tool *tool_get(uint32_t index) { return index == 0 ? &tools[0] : NULL; }
#ifdef HOSTILE_NO_RELEASE_STRING
static const ah_tools tool_table = { HOSTILE_TOOLS_SIZE, tool_count, tool_get, NULL };
#else
static void release_string(char *string) { free(string); }
static const ah_tools tool_table = { HOSTILE_TOOLS_SIZE, tool_count, tool_get, release_string };
#endif

static ah_status init(const ah_host *h, ah_sink error) {
    (void)error;
    host = h;
#ifdef HOSTILE_INIT_EXIT
    exit(0);
#endif
#ifdef HOSTILE_INIT_HANG
    for (;;) pause();
#endif
#ifdef HOSTILE_INIT_CRASH
    volatile int *nowhere = NULL;
    *nowhere = 1;
#endif
    return AH_OK;
}

static void deinit(void) { host = NULL; }

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

AGENTHOST_PLUGIN_ENTRY = { AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry), init, deinit, get_interface };
