/*
 * The smallest complete AgentHost plugin, built with a C compiler alone:
 *
 *     cc -std=c11 -shared -fPIC -I ../../include -o libhello.so hello.c
 *
 * It answers `hello.greet` with a greeting for the "name" of its input,
 * {"name": "Ada"} -> {"greeting":"Hello, Ada","input":{"name":"Ada"}}, and
 * "Hello from C" when the input has no name. It also offers one typed tool,
 * `add`, that the host calls through libffi.
 */
#include <agenthost/agenthost.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- reading the input: just enough JSON to find one string field --- */

/* The host only ever passes one complete JSON value; this reader still never
 * reads past the end, whatever the bytes. */
typedef struct cursor {
    const char *at, *end;
} cursor;

static void skip_space(cursor *c) {
    while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\n' || *c->at == '\r')) c->at++;
}

/* Steps over the string that starts at `c->at`; false if there is none. */
static bool skip_string(cursor *c) {
    if (c->at == c->end || *c->at != '"') return false;
    while (++c->at < c->end) {
        if (*c->at == '"') {
            c->at++;
            return true;
        }
        if (*c->at == '\\' && ++c->at == c->end) return false;
    }
    return false;
}

/* Steps over one value of any kind: a string, a number, a literal, or a
 * whole object or array. */
static bool skip_value(cursor *c) {
    int depth = 0;
    for (;;) {
        skip_space(c);
        if (c->at == c->end) return false;
        switch (*c->at) {
        case '"':
            if (!skip_string(c)) return false;
            break;
        case '{': case '[':
            depth++;
            c->at++;
            continue;
        case '}': case ']':
            if (depth-- == 0) return false;
            c->at++;
            break;
        case ',': case ':':
            if (depth == 0) return false;
            c->at++;
            continue;
        default: /* a number, true, false or null */
            while (c->at < c->end && !memchr(",:{}[]\" \t\r\n", *c->at, 11)) c->at++;
            break;
        }
        if (depth == 0) return true;
    }
}

/* Finds the top-level field "name" of the JSON object `json`. Returns 1 and
 * sets `*name` to the string's bytes between its quotes (escapes kept as they
 * are, so they can be copied into JSON output unchanged), 0 when the object
 * has no "name", and -1 when `json` is not an object or "name" is not a string.
 * A key spelled with escapes ("n\u0061me") is not recognised: fine for an example. */
static int find_name(ah_str json, ah_str *name) {
    if (json.data == NULL) return -1;
    cursor c = { json.data, json.data + json.len };
    skip_space(&c);
    if (c.at == c.end || *c.at != '{') return -1;
    c.at++;
    skip_space(&c);
    if (c.at < c.end && *c.at == '}') return 0;
    for (;;) {
        skip_space(&c);
        const char *key = c.at;
        if (!skip_string(&c)) return -1;
        bool is_name = c.at - key == 6 && memcmp(key, "\"name\"", 6) == 0;
        skip_space(&c);
        if (c.at == c.end || *c.at != ':') return -1;
        c.at++;
        skip_space(&c);
        const char *value = c.at;
        if (is_name) {
            if (!skip_string(&c)) return -1;
            *name = (ah_str){ value + 1, (size_t)(c.at - value) - 2 };
            return 1;
        }
        if (!skip_value(&c)) return -1;
        skip_space(&c);
        if (c.at == c.end) return -1;
        if (*c.at == '}') return 0;
        if (*c.at != ',') return -1;
        c.at++;
    }
}

/* --- the agent: capabilities answered with JSON --- */

static const char *const capabilities[] = { "hello.greet" };

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor),
    AH_AGENT_THREAD_SAFE, /* no shared state, so many threads may call at once */
    "example.hello", "Hello (C)", "1.0.0", "c11",
    1, capabilities,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

/* Appends `len` bytes at `*at`, moving it on. */
static void put(char **at, const char *bytes, size_t len) {
    memcpy(*at, bytes, len);
    *at += len;
}

static ah_status call(const ah_request *request, ah_response *out) {
    ah_str name = AH_STR("");
    int found = find_name(request->payload, &name);
    if (found > 0 && name.len == 0) found = 0; /* "name": "" greets like no name */
    if (found < 0) {
        /* A static message: release() frees release_data, which stays NULL. */
        out->body = AH_STR("the input must be a JSON object whose \"name\", if given, is a string");
        return AH_ERR_INVALID_ARGUMENT;
    }
    /* {"greeting":"Hello, NAME","input":PAYLOAD} */
    static const char head[] = "{\"greeting\":\"", hello[] = "Hello, ", anonymous[] = "Hello from C", middle[] = "\",\"input\":";
    size_t greeting = found ? sizeof hello - 1 + name.len : sizeof anonymous - 1;
    size_t len = sizeof head - 1 + greeting + sizeof middle - 1 + request->payload.len + 1;
    char *body = malloc(len);
    if (!body) {
        out->body = AH_STR("out of memory");
        return AH_ERR_INTERNAL;
    }
    char *at = body;
    put(&at, head, sizeof head - 1);
    if (found) {
        put(&at, hello, sizeof hello - 1);
        put(&at, name.data, name.len);
    } else {
        put(&at, anonymous, sizeof anonymous - 1);
    }
    put(&at, middle, sizeof middle - 1);
    put(&at, request->payload.data, request->payload.len);
    *at = '}';
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
