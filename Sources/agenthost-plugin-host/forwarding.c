#define _GNU_SOURCE
#include "forwarding.h"

#include "wire.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Held while a frame is written, and across a callback's request and reply.
 * Recursive: a typed tool the host runs while a callback waits (call_tool)
 * may itself make callbacks on the same thread. */
#if defined(PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP)
static pthread_mutex_t channel_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
#else
static pthread_mutex_t channel_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER;
#endif
static forwarding_tool_server tool_server;

void forwarding_serve_tools(forwarding_tool_server server) { tool_server = server; }
static _Atomic uint64_t active_call;
static _Atomic int64_t active_deadline;
static ahc_shared *shared_page;

void forwarding_begin_call(uint64_t call_id, int64_t deadline_ns) {
    pthread_mutex_lock(&channel_lock);
    atomic_store(&active_deadline, deadline_ns);
    atomic_store(&active_call, call_id);
    pthread_mutex_unlock(&channel_lock);
}

void forwarding_end_call(void) {
    /* Taking the lock waits for a callback still in flight on another thread. */
    pthread_mutex_lock(&channel_lock);
    atomic_store(&active_call, 0);
    pthread_mutex_unlock(&channel_lock);
}

int forwarding_send(uint32_t kind, const wire_buffer *body) {
    pthread_mutex_lock(&channel_lock);
    int status = wire_send(AHC_FD_CHANNEL, kind, body);
    pthread_mutex_unlock(&channel_lock);
    return status;
}

/* The host stopped speaking the protocol: nothing sensible is left to do. */
static void channel_broken(const char *what) {
    fprintf(stderr, "agenthost-plugin-host: the channel to the host broke (%s); exiting\n", what);
    _exit(71);
}

static bool too_long(ah_str text, size_t limit) { return text.len > limit || (text.data == NULL && text.len > 0); }

typedef struct reply {
    ah_status status;
    int32_t http_status;
    ah_str out;
    ah_str second;
    char *frame;
} reply;

static void deliver(ah_sink sink, ah_str bytes);

/* Sends one callback and waits for its reply; what the host streams for it
 * meanwhile (AHC_CALLBACK_EVENT) goes to `events`, as it comes. Lengths were
 * checked by the caller. */
static bool roundtrip_streaming(uint32_t op, uint64_t call_id, const ah_str *fields, size_t count, reply *answer, ah_sink events) {
    memset(answer, 0, sizeof *answer);
    wire_buffer body = { 0 };
    wire_u64(&body, op);
    wire_u64(&body, call_id);
    for (size_t index = 0; index < count; index++) wire_str(&body, fields[index].data, fields[index].len);
    if (body.failed) {
        wire_free(&body);
        answer->status = AH_ERR_UNAVAILABLE;
        return false;
    }
    pthread_mutex_lock(&channel_lock);
    if (call_id == 0 || call_id != atomic_load(&active_call)) {
        pthread_mutex_unlock(&channel_lock);
        wire_free(&body);
        answer->status = AH_ERR_NOT_FOUND;
        return false;
    }
    if (wire_send(AHC_FD_CHANNEL, AHC_CALLBACK, &body) != 0) channel_broken("sending a callback");
    wire_free(&body);
    uint32_t kind = 0;
    char *frame = NULL;
    size_t len = 0;
    for (;;) {
        if (wire_receive(AHC_FD_CHANNEL, &kind, &frame, &len) != 0) channel_broken("reading a callback's reply");
        if (kind == AHC_CALLBACK_REPLY) break;
        if (kind == AHC_CALLBACK_EVENT && events.write) {
            wire_reader event = { .data = frame, .len = len };
            ah_str bytes = wire_read_str(&event);
            if (event.failed) channel_broken("a malformed callback event");
            deliver(events, bytes);
            free(frame);
            continue;
        }
        /* call_tool: the host runs the tool here, in the process that asked. */
        if (kind != AHC_TOOL || !tool_server) channel_broken("an unexpected message while waiting for a callback's reply");
        wire_reader request = { .data = frame, .len = len };
        wire_buffer result = { 0 };
        tool_server(&request, &result);
        if (request.failed || wire_send(AHC_FD_CHANNEL, AHC_TOOL_REPLY, &result) != 0) channel_broken("answering a tool call");
        wire_free(&result);
        free(frame);
    }
    pthread_mutex_unlock(&channel_lock);

    wire_reader reader = { .data = frame, .len = len };
    answer->status = (ah_status)wire_read_u64(&reader);
    if (op == AHC_OP_FETCH) answer->http_status = (int32_t)wire_read_u64(&reader);
    answer->out = wire_read_str(&reader);
    if (op == AHC_OP_HTTP_REQUEST) answer->second = wire_read_str(&reader);
    if (reader.failed) channel_broken("a malformed callback reply");
    answer->frame = frame;
    return true;
}

static bool roundtrip(uint32_t op, uint64_t call_id, const ah_str *fields, size_t count, reply *answer) {
    return roundtrip_streaming(op, call_id, fields, count, answer, (ah_sink){ NULL, NULL });
}

static void deliver(ah_sink sink, ah_str bytes) {
    if (sink.write && bytes.len > 0) sink.write(sink.context, bytes.data, bytes.len);
}

/* One forwarded callback that answers a status and writes `out`. */
static ah_status forward(uint32_t op, uint64_t call_id, const ah_str *fields, size_t count, ah_sink out) {
    reply answer;
    if (!roundtrip(op, call_id, fields, count, &answer)) return answer.status;
    deliver(out, answer.out);
    free(answer.frame);
    return answer.status;
}

static void refuse(const char *callback, size_t len, size_t limit) {
    fprintf(stderr, "%s refused: %zu bytes, over the limit of %zu (or NULL with a length)\n", callback, len, limit);
}

/* ---- ah_host ---------------------------------------------------------- */

static void host_log(const ah_host *host, uint64_t call_id, ah_log_level level, ah_str message) {
    (void)host;
    if (too_long(message, AH_MAX_LOG_BYTES)) {
        refuse("log", message.len, AH_MAX_LOG_BYTES);
        return;
    }
    /* A record on stderr, which the host reads as the plugin's log: a 0x1E
     * mark, the level, the call, then the message with its line breaks escaped. */
    char *line = malloc(message.len * 2 + 64);
    if (!line) return;
    int used = snprintf(line, 64, "\x1e%d %llu ", (int)level, (unsigned long long)call_id);
    size_t at = (size_t)used;
    for (size_t index = 0; index < message.len; index++) {
        char byte = message.data[index];
        if (byte == '\n') {
            line[at++] = '\\';
            line[at++] = 'n';
        } else {
            line[at++] = byte;
        }
    }
    line[at++] = '\n';
    ahc_write_all(2, line, at);
    free(line);
}

static ah_status host_context_get(const ah_host *host, uint64_t call_id, ah_str key, ah_sink out) {
    (void)host;
    if (too_long(key, AH_MAX_KEY_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    return forward(AHC_OP_CONTEXT_GET, call_id, &key, 1, out);
}

static ah_status host_context_set(const ah_host *host, uint64_t call_id, ah_str key, ah_str value) {
    (void)host;
    if (too_long(key, AH_MAX_KEY_BYTES) || too_long(value, AH_MAX_VALUE_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    ah_str fields[2] = { key, value };
    return forward(AHC_OP_CONTEXT_SET, call_id, fields, 2, (ah_sink){ NULL, NULL });
}

static ah_status host_request_handoff(const ah_host *host, uint64_t call_id, ah_str target, ah_str reason, ah_str context) {
    (void)host;
    if (too_long(target, AH_MAX_KEY_BYTES) || too_long(reason, AH_MAX_LOG_BYTES) || too_long(context, AH_MAX_VALUE_BYTES)) {
        return AH_ERR_INVALID_ARGUMENT;
    }
    ah_str fields[3] = { target, reason, context };
    return forward(AHC_OP_REQUEST_HANDOFF, call_id, fields, 3, (ah_sink){ NULL, NULL });
}

static ah_status host_delegate(const ah_host *host, uint64_t call_id, ah_str capability, ah_str payload, ah_sink out) {
    (void)host;
    if (too_long(capability, AH_MAX_KEY_BYTES) || too_long(payload, AH_MAX_PAYLOAD_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    ah_str fields[2] = { capability, payload };
    return forward(AHC_OP_DELEGATE, call_id, fields, 2, out);
}

static void host_progress(const ah_host *host, uint64_t call_id, double fraction, ah_str message) {
    (void)host;
    if (too_long(message, AH_MAX_LOG_BYTES) || call_id == 0 || call_id != atomic_load(&active_call)) return;
    wire_buffer body = { 0 };
    uint64_t bits;
    memcpy(&bits, &fraction, sizeof bits);
    wire_u64(&body, call_id);
    wire_u64(&body, bits);
    wire_str(&body, message.data, message.len);
    if (forwarding_send(AHC_PROGRESS, &body) != 0) channel_broken("sending progress");
    wire_free(&body);
}

static int64_t now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static bool host_is_cancelled(const ah_host *host, uint64_t call_id) {
    (void)host;
    if (call_id == 0 || call_id != atomic_load(&active_call)) return true;
    if (shared_page && shared_page->cancelled_call == call_id) return true;
    int64_t deadline = atomic_load(&active_deadline);
    return deadline != 0 && now_ns() >= deadline;
}

/* ---- agenthost.registry/1 and agenthost.services/1 -------------------- */

static ah_status registry_list_capabilities(const ah_host *host, uint64_t call_id, ah_sink out) {
    (void)host;
    return forward(AHC_OP_LIST_CAPABILITIES, call_id, NULL, 0, out);
}

static ah_status one_field(uint32_t op, uint64_t call_id, ah_str field, size_t limit, ah_sink out) {
    if (too_long(field, limit)) return AH_ERR_INVALID_ARGUMENT;
    return forward(op, call_id, &field, 1, out);
}

static ah_status service_call_tool(const ah_host *host, uint64_t call_id, ah_str name, ah_str arguments, ah_sink out) {
    (void)host;
    if (too_long(name, AH_MAX_KEY_BYTES) || too_long(arguments, AH_MAX_PAYLOAD_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    ah_str fields[2] = { name, arguments };
    return forward(AHC_OP_CALL_TOOL, call_id, fields, 2, out);
}

static ah_status service_read_file(const ah_host *host, uint64_t call_id, ah_str path, ah_sink out) {
    (void)host;
    return one_field(AHC_OP_READ_FILE, call_id, path, AH_MAX_PATH_BYTES, out);
}

static ah_status service_write_file(const ah_host *host, uint64_t call_id, ah_str path, ah_str contents, ah_sink out) {
    (void)host;
    if (too_long(path, AH_MAX_PATH_BYTES) || too_long(contents, AH_MAX_PAYLOAD_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    ah_str fields[2] = { path, contents };
    return forward(AHC_OP_WRITE_FILE, call_id, fields, 2, out);
}

static ah_status service_fetch(const ah_host *host, uint64_t call_id, ah_str url, int32_t *http_status, ah_sink out) {
    (void)host;
    if (too_long(url, AH_MAX_PATH_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    reply answer;
    if (!roundtrip(AHC_OP_FETCH, call_id, &url, 1, &answer)) return answer.status;
    if (http_status) *http_status = answer.http_status;
    deliver(out, answer.out);
    free(answer.frame);
    return answer.status;
}

static ah_status service_run_command(const ah_host *host, uint64_t call_id, ah_str command, ah_sink out) {
    (void)host;
    return one_field(AHC_OP_RUN_COMMAND, call_id, command, AH_MAX_PAYLOAD_BYTES, out);
}

static ah_status service_list_files(const ah_host *host, uint64_t call_id, ah_str request, ah_sink out) {
    (void)host;
    return one_field(AHC_OP_LIST_FILES, call_id, request, AH_MAX_PAYLOAD_BYTES, out);
}

static ah_status service_remove_file(const ah_host *host, uint64_t call_id, ah_str path, ah_sink out) {
    (void)host;
    return one_field(AHC_OP_REMOVE_FILE, call_id, path, AH_MAX_PATH_BYTES, out);
}

static ah_status service_http_request(const ah_host *host, uint64_t call_id, ah_str request, ah_sink head, ah_sink body) {
    (void)host;
    if (too_long(request, AH_MAX_PAYLOAD_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    reply answer;
    if (!roundtrip(AHC_OP_HTTP_REQUEST, call_id, &request, 1, &answer)) return answer.status;
    deliver(head, answer.out);
    deliver(body, answer.second);
    free(answer.frame);
    return answer.status;
}

/* ---- agenthost.models/1 ----------------------------------------------- */

static ah_status models_complete(const ah_host *host, uint64_t call_id, ah_str request, ah_sink events) {
    (void)host;
    if (too_long(request, AH_MAX_PAYLOAD_BYTES)) return AH_ERR_INVALID_ARGUMENT;
    reply answer;
    if (!roundtrip_streaming(AHC_OP_MODEL_COMPLETE, call_id, &request, 1, &answer, events)) return answer.status;
    deliver(events, answer.out);
    free(answer.frame);
    return answer.status;
}

static ah_status models_profile(const ah_host *host, uint64_t call_id, ah_sink out) {
    (void)host;
    return forward(AHC_OP_MODEL_PROFILE, call_id, NULL, 0, out);
}

static const ah_host_models models_table = {
    .struct_size = sizeof(ah_host_models),
    .complete = models_complete,
    .profile = models_profile,
};

static const ah_host_registry registry_table = {
    .struct_size = sizeof(ah_host_registry),
    .list_capabilities = registry_list_capabilities,
};

static const ah_host_services services_table = {
    .struct_size = sizeof(ah_host_services),
    .call_tool = service_call_tool,
    .read_file = service_read_file,
    .write_file = service_write_file,
    .fetch = service_fetch,
    .run_command = service_run_command,
    .list_files = service_list_files,
    .remove_file = service_remove_file,
    .http_request = service_http_request,
};

static const void *host_get_extension(const ah_host *host, const char *id) {
    (void)host;
    if (!id) return NULL;
    if (strcmp(id, AH_EXTENSION_REGISTRY) == 0) return &registry_table;
    if (strcmp(id, AH_EXTENSION_SERVICES) == 0) return &services_table;
    if (strcmp(id, AH_EXTENSION_MODELS) == 0) return &models_table;
    return NULL;
}

static ah_host host_table;

const ah_host *forwarding_host(ahc_shared *shared, const char *host_version) {
    shared_page = shared;
    host_table = (ah_host){
        .struct_size = sizeof(ah_host),
        .abi_major = AGENTHOST_ABI_MAJOR,
        .abi_minor = AGENTHOST_ABI_MINOR,
        .host_name = AH_STR("agenthost"),
        .host_version = { host_version, strlen(host_version) },
        .host_data = NULL,
        .log = host_log,
        .context_get = host_context_get,
        .context_set = host_context_set,
        .request_handoff = host_request_handoff,
        .delegate = host_delegate,
        .progress = host_progress,
        .is_cancelled = host_is_cancelled,
        .get_extension = host_get_extension,
    };
    return &host_table;
}
