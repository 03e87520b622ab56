/*
 * The smallest complete AgentHost plugin, built with a C compiler alone:
 *
 *     cc -std=c11 -shared -fPIC -I ../../include -o libhello.so hello.c
 *
 * It answers `hello.greet` with a greeting that embeds its input, and offers
 * one typed tool, `add`, that the host calls through libffi.
 */
#include <agenthost/agenthost.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the agent: capabilities answered with JSON --- */

static const char *const capabilities[] = { "hello.greet" };

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor),
    AH_AGENT_THREAD_SAFE, /* no shared state, so many threads may call at once */
    "example.hello", "Hello (C)", "1.0.0", "c11",
    1, capabilities,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static ah_status call(const ah_request *request, ah_response *out) {
    /* The payload is JSON the host already checked; embed it as it is. */
    static const char prefix[] = "{\"greeting\":\"Hello from C\",\"input\":";
    size_t len = sizeof prefix - 1 + request->payload.len + 1;
    char *body = malloc(len);
    if (!body) {
        out->body = AH_STR("out of memory");
        return AH_ERR_INTERNAL;
    }
    memcpy(body, prefix, sizeof prefix - 1);
    memcpy(body + sizeof prefix - 1, request->payload.data, request->payload.len);
    body[len - 1] = '}';
    out->body = (ah_str){ body, len };
    out->release_data = body; /* the host calls release(out) when done with it */
    return AH_OK;
}

static void release(ah_response *response) { free(response->release_data); }

static const ah_agent agent = { sizeof(ah_agent), describe, call, release };

/* --- a typed tool: a plain C function and its signature string --- */

static int64_t add(int64_t a, int64_t b) { return a + b; }

static const ah_tool tools[] = {
    { sizeof(ah_tool), AH_STATES_WORKING, "add", "i64(i64,i64)", "Adds two integers.", (ah_tool_fn)add },
};

static uint32_t tool_count(void) { return 1; }
static const ah_tool *tool_get(uint32_t index) { return index == 0 ? &tools[0] : NULL; }
static void release_string(char *string) { free(string); }

static const ah_tools tool_table = { sizeof(ah_tools), tool_count, tool_get, release_string };

/* --- the entry: the one exported symbol --- */

static const ah_host *host;

static ah_status init(const ah_host *h, ah_sink error) {
    (void)error;
    host = h;
    host->log(host, 0, AH_LOG_DEBUG, AH_STR("hello plugin ready"));
    return AH_OK;
}

static void deinit(void) { host = NULL; }

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

AGENTHOST_PLUGIN_ENTRY = {
    AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry), init, deinit, get_interface,
};
