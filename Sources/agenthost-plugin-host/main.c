/*
 * agenthost-plugin-host: runs one plugin in a process of its own, for the
 * host that started it. It confines itself before any plugin code runs (see
 * confinement.c), loads the plugin, reports what it loaded (AHC_HELLO), then
 * serves the host's calls one at a time over the channel until the host asks
 * it to stop or goes away.
 *
 *   agenthost-plugin-host --plugin PATH --host-version V [--read PATH]...
 *                         [--memory-mb N] [--cpu-seconds N] [--open-files N]
 *
 * Started only by the host, with the descriptors of agenthost_channel.h.
 */
#define _GNU_SOURCE
#include "confinement.h"
#include "forwarding.h"
#include "tools.h"
#include "wire.h"

#include <agenthost/agenthost.h>
#include <agenthost_channel.h>

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

enum { MAX_READABLE = 64 };

typedef struct options {
    const char *plugin;
    const char *host_version;
    const char *readable[MAX_READABLE];
    size_t readable_count;
    uint64_t memory_mb, cpu_seconds, open_files;
} options;

static int parse(int argc, char **argv, options *out) {
    memset(out, 0, sizeof *out);
    out->host_version = "0";
    for (int index = 1; index + 1 < argc; index += 2) {
        const char *name = argv[index], *value = argv[index + 1];
        if (strcmp(name, "--plugin") == 0) out->plugin = value;
        else if (strcmp(name, "--host-version") == 0) out->host_version = value;
        else if (strcmp(name, "--read") == 0 && out->readable_count < MAX_READABLE) out->readable[out->readable_count++] = value;
        else if (strcmp(name, "--memory-mb") == 0) out->memory_mb = strtoull(value, NULL, 10);
        else if (strcmp(name, "--cpu-seconds") == 0) out->cpu_seconds = strtoull(value, NULL, 10);
        else if (strcmp(name, "--open-files") == 0) out->open_files = strtoull(value, NULL, 10);
        else return -1;
    }
    return out->plugin ? 0 : -1;
}

/* When the host dies, the write end of the lifeline closes: end at once,
 * whatever the plugin is doing. */
static void *watch_lifeline(void *unused) {
    (void)unused;
    struct pollfd entry = { .fd = AHC_FD_LIFELINE, .events = POLLIN, .revents = 0 };
    for (;;) {
        int ready = poll(&entry, 1, -1);
        if (ready < 0 && errno == EINTR) continue;
        _exit(0);
    }
    return NULL;
}

static void hello_failure(const char *stage, const char *message, uint64_t first, uint64_t second) {
    wire_buffer body = { 0 };
    wire_u64(&body, AH_ERR_INTERNAL);
    wire_cstr(&body, stage);
    wire_str(&body, message, message ? strlen(message) : 0);
    wire_u64(&body, first);
    wire_u64(&body, second);
    wire_send(AHC_FD_CHANNEL, AHC_HELLO, &body);
    wire_free(&body);
}

/* Collects what `init` writes to its error sink. */
typedef struct text_sink {
    char data[4096];
    size_t len;
} text_sink;

static void text_sink_write(void *context, const char *data, size_t len) {
    text_sink *sink = context;
    size_t room = sizeof sink->data - 1 - sink->len;
    if (len > room) len = room;
    if (data && len) memcpy(sink->data + sink->len, data, len);
    sink->len += len;
    sink->data[sink->len] = 0;
}

static const ah_plugin_entry *entry;
static const ah_agent *agent;
static tool_set tools;

static void hello(uint64_t protections, int64_t landlock_abi) {
    wire_buffer body = { 0 };
    const ah_agent_descriptor *descriptor = agent->descriptor();
    wire_u64(&body, AH_OK);
    wire_u64(&body, entry->abi_major);
    wire_u64(&body, entry->abi_minor);
    wire_u64(&body, entry->struct_size);
    wire_u64(&body, agent->struct_size);
    wire_u64(&body, descriptor ? descriptor->struct_size : 0);
    wire_u64(&body, descriptor ? descriptor->flags : 0);
    wire_cstr(&body, descriptor ? descriptor->id : NULL);
    wire_cstr(&body, descriptor ? descriptor->name : NULL);
    wire_cstr(&body, descriptor ? descriptor->version : NULL);
    wire_cstr(&body, descriptor ? descriptor->toolchain : NULL);
    size_t capabilities = descriptor && descriptor->capabilities ? descriptor->capability_count : 0;
    if (capabilities > 4096) capabilities = 4096;
    wire_u64(&body, capabilities);
    for (size_t index = 0; index < capabilities; index++) wire_cstr(&body, descriptor->capabilities[index]);
    tools_describe(&tools, &body);
    wire_u64(&body, protections);
    wire_u64(&body, (uint64_t)landlock_abi);
    if (wire_send(AHC_FD_CHANNEL, AHC_HELLO, &body) != 0) _exit(72);
    wire_free(&body);
}

static uint64_t peak_rss_kib(void) {
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? (uint64_t)usage.ru_maxrss : 0;
}

static void send_reply(ah_status status, const char *data, size_t len) {
    wire_buffer body = { 0 };
    wire_u64(&body, (uint64_t)(uint32_t)status);
    wire_str(&body, data, len);
    wire_u64(&body, peak_rss_kib());
    if (body.failed) {
        wire_free(&body);
        static const char message[] = "the host could not copy the plugin's reply (out of memory)";
        wire_u64(&body, AH_ERR_INTERNAL);
        wire_str(&body, message, sizeof message - 1);
        wire_u64(&body, peak_rss_kib());
    }
    if (forwarding_send(AHC_REPLY, &body) != 0) _exit(72);
    wire_free(&body);
}

static void serve_tool(wire_reader *request, wire_buffer *reply) { tools_call(&tools, request, reply); }

static void serve_call(wire_reader *reader) {
    ah_request request;
    memset(&request, 0, sizeof request);
    request.struct_size = sizeof request;
    request.state = (ah_agent_state)wire_read_u64(reader);
    request.call_id = wire_read_u64(reader);
    request.deadline_ns = (int64_t)wire_read_u64(reader);
    request.task_id = wire_read_str(reader);
    request.capability = wire_read_str(reader);
    request.payload = wire_read_str(reader);
    request.traceparent = wire_read_str(reader);
    if (reader->failed) _exit(73);

    forwarding_begin_call(request.call_id, request.deadline_ns);
    ah_response response;
    memset(&response, 0, sizeof response);
    ah_status status = agent->call(&request, &response);
    forwarding_end_call();
    char message[160];
    if (response.body.data == NULL && response.body.len > 0) {
        snprintf(message, sizeof message, "the plugin's reply is NULL with a length of %zu bytes", response.body.len);
        agent->release(&response);
        send_reply(AH_ERR_INTERNAL, message, strlen(message));
    } else if (response.body.len > AH_MAX_PAYLOAD_BYTES) {
        snprintf(message, sizeof message, "the plugin's reply of %zu bytes is over the limit of %u bytes",
                 response.body.len, (unsigned)AH_MAX_PAYLOAD_BYTES);
        agent->release(&response);
        send_reply(AH_ERR_INTERNAL, message, strlen(message));
    } else {
        send_reply(status, response.body.data, response.body.len);
        agent->release(&response);
    }
}

int main(int argc, char **argv) {
    options options;
    if (parse(argc, argv, &options) != 0) {
        fprintf(stderr, "agenthost-plugin-host: started by agenthost only (usage: --plugin PATH [--read PATH]...)\n");
        return 64;
    }
    ahc_shared *shared = ahc_shared_map(AHC_FD_SHARED);
    if (!shared) {
        hello_failure("confine", "cannot map the page shared with the host", 0, 0);
        return 70;
    }
    pthread_t watcher;
    if (pthread_create(&watcher, NULL, watch_lifeline, NULL) != 0) {
        hello_failure("confine", "cannot start the thread that watches the host", 0, 0);
        return 70;
    }
    pthread_detach(watcher);

    confinement_request confinement = {
        .readable = options.readable,
        .readable_count = options.readable_count,
        .memory_bytes = options.memory_mb << 20,
        .cpu_seconds = options.cpu_seconds,
        .open_files = options.open_files,
    };
    confinement_result confined;
    char problem[512];
    if (confine(&confinement, &confined, problem, sizeof problem) != 0) {
        hello_failure("confine", problem, 0, 0);
        return 70;
    }
    confined.protections |= AHC_PROTECT_LIFELINE;
    wire_buffer report = { 0 };
    wire_u64(&report, confined.protections);
    wire_u64(&report, (uint64_t)confined.landlock_abi);
    if (wire_send(AHC_FD_CHANNEL, AHC_CONFINED, &report) != 0) return 72;
    wire_free(&report);

    /* From here on, plugin code runs (constructors run inside dlopen). */
    dlerror();
    void *handle = dlopen(options.plugin, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (!handle) {
        const char *why = dlerror();
        hello_failure("dlopen", why ? why : "dlopen failed", 0, 0);
        return 70;
    }
    entry = dlsym(handle, AGENTHOST_ENTRY_SYMBOL);
    if (!entry) {
        hello_failure("symbol", "", 0, 0);
        return 70;
    }
    if (entry->abi_major != AGENTHOST_ABI_MAJOR) {
        hello_failure("abi-major", "", entry->abi_major, AGENTHOST_ABI_MAJOR);
        return 70;
    }
    if (entry->abi_minor > AGENTHOST_ABI_MINOR) {
        hello_failure("abi-minor", "", entry->abi_minor, AGENTHOST_ABI_MINOR);
        return 70;
    }
    if (entry->struct_size < sizeof(ah_plugin_entry)) {
        hello_failure("entry-size", "", entry->struct_size, 0);
        return 70;
    }
    if (!entry->init || !entry->get_interface) {
        hello_failure("init", "the entry's init or get_interface is NULL", AH_ERR_INTERNAL, 0);
        return 70;
    }
    text_sink init_error = { .len = 0 };
    init_error.data[0] = 0;
    ah_status initialized = entry->init(forwarding_host(shared, options.host_version), (ah_sink){ &init_error, text_sink_write });
    if (initialized != AH_OK) {
        hello_failure("init", init_error.data, (uint64_t)(uint32_t)initialized, 0);
        return 70;
    }
    agent = entry->get_interface(AH_INTERFACE_AGENT);
    if (!agent || !agent->descriptor || !agent->call || !agent->release) {
        hello_failure("interface", AH_INTERFACE_AGENT " (descriptor, call and release must be set)", 0, 0);
        return 70;
    }
    tools_load(&tools, entry->get_interface(AH_INTERFACE_TOOLS));
    forwarding_serve_tools(serve_tool);
    hello(confined.protections, confined.landlock_abi);

    for (;;) {
        uint32_t kind = 0;
        char *frame = NULL;
        size_t len = 0;
        int received = wire_receive(AHC_FD_CHANNEL, &kind, &frame, &len);
        if (received == 1) _exit(0); /* the host closed the channel */
        if (received != 0) _exit(73);
        wire_reader reader = { .data = frame, .len = len };
        switch (kind) {
        case AHC_CALL:
            serve_call(&reader);
            break;
        case AHC_TOOL: {
            wire_buffer body = { 0 };
            tools_call(&tools, &reader, &body);
            if (reader.failed) _exit(73);
            if (forwarding_send(AHC_TOOL_REPLY, &body) != 0) _exit(72);
            wire_free(&body);
            break;
        }
        case AHC_DEINIT:
            if (entry->deinit) entry->deinit();
            send_reply(AH_OK, NULL, 0);
            _exit(0);
        default:
            _exit(73);
        }
        free(frame);
    }
}
