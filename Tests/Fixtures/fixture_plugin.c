/*
 * A configurable plugin for the host's tests. The tests compile it with cc
 * into real shared libraries, one per variant, and write the manifest beside
 * each. Knobs (all optional):
 *
 *   FIXTURE_ID, FIXTURE_VERSION, FIXTURE_TOOLCHAIN   descriptor strings
 *   FIXTURE_THREAD_SAFE=0|1                          the descriptor flag
 *   FIXTURE_ABI_MAJOR, FIXTURE_ABI_MINOR             the entry's ABI version
 *   FIXTURE_ENTRY_SIZE                               the entry's struct_size
 *   FIXTURE_NO_ENTRY                                 export the entry under a misspelled name
 *   FIXTURE_INIT_FAILS                               init refuses, with a message
 *   FIXTURE_BAD_SIGNATURE                            one tool has signature "i64(i128)"
 *
 * Capabilities:
 *   fixture.echo         answers its payload
 *   fixture.overlap      sleeps a little while counting calls in flight; answers the most seen
 *                        ({"partner_ms": n}: waits up to n ms for a second call in flight)
 *   fixture.callbacks    exercises every host callback and reports what each returned
 *   fixture.wait_cancel  polls is_cancelled until it is true, then answers AH_ERR_CANCELLED
 *   fixture.fail         answers AH_ERR_INVALID_ARGUMENT with a message
 *   fixture.services     tries every service of agenthost.services/1 with the
 *                        paths, URL and command in its payload, and reports each status
 *   fixture.handoff      hands the task to FIXTURE_PEER (if defined) with the payload,
 *                        its "hop" raised by one, as context; without a peer, answers its payload
 *   fixture.leak         answers a body holding an e-mail address and an API key
 *   fixture.answer       answers FIXTURE_ANSWER (default "yes"); fails instead when FIXTURE_ANSWER_FAILS is defined
 *   fixture.sleep        sleeps the payload's "ms" milliseconds (polling cancellation), then answers its payload
 *   fixture.remember     answers the shared context's "last" (or null), then sets "last" to its payload
 *   fixture.judge        a verifier: {"accept": false} when the payload mentions "wrong", else {"accept": true}
 *   fixture.rendezvous   {"me": "a", "partner": "b"}: marks "arrived.a" in the shared context, then waits up
 *                        to 5 s for "arrived.b"; answers {"met": bool}. Two calls meet only if they run at
 *                        once, whichever process each runs in
 *   fixture.trace        answers {"traceparent": the request's W3C trace context, "" when the host sent none}
 *
 *   FIXTURE_PEER                                     the handoff target of fixture.handoff
 */
#define _DEFAULT_SOURCE
#include <agenthost/agenthost.h>

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FIXTURE_ID
#define FIXTURE_ID "test.fixture"
#endif
#ifndef FIXTURE_VERSION
#define FIXTURE_VERSION "1.0.0"
#endif
#ifndef FIXTURE_TOOLCHAIN
#define FIXTURE_TOOLCHAIN "c11"
#endif
#ifndef FIXTURE_THREAD_SAFE
#define FIXTURE_THREAD_SAFE 1
#endif
#ifndef FIXTURE_ABI_MAJOR
#define FIXTURE_ABI_MAJOR AGENTHOST_ABI_MAJOR
#endif
#ifndef FIXTURE_ABI_MINOR
#define FIXTURE_ABI_MINOR AGENTHOST_ABI_MINOR
#endif
#ifndef FIXTURE_ANSWER
#define FIXTURE_ANSWER "yes"
#endif
#ifndef FIXTURE_ENTRY_SIZE
#define FIXTURE_ENTRY_SIZE sizeof(ah_plugin_entry)
#endif

static const ah_host *host;
static atomic_int in_flight;
static atomic_int max_in_flight;

static void sleep_ms(long ms) {
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static ah_status reply(ah_response *out, ah_status status, const char *text) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len + 1);
    out->body = (ah_str){ copy, len };
    out->release_data = copy;
    return status;
}

typedef struct collected {
    char data[512];
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

static ah_status overlap(const ah_request *request, ah_response *out) {
    /* "partner_ms": wait up to that long for a second call to be in flight,
     * so a test of parallelism does not depend on how busy the machine is. */
    char text[128];
    size_t len = request->payload.len < sizeof text - 1 ? request->payload.len : sizeof text - 1;
    memcpy(text, request->payload.data, len);
    text[len] = '\0';
    const char *at = strstr(text, "\"partner_ms\":");
    long partner_ms = at ? atol(at + 13) : 0;
    int now = atomic_fetch_add(&in_flight, 1) + 1;
    int seen = atomic_load(&max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&max_in_flight, &seen, now)) {}
    sleep_ms(20);
    for (long waited = 20; waited < partner_ms && atomic_load(&max_in_flight) < 2; waited += 2) sleep_ms(2);
    atomic_fetch_sub(&in_flight, 1);
    snprintf(text, sizeof text, "{\"max_in_flight\":%d}", atomic_load(&max_in_flight));
    return reply(out, AH_OK, text);
}

static ah_status callbacks(const ah_request *request, ah_response *out) {
    uint64_t id = request->call_id;
    collected value = { .len = 0 }, delegated = { .len = 0 }, unknown = { .len = 0 }, capabilities = { .len = 0 };

    ah_status set = host->context_set(host, id, AH_STR("greeting"), AH_STR("\"hi\""));
    ah_status get = host->context_get(host, id, AH_STR("greeting"), (ah_sink){ &value, collect });
    ah_status missing = host->context_get(host, id, AH_STR("missing"), (ah_sink){ &value, collect });
    ah_status allowed = host->request_handoff(host, id, AH_STR("test.allowed"), AH_STR("needs review"), AH_STR("{\"k\":1}"));
    ah_status forbidden = host->request_handoff(host, id, AH_STR("test.forbidden"), AH_STR("sneaky"), AH_STR("{}"));
    host->progress(host, id, 0.5, AH_STR("half way"));
    ah_status delegate = host->delegate(host, id, AH_STR("fixture.echo"), AH_STR("{\"x\":1}"), (ah_sink){ &delegated, collect });
    ah_status delegate_unknown = host->delegate(host, id, AH_STR("nope.nothing"), AH_STR("{}"), (ah_sink){ &unknown, collect });
    const ah_host_registry *registry = host->get_extension(host, AH_EXTENSION_REGISTRY);
    ah_status listed = registry ? registry->list_capabilities(host, id, (ah_sink){ &capabilities, collect }) : AH_ERR_UNSUPPORTED;
    const void *unknown_extension = host->get_extension(host, "agenthost.nothing/9");
    ah_status foreign = host->context_set(host, id + 1000000, AH_STR("k"), AH_STR("1"));
    bool cancelled = host->is_cancelled(host, id);
    host->log(host, id, AH_LOG_INFO, AH_STR("callbacks exercised"));

    char text[2048];
    snprintf(text, sizeof text,
             "{\"set\":%d,\"get\":%d,\"value\":\"%s\",\"missing\":%d,\"handoff_allowed\":%d,\"handoff_forbidden\":%d,"
             "\"delegate\":%d,\"delegate_result\":\"%s\",\"delegate_unknown\":%d,\"listed\":%d,\"lists_echo\":%s,"
             "\"unknown_extension_is_null\":%s,\"foreign_call\":%d,\"cancelled\":%s,\"host_abi_major\":%u}",
             set, get, value.len == 4 ? "hi" : "?", missing, allowed, forbidden, delegate,
             strstr(delegated.data, "\"x\":1") ? "echoed" : delegated.data, delegate_unknown, listed,
             strstr(capabilities.data, "fixture.echo") ? "true" : "false", unknown_extension ? "false" : "true",
             foreign, cancelled ? "true" : "false", host->abi_major);
    return reply(out, AH_OK, text);
}

static ah_status wait_cancel(const ah_request *request, ah_response *out) {
    for (int i = 0; i < 5000; i++) {
        if (host->is_cancelled(host, request->call_id)) return reply(out, AH_ERR_CANCELLED, "observed cancellation");
        sleep_ms(1);
    }
    return reply(out, AH_OK, "{\"cancelled\":false}");
}

/* The string value of "key" in a flat JSON object without escapes, copied into `out`. */
static const char *field(ah_str payload, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    char text[1024];
    size_t len = payload.len < sizeof text - 1 ? payload.len : sizeof text - 1;
    memcpy(text, payload.data, len);
    text[len] = '\0';
    const char *start = strstr(text, pattern);
    out[0] = '\0';
    if (!start) return out;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    if (n >= size) n = size - 1;
    memcpy(out, start, n);
    out[n] = '\0';
    return out;
}

static ah_str str(const char *text) { return (ah_str){ text, strlen(text) }; }

static ah_status services(const ah_request *request, ah_response *out) {
    uint64_t id = request->call_id;
    const ah_host_services *svc = host->get_extension(host, AH_EXTENSION_SERVICES);
    if (!svc) return reply(out, AH_ERR_UNSUPPORTED, "no services extension");
    char allowed_path[256], denied_path[256], url[256], command[256], written[300];
    field(request->payload, "allowed_path", allowed_path, sizeof allowed_path);
    field(request->payload, "denied_path", denied_path, sizeof denied_path);
    field(request->payload, "url", url, sizeof url);
    field(request->payload, "command", command, sizeof command);
    collected tool = { .len = 0 }, masked = { .len = 0 }, read = { .len = 0 }, denied = { .len = 0 }, fetched = { .len = 0 },
              ran = { .len = 0 }, refused = { .len = 0 }, scratch = { .len = 0 };
    ah_status tool_ok = svc->call_tool(host, id, AH_STR("add"), AH_STR("[2,3]"), (ah_sink){ &tool, collect });
    ah_status tool_masked = svc->call_tool(host, id, AH_STR("planning_only"), AH_STR("[1]"), (ah_sink){ &masked, collect });
    snprintf(written, sizeof written, "%s/written.txt", allowed_path);
    ah_status write_ok = svc->write_file(host, id, str(written), AH_STR("hello"), (ah_sink){ &scratch, collect });
    ah_status read_ok = svc->read_file(host, id, str(written), (ah_sink){ &read, collect });
    ah_status read_denied = svc->read_file(host, id, str(denied_path), (ah_sink){ &denied, collect });
    int32_t http = 0;
    ah_status fetch_status = svc->fetch(host, id, str(url), &http, (ah_sink){ &fetched, collect });
    char argv[300];
    snprintf(argv, sizeof argv, "{\"argv\":[\"%s\",\"hi\"]}", command);
    ah_status run_status = svc->run_command(host, id, str(argv), (ah_sink){ &ran, collect });
    ah_status run_denied = svc->run_command(host, id, AH_STR("{\"argv\":[\"rm\",\"-rf\",\"/nonexistent\"]}"), (ah_sink){ &refused, collect });

    char text[2048];
    snprintf(text, sizeof text,
             "{\"tool\":%d,\"tool_result\":\"%s\",\"masked\":%d,\"masked_says_masked\":%s,\"write\":%d,\"read\":%d,"
             "\"read_back\":\"%s\",\"read_denied\":%d,\"fetch\":%d,\"http\":%d,\"run\":%d,\"run_echoed\":%s,\"run_denied\":%d}",
             tool_ok, tool.data, tool_masked, strstr(masked.data, "tool masked") ? "true" : "false", write_ok, read_ok, read.data,
             read_denied, fetch_status, http, run_status, strstr(ran.data, "hi") ? "true" : "false", run_denied);
    return reply(out, AH_OK, text);
}

static ah_status handoff(const ah_request *request, ah_response *out) {
#ifdef FIXTURE_PEER
    int hop = 0;
    const char *at = NULL;
    char text[1024];
    size_t len = request->payload.len < sizeof text - 1 ? request->payload.len : sizeof text - 1;
    memcpy(text, request->payload.data, len);
    text[len] = '\0';
    if ((at = strstr(text, "\"hop\":"))) hop = atoi(at + 6);
    char context[1024];
    if (at) {
        snprintf(context, sizeof context, "{\"hop\":%d,\"keep\":\"k\",\"secret\":\"s\"}", hop + 1);
    } else {
        snprintf(context, sizeof context, "%s", text);
    }
    ah_status status = host->request_handoff(host, request->call_id, AH_STR(FIXTURE_PEER), AH_STR("over to my peer"), str(context));
    char answer[128];
    snprintf(answer, sizeof answer, "{\"handoff_status\":%d}", status);
    return reply(out, AH_OK, answer);
#else
    char *copy = malloc(request->payload.len + 1);
    memcpy(copy, request->payload.data, request->payload.len);
    out->body = (ah_str){ copy, request->payload.len };
    out->release_data = copy;
    return AH_OK;
#endif
}

static ah_status sleep_then_echo(const ah_request *request, ah_response *out) {
    char text[256];
    size_t len = request->payload.len < sizeof text - 1 ? request->payload.len : sizeof text - 1;
    memcpy(text, request->payload.data, len);
    text[len] = '\0';
    const char *at = strstr(text, "\"ms\":");
    long ms = at ? atol(at + 5) : 0;
    for (long slept = 0; slept < ms; slept += 5) {
        if (host->is_cancelled(host, request->call_id)) return reply(out, AH_ERR_CANCELLED, "cancelled while sleeping");
        sleep_ms(5);
    }
    return reply(out, AH_OK, text);
}

static ah_status judge(const ah_request *request, ah_response *out) {
    for (size_t i = 0; i + 5 <= request->payload.len; i++) {
        if (memcmp(request->payload.data + i, "wrong", 5) == 0)
            return reply(out, AH_OK, "{\"accept\":false,\"reason\":\"the answer says wrong\"}");
    }
    return reply(out, AH_OK, "{\"accept\":true}");
}

static ah_status remember(const ah_request *request, ah_response *out) {
    collected previous = { .len = 0 };
    ah_status got = host->context_get(host, request->call_id, AH_STR("last"), (ah_sink){ &previous, collect });
    ah_status set = host->context_set(host, request->call_id, AH_STR("last"), request->payload);
    if (set != AH_OK) return reply(out, set, "context_set failed");
    char text[600];
    snprintf(text, sizeof text, "{\"previous\":%.*s}", got == AH_OK ? (int)previous.len : 4, got == AH_OK ? previous.data : "null");
    return reply(out, AH_OK, text);
}

static ah_status rendezvous(const ah_request *request, ah_response *out) {
    char me[64], partner[64], key[96];
    field(request->payload, "me", me, sizeof me);
    field(request->payload, "partner", partner, sizeof partner);
    snprintf(key, sizeof key, "arrived.%s", me);
    host->context_set(host, request->call_id, str(key), AH_STR("true"));
    snprintf(key, sizeof key, "arrived.%s", partner);
    for (int waited = 0; waited < 5000; waited += 2) {
        collected value = { .len = 0 };
        if (host->context_get(host, request->call_id, str(key), (ah_sink){ &value, collect }) == AH_OK)
            return reply(out, AH_OK, "{\"met\":true}");
        sleep_ms(2);
    }
    return reply(out, AH_OK, "{\"met\":false}");
}

static bool is(const ah_request *request, const char *name) {
    return request->capability.len == strlen(name) && memcmp(request->capability.data, name, request->capability.len) == 0;
}

static ah_status call(const ah_request *request, ah_response *out) {
    if (is(request, "fixture.echo")) {
        char *copy = malloc(request->payload.len + 1);
        memcpy(copy, request->payload.data, request->payload.len);
        out->body = (ah_str){ copy, request->payload.len };
        out->release_data = copy;
        return AH_OK;
    }
    if (is(request, "fixture.overlap")) return overlap(request, out);
    if (is(request, "fixture.callbacks")) return callbacks(request, out);
    if (is(request, "fixture.wait_cancel")) return wait_cancel(request, out);
    if (is(request, "fixture.fail")) return reply(out, AH_ERR_INVALID_ARGUMENT, "bad input: expected a field 'x'");
    if (is(request, "fixture.services")) return services(request, out);
    if (is(request, "fixture.handoff")) return handoff(request, out);
    if (is(request, "fixture.leak"))
        return reply(out, AH_OK, "{\"contact\":\"ada@example.org\",\"key\":\"AKIAABCDEFGHIJKLMNOP\"}");
#ifdef FIXTURE_ANSWER_FAILS
    if (is(request, "fixture.answer")) return reply(out, AH_ERR_INTERNAL, "this variant always fails");
#else
    if (is(request, "fixture.answer")) return reply(out, AH_OK, FIXTURE_ANSWER);
#endif
    if (is(request, "fixture.sleep")) return sleep_then_echo(request, out);
    if (is(request, "fixture.judge")) return judge(request, out);
    if (is(request, "fixture.remember")) return remember(request, out);
    if (is(request, "fixture.rendezvous")) return rendezvous(request, out);
    if (is(request, "fixture.trace")) {
        char answer[200];
        bool sent = offsetof(ah_request, traceparent) < request->struct_size && request->traceparent.len < 120;
        snprintf(answer, sizeof answer, "{\"traceparent\":\"%.*s\"}", sent ? (int)request->traceparent.len : 0,
                 sent && request->traceparent.data ? request->traceparent.data : "");
        return reply(out, AH_OK, answer);
    }
    return reply(out, AH_ERR_UNSUPPORTED, "unknown capability");
}

static void release(ah_response *response) { free(response->release_data); }

static const char *const capability_names[] = {
    "fixture.echo", "fixture.overlap", "fixture.callbacks", "fixture.wait_cancel", "fixture.fail",
    "fixture.services", "fixture.handoff", "fixture.leak", "fixture.answer", "fixture.sleep", "fixture.judge",
    "fixture.remember", "fixture.rendezvous", "fixture.trace",
};

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor), FIXTURE_THREAD_SAFE ? AH_AGENT_THREAD_SAFE : 0,
    FIXTURE_ID, "Fixture", FIXTURE_VERSION, FIXTURE_TOOLCHAIN,
    sizeof capability_names / sizeof *capability_names, capability_names,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static const ah_agent agent = { sizeof(ah_agent), describe, call, release };

/* ---- tools ---- */

static int64_t add(int64_t a, int64_t b) { return a + b; }
static double half(double x) { return x / 2; }
static bool is_even(int64_t x) { return x % 2 == 0; }
static int32_t negate(int32_t x) { return -x; }
static int64_t planning_only(int64_t x) { return x * 10; }
static void touch(void) { atomic_fetch_add(&in_flight, 0); }

static char *shout(const char *text) {
    size_t len = strlen(text);
    char *out = malloc(len + 2);
    for (size_t i = 0; i < len; i++) out[i] = (char)toupper((unsigned char)text[i]);
    out[len] = '!';
    out[len + 1] = '\0';
    return out;
}

static char *null_string(const char *text) {
    (void)text;
    return NULL;
}

static double mix(int32_t a, int64_t b, double c, bool d, const char *e) {
    return (double)a + (double)b + c + (d ? 1000 : 0) + (double)strlen(e);
}

#define WORKING AH_STATES_WORKING
static const ah_tool tools[] = {
    { sizeof(ah_tool), WORKING, "add", "i64(i64,i64)", "a + b", (ah_tool_fn)add },
    { sizeof(ah_tool), WORKING, "half", "f64(f64)", "x / 2", (ah_tool_fn)half },
    { sizeof(ah_tool), WORKING, "shout", "str(str)", "upper case and '!'", (ah_tool_fn)shout },
    { sizeof(ah_tool), WORKING, "is_even", "bool(i64)", "x is even", (ah_tool_fn)is_even },
    { sizeof(ah_tool), WORKING, "negate", "i32(i32)", "-x", (ah_tool_fn)negate },
    { sizeof(ah_tool), WORKING, "mix", "f64(i32,i64,f64,bool,str)", "a + b + c + 1000*d + strlen(e)", (ah_tool_fn)mix },
    { sizeof(ah_tool), WORKING, "null_string", "str(str)", "always fails", (ah_tool_fn)null_string },
    { sizeof(ah_tool), WORKING, "touch", "void()", "does nothing", (ah_tool_fn)touch },
    { sizeof(ah_tool), AH_STATE_BIT(AH_STATE_PLANNING), "planning_only", "i64(i64)", "x * 10, while planning", (ah_tool_fn)planning_only },
#ifdef FIXTURE_BAD_SIGNATURE
    { sizeof(ah_tool), WORKING, "broken", "i64(i128)", "unsupported type", (ah_tool_fn)add },
#endif
};

static uint32_t tool_count(void) { return sizeof tools / sizeof *tools; }
static const ah_tool *tool_get(uint32_t index) { return index < tool_count() ? &tools[index] : NULL; }
static void release_string(char *string) { free(string); }

static const ah_tools tool_table = { sizeof(ah_tools), tool_count, tool_get, release_string };

/* ---- entry ---- */

static ah_status init(const ah_host *h, ah_sink error) {
#ifdef FIXTURE_INIT_FAILS
    (void)h;
    static const char message[] = "missing configuration file fixture.conf; create it next to the plugin";
    error.write(error.context, message, sizeof message - 1);
    return AH_ERR_UNAVAILABLE;
#else
    (void)error;
    host = h;
    return AH_OK;
#endif
}

static void deinit(void) { host = NULL; }

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

#ifndef FIXTURE_NO_ENTRY
#define ENTRY_NAME agenthost_plugin_entry
#else
#define ENTRY_NAME agenthost_plugin_entry_misspelled /* the mistake a test expects the host to catch */
#endif
AH_EXPORT const ah_plugin_entry ENTRY_NAME = {
    FIXTURE_ABI_MAJOR, FIXTURE_ABI_MINOR, FIXTURE_ENTRY_SIZE, init, deinit, get_interface,
};
