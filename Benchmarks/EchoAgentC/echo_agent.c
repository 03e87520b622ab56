/*
 * The smallest useful agent: `bench.echo_c` answers with its payload. It exists
 * so the benchmark can time the host and the ABI without an agent's own work.
 */
#include <agenthost/agenthost.h>

#include <string.h>

static const char *const capabilities[] = { "bench.echo_c" };

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor), AH_AGENT_THREAD_SAFE,
    "agenthost.bench.echo-c", "Echo (C)", "1.0.0", "c11",
    1, capabilities,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static ah_status call(const ah_request *request, ah_response *out) {
    /* The payload is valid until release, which comes before the host's
     * buffer goes away, so the body can point straight at it. */
    out->body = request->payload;
    return AH_OK;
}

static void release(ah_response *response) { (void)response; }

static const ah_agent agent = { sizeof(ah_agent), describe, call, release };

static int64_t add(int64_t a, int64_t b) { return a + b; }

static const ah_tool tools[] = {
    { sizeof(ah_tool), AH_STATES_WORKING, "add", "i64(i64,i64)", "Adds two integers.", (ah_tool_fn)add },
};

static uint32_t tool_count(void) { return 1; }
static const ah_tool *tool_get(uint32_t index) { return index < 1 ? &tools[index] : NULL; }
static void release_string(char *string) { (void)string; }

static const ah_tools tool_table = { sizeof(ah_tools), tool_count, tool_get, release_string };

static ah_status init(const ah_host *host, ah_sink error) {
    (void)host;
    (void)error;
    return AH_OK;
}

static void deinit(void) {}

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

AGENTHOST_PLUGIN_ENTRY = {
    AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry), init, deinit, get_interface,
};
