/*
 * agenthost.h — the AgentHost plugin ABI, version 1.
 *
 * A plugin is a shared library that exports exactly one symbol, the const
 * struct `agenthost_plugin_entry`, and ships a `plugin.json` manifest beside it.
 * Plugins never link against the host: everything the host offers arrives
 * through the `ah_host` table passed to `init`.
 *
 * Rules that hold for every declaration below:
 *
 * - Versioning. A released struct never changes. Structs that may grow start
 *   with `struct_size`, and growth is append-only: a reader checks
 *   `struct_size` before touching a field that was appended later. A change
 *   that is not an append is a new interface id ("agenthost.agent/2").
 *   The host refuses a plugin whose ABI major differs from its own or whose
 *   minor is newer than its own.
 *
 * - Strings. Text is UTF-8. Runtime data travels as `ah_str` (pointer plus
 *   length, not necessarily NUL-terminated). Static identifiers in descriptors
 *   and tool tables are NUL-terminated `const char *` with static storage.
 *
 * - Ownership. What the host passes to the plugin is owned by the host and is
 *   valid only for the duration of the call it was passed to; copy what you
 *   keep. Likewise, what the plugin passes to a host callback stays the
 *   plugin's; the host copies what it keeps before the callback returns. What
 *   the plugin returns is owned by the plugin and stays valid until the host
 *   calls the matching `release`. Nothing is freed by the other side's
 *   allocator.
 *
 * - Errors. Every call that can fail returns an `ah_status`; an error carries
 *   a message (in the response body, or written to the sink of the call).
 *   Nothing unwinds across the boundary: C++ exceptions, Rust panics and Swift
 *   errors must be caught inside the plugin.
 *
 * - Threads. Each function states which threads may call it. A plugin that does
 *   not set AH_AGENT_THREAD_SAFE is never entered by two threads at once: the
 *   host serializes every call into it (agent calls, releases and tools).
 *
 * - Out of process. Only bytes and scalars cross, and no pointer outlives its
 *   call except a response awaiting its release, so any plugin can run in a
 *   child process with every call forwarded over a socket. Host callbacks name
 *   the call they belong to by `call_id`, a scalar, never by pointer.
 *   Unless the operator trusts it, a plugin does run in a child of its own
 *   (`agenthost-plugin-host`), confined: it cannot open files, reach the
 *   network or start programs itself, and its stdout and stderr go to the
 *   host's log. Use the services of AH_EXTENSION_SERVICES for all of that:
 *   they work the same in both modes. A thread-safe plugin may be run as
 *   several children at once, so it must not count on one call seeing the
 *   memory another call wrote; use the shared context for that.
 */
#ifndef AGENTHOST_H
#define AGENTHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and symbols                                                     */
/* ------------------------------------------------------------------------ */

#define AGENTHOST_ABI_MAJOR 1
#define AGENTHOST_ABI_MINOR 0

/* The one symbol a plugin exports, as a string for dlsym. */
#define AGENTHOST_ENTRY_SYMBOL "agenthost_plugin_entry"

/* Interface ids for `ah_plugin_entry.get_interface`. */
#define AH_INTERFACE_AGENT "agenthost.agent/1"
#define AH_INTERFACE_TOOLS "agenthost.tools/1"

/* Host extension ids for `ah_host.get_extension`. */
#define AH_EXTENSION_REGISTRY "agenthost.registry/1"
#define AH_EXTENSION_SERVICES "agenthost.services/1"
#define AH_EXTENSION_MODELS "agenthost.models/1"

#if defined(_WIN32)
#define AH_EXPORT __declspec(dllexport)
#else
#define AH_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Basic types                                                              */
/* ------------------------------------------------------------------------ */

typedef int32_t ah_status;
enum {
    AH_OK = 0,
    AH_ERR_INVALID_ARGUMENT = 1, /* the input was malformed; the message says how */
    AH_ERR_UNSUPPORTED = 2,      /* capability, interface or feature not offered */
    AH_ERR_NOT_FOUND = 3,        /* a named thing (key, agent, file) does not exist */
    AH_ERR_DENIED = 4,           /* refused by policy: mask, permission, undeclared target */
    AH_ERR_CANCELLED = 5,        /* the call observed cancellation and stopped */
    AH_ERR_DEADLINE = 6,         /* the call's deadline passed */
    AH_ERR_INTERNAL = 7,         /* a bug or an unexpected failure inside the callee */
    AH_ERR_UNAVAILABLE = 8       /* a resource or service is temporarily unavailable */
};

/*
 * Limits. The host checks every length a plugin passes against these before
 * it reads or allocates anything, and refuses a call past one (log lines past
 * the limit are dropped with a warning). NULL data with a non-zero length is
 * refused the same way. Text the header calls UTF-8 must be valid UTF-8, and
 * what it calls JSON must be one complete JSON value; the host refuses
 * anything else with AH_ERR_INVALID_ARGUMENT and says why.
 */
enum {
    AH_MAX_LOG_BYTES = 64 * 1024,              /* log and progress messages, handoff reasons */
    AH_MAX_KEY_BYTES = 1024,                   /* context keys, capability names, handoff targets, tool names */
    AH_MAX_PATH_BYTES = 8192,                  /* paths and URLs given to services */
    AH_MAX_VALUE_BYTES = 16 * 1024 * 1024,     /* context values and handoff contexts */
    AH_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024    /* delegate payloads, service requests, file contents, reply bodies */
};

/* UTF-8 bytes with an explicit length. `data` may be NULL when `len` is 0. */
typedef struct ah_str {
    const char *data;
    size_t len;
} ah_str;

/* An `ah_str` for a string literal: AH_STR("knowledge.search"). */
#ifdef __cplusplus
#define AH_STR(literal) (ah_str{ (literal), sizeof(literal) - 1 })
#else
#define AH_STR(literal) ((ah_str){ (literal), sizeof(literal) - 1 })
#endif

/*
 * Agent states. The host runs each agent through a state machine and masks
 * tools by state; tool tables declare the states in which each tool is allowed
 * as a bit set of AH_STATE_BIT(state).
 */
typedef uint32_t ah_agent_state;
enum {
    AH_STATE_IDLE = 0,
    AH_STATE_PLANNING = 1,
    AH_STATE_EXECUTING = 2,
    AH_STATE_VERIFYING = 3,
    AH_STATE_LEARNING = 4,
    AH_STATE_DONE = 5,
    AH_STATE_FAILED = 6
};
#define AH_STATE_BIT(state) (UINT32_C(1) << (state))
#define AH_STATES_WORKING                                                    \
    (AH_STATE_BIT(AH_STATE_PLANNING) | AH_STATE_BIT(AH_STATE_EXECUTING) |  \
     AH_STATE_BIT(AH_STATE_VERIFYING) | AH_STATE_BIT(AH_STATE_LEARNING))

typedef int32_t ah_log_level;
enum {
    AH_LOG_TRACE = 0,
    AH_LOG_DEBUG = 1,
    AH_LOG_INFO = 2,
    AH_LOG_WARNING = 3,
    AH_LOG_ERROR = 4
};

/*
 * A byte sink the caller provides to receive a value of unknown size.
 * `write` may be called zero or more times during the call the sink was passed
 * to, never after it returns; the receiver concatenates the chunks.
 * `data` is owned by the writer and valid only during `write`.
 * Called on the thread that made the call the sink was passed to.
 */
typedef struct ah_sink {
    void *context;
    void (*write)(void *context, const char *data, size_t len);
} ah_sink;

/* ------------------------------------------------------------------------ */
/* The host table (host -> plugin)                                          */
/* ------------------------------------------------------------------------ */

/*
 * Passed to `init`. Owned by the host; the pointer and everything it points to
 * stay valid from `init` until `deinit` returns, so a plugin may keep it.
 * Each plugin gets its own table: the host knows who calls by the table used.
 *
 * Every callback takes the table it was read from as its first argument.
 * Callbacks that act on behalf of a call take that call's `call_id`
 * (from `ah_request.call_id`) and are valid only while that call is running;
 * after it returned they fail with AH_ERR_NOT_FOUND. Unless stated otherwise
 * a callback may be called from any thread, concurrently.
 */
typedef struct ah_host ah_host;
struct ah_host {
    uint32_t struct_size;  /* sizeof(ah_host) as the host was compiled */
    uint32_t abi_major;    /* the host's ABI version */
    uint32_t abi_minor;
    ah_str host_name;      /* "agenthost" */
    ah_str host_version;   /* the host's semantic version */
    void *host_data;       /* opaque to the plugin */

    /* Writes a log line attributed to this plugin (and to the call, if
     * `call_id` is not 0). `message` is copied before return. Any thread. */
    void (*log)(const ah_host *host, uint64_t call_id, ah_log_level level, ah_str message);

    /* Reads `key` from the shared context of the call's run into `out`.
     * AH_ERR_NOT_FOUND when the key is not set. Any thread while the call
     * runs; `key` is read before return and the value is written to `out`
     * before return, on the calling thread. */
    ah_status (*context_get)(const ah_host *host, uint64_t call_id, ah_str key, ah_sink out);

    /* Sets `key` to `value` (UTF-8 JSON) in the shared context of the call's
     * run; both are copied before return. An empty value removes the key.
     * Any thread while the call runs. */
    ah_status (*context_set)(const ah_host *host, uint64_t call_id, ah_str key, ah_str value);

    /* Asks the host to hand the call's task to the agent `target_id` with
     * `context` (UTF-8 JSON) once the current call returns. Only targets the
     * manifest declares under "handoffs" are accepted; others fail with
     * AH_ERR_DENIED. The request is recorded, not performed, before return.
     * The three strings are copied before return. Any thread while the call
     * runs.
     *
     * Only the first request of a call is carried out (later ones are
     * recorded as ignored; past 8 in one call they fail with
     * AH_ERR_INVALID_ARGUMENT), and only if the call returns AH_OK. The
     * target's capability is the task's own capability when the target
     * declares it, else the target's only capability, else the one of its
     * capabilities whose "keywords" `reason` matches; when none matches the
     * task fails ("has no capability for the task"). The target receives
     * `context` as its payload: only the top-level keys the manifest's
     * handoff entry lists under "context" (every key when the entry has no
     * "context"), `{}` when `context` is empty. It runs in the same agent
     * state, and its answer becomes the task's. The policy's
     * handoffs.max_depth (4) ends a longer chain, and handing an agent the
     * context it already had is a cycle. */
    ah_status (*request_handoff)(const ah_host *host, uint64_t call_id, ah_str target_id,
                                 ah_str reason, ah_str context);

    /* Runs a sub-task: routes `capability` with `payload` (UTF-8 JSON) to an
     * agent and blocks until it finishes. On AH_OK the result JSON is written
     * to `out`; on failure the status says why and the error message is
     * written to `out`. Call from the thread running the call (not from a
     * thread of the plugin's own that outlives it). `capability` and
     * `payload` are copied before the sub-task starts; `out` is written
     * before return, on the calling thread.
     *
     * `capability` is an exact capability name (free text is not routed
     * here), and `payload` goes to it as it is. Allowed only while the call
     * is in AH_STATE_EXECUTING; refused past 8 nested delegations, and when
     * the agent it routes to is not thread-safe and already in this chain
     * of calls. */
    ah_status (*delegate)(const ah_host *host, uint64_t call_id, ah_str capability,
                          ah_str payload, ah_sink out);

    /* Reports progress of the call: `fraction` in [0, 1], or negative when
     * unknown; `message` is copied. Cheap; any thread. */
    void (*progress)(const ah_host *host, uint64_t call_id, double fraction, ah_str message);

    /* True when the call has been cancelled or its deadline has passed.
     * Cheap enough to poll in a loop; any thread. A plugin that sees true
     * should stop and return AH_ERR_CANCELLED. */
    bool (*is_cancelled)(const ah_host *host, uint64_t call_id);

    /* Looks up a host extension by id (e.g. AH_EXTENSION_REGISTRY). Returns a
     * pointer to a const table owned by the host and valid until `deinit`
     * returns, or NULL when the host does not offer it. Any thread. */
    const void *(*get_extension)(const ah_host *host, const char *id);
};

/*
 * Host extension AH_EXTENSION_REGISTRY: what the host can route to.
 */
typedef struct ah_host_registry {
    uint32_t struct_size;
    /* Writes the capabilities the host can route to for the call `call_id` as
     * a UTF-8 JSON array of objects {"name", "agent", "description", "input",
     * "output", "keywords", "estimated_ms", "estimated_cost", "states",
     * "text_input"}, as the manifests declare them ("input" and "output": JSON
     * Schema; the estimates are absent when not declared; "states": the state
     * names it runs in; "text_input": the input field that takes a task in
     * words, absent when the capability takes none).
     * Valid while that call runs; any thread. */
    ah_status (*list_capabilities)(const ah_host *host, uint64_t call_id, ah_sink out);
} ah_host_registry;

/*
 * Host extension AH_EXTENSION_SERVICES: what a plugin may ask the host to do
 * for it. Each service is checked against the "permissions" of the plugin's
 * manifest and against the operator's policy; a request outside them fails
 * with AH_ERR_DENIED, a message saying what was refused is written to `out`,
 * and the refusal is recorded on the task. All take the `call_id` of the
 * running call, are valid only while it runs, block until done, and may be
 * called from the thread running the call. Arguments are copied before the
 * function returns.
 */
typedef struct ah_host_services {
    uint32_t struct_size;

    /* Calls the plugin's own typed tool `name` through the host, which checks
     * that the tool is allowed in the call's agent state (AH_ERR_DENIED, "tool
     * masked", otherwise) and applies the tool guardrails. `arguments` is a
     * UTF-8 JSON array matching the tool's signature; the result is written
     * to `out` as a JSON value. */
    ah_status (*call_tool)(const ah_host *host, uint64_t call_id, ah_str name, ah_str arguments, ah_sink out);

    /* Paths: a relative path starts at the host's workspace; "$WORKSPACE" in
     * the manifest's "paths" stands for it. Links and ".." are resolved first,
     * so no path escapes what the manifest allows.
     *
     * The plugin's own data folder: a path that begins with "$PLUGIN_DATA/"
     * names a file in the plugin's private folder,
     * <folder of the host's state database>/plugin-data/<plugin id>/, which
     * the host creates as needed. It is allowed only when the manifest's
     * permissions "paths" lists "$PLUGIN_DATA"; when the host has no state
     * folder, such a request fails with AH_ERR_DENIED and a message saying
     * so (treat any failure as "no cache"). This holds for
     * read_file, write_file, remove_file, and the "path" of a list_files
     * request. Use it for caches and indexes that should outlive one call:
     * it works the same in-process and isolated. */

    /* Reads the file at `path` (permission "paths", or "$PLUGIN_DATA/...")
     * into `out`. AH_ERR_NOT_FOUND when it does not exist;
     * AH_ERR_INVALID_ARGUMENT when it is larger than the manifest's
     * "max_output_bytes". */
    ah_status (*read_file)(const ah_host *host, uint64_t call_id, ah_str path, ah_sink out);

    /* Writes `contents` to the file at `path` (permission "paths", or
     * "$PLUGIN_DATA/..."), creating missing folders; the file is replaced
     * atomically, so a reader never sees half of it. `out` receives a message
     * on failure (AH_ERR_UNAVAILABLE when the write itself fails). */
    ah_status (*write_file)(const ah_host *host, uint64_t call_id, ah_str path, ah_str contents, ah_sink out);

    /* HTTP GET of `url` (permission "network"). On AH_OK the response body is
     * written to `out` and its HTTP status to `*http_status` (owned by the
     * plugin; may be NULL). AH_ERR_UNAVAILABLE when the server cannot be reached. */
    ah_status (*fetch)(const ah_host *host, uint64_t call_id, ah_str url, int32_t *http_status, ah_sink out);

    /* Runs a program (permission "commands", by the name or path of argv[0]).
     * `command` is UTF-8 JSON {"argv": [...], "cwd": "...", "stdin": "...",
     * "timeout_ms": n, "max_output_bytes": n, "env": {}}; only "argv" is
     * required. "cwd" defaults to the workspace; another folder must be inside "paths";
     * the manifest's "timeout_ms" and "max_output_bytes" cap the request's.
     * `out` receives JSON {"exit_code": n, "stdout": "...", "stderr": "...",
     * "timed_out": bool, "stdout_truncated": bool, "stderr_truncated": bool,
     * "duration_ms": n}. The call's cancellation and deadline stop the program too. */
    ah_status (*run_command)(const ah_host *host, uint64_t call_id, ah_str command, ah_sink out);

    /* Appended after the first release: check `struct_size` covers a field
     * (offsetof(ah_host_services, list_files) < struct_size) before calling it. */

    /* Lists a folder (permission "paths"; a "path" of "$PLUGIN_DATA/..."
     * lists the plugin's data folder). `request` is UTF-8 JSON
     * {"path": "." , "recursive": false, "max_entries": n, "include_hidden": false};
     * all optional. `out` receives {"root": absolute path, "truncated": bool,
     * "entries": [{"path" (relative to root), "kind": "file"|"folder"|"link"|"other",
     * "size", "modified_ns"}]}. Links are listed, never followed. */
    ah_status (*list_files)(const ah_host *host, uint64_t call_id, ah_str request, ah_sink out);

    /* Removes a file, or a folder with everything in it (permission "paths",
     * or "$PLUGIN_DATA/..."; never the workspace itself). AH_ERR_NOT_FOUND
     * when it does not exist. */
    ah_status (*remove_file)(const ah_host *host, uint64_t call_id, ah_str path, ah_sink out);

    /* Any HTTP request (permission "network", checked again at every redirect).
     * `request` is UTF-8 JSON {"url", "method": "GET", "headers": {}, "body": "",
     * "timeout_ms": n, "max_bytes": n, "max_redirects": 5}; only "url" is
     * required, and the manifest's "timeout_ms" and "max_output_bytes" cap the
     * last two. On AH_OK `head` receives {"status", "url" (after redirects),
     * "headers" (names in lower case), "redirects": [urls], "truncated", "bytes"}
     * and `body` the raw body bytes, undecoded. On failure `head` receives the
     * message: AH_ERR_DEADLINE on timeout, AH_ERR_UNAVAILABLE when the server
     * cannot be reached or redirects too often. */
    ah_status (*http_request)(const ah_host *host, uint64_t call_id, ah_str request, ah_sink head, ah_sink body);
} ah_host_services;

/*
 * Host extension AH_EXTENSION_MODELS: language models, called by the host on
 * the plugin's behalf. The operator configures the models (the policy's
 * "models": an alias, a provider, a URL, the variable holding the key); the
 * host makes the HTTP calls, holds the keys (a plugin never sees one), offers
 * the model only the tools the agent may call in its current state, runs the
 * guardrails on the prompt and the answer, checks the budgets and approvals
 * first, and records tokens, cost and latency on the task. A plugin may use
 * only the aliases its manifest lists under permissions "models". The same
 * in-process and isolated (events stream to an isolated plugin as they come).
 * Both functions take the `call_id` of the running call, are valid only
 * while it runs, block until done, and are called from the thread running
 * the call. Arguments are copied before the function returns.
 */
typedef struct ah_host_models {
    uint32_t struct_size;

    /* One chat completion. `request` is UTF-8 JSON:
     *   {"model": alias (default: the agent's own, see `profile`),
     *    "messages": [{"role": "system"|"user"|"assistant"|"tool", "content": "...",
     *                  "tool_calls": [{"id", "name", "arguments": {...}}]   (assistant),
     *                  "tool_call_id": "..."}],                               (tool)
     *    "tools": "auto" | [names],  (default "auto": every tool `profile` lists;
     *                                 names outside that list are not offered)
     *    "response_schema": {JSON Schema of the answer}, "max_tokens": n,
     *    "temperature": x, "stream": true|false}
     * Tool names are as `profile` lists them: a capability ("code.generate"),
     * one of the plugin's own typed tools, or "handoff:<agent id>".
     *
     * `events` receives the answer as it comes, one JSON object and "\n" per
     * write, in this order: {"type":"text","text"} (many when streamed),
     * {"type":"tool_call","id","name","kind":"capability"|"tool"|"handoff",
     * "arguments":{...}}, {"type":"tool_refused","id","name","reason"} (a tool
     * the agent may not call now: carry nothing out; the host tells the model
     * so in the next request), {"type":"usage","input_tokens","output_tokens",
     * "cost"}, and last {"type":"end","reason":"stop"|"tool_calls"|"length"|
     * "content_filter"|..., "model"}. A tool_call's "arguments" is an object
     * (for a typed tool: {"arguments": [the tool's arguments in order]}).
     *
     * On failure the last event is {"type":"error","message"} and the status
     * says why: AH_ERR_DENIED (an alias the manifest does not list, a guardrail,
     * a budget, an approval refused: then also "budget" or "guardrail" naming
     * it), AH_ERR_NOT_FOUND (no such alias), AH_ERR_DEADLINE (timeout),
     * AH_ERR_CANCELLED, AH_ERR_UNAVAILABLE (the server, after retries),
     * AH_ERR_INVALID_ARGUMENT (a malformed request). A run past a budget
     * fails whatever the plugin returns. */
    ah_status (*complete)(const ah_host *host, uint64_t call_id, ah_str request, ah_sink events);

    /* Writes the agent's profile for the call as UTF-8 JSON: {"agent", "role",
     * "instructions", "model" (alias or null), "models": [aliases it may use],
     * "tools": [{"name", "kind", "description", "parameters"}] (what it may
     * call in the call's state), "max_turns"}. A role agent's come from its
     * role file; a plugin's own from its manifest. */
    ah_status (*profile)(const ah_host *host, uint64_t call_id, ah_sink out);
} ah_host_models;

/* ------------------------------------------------------------------------ */
/* The entry (plugin -> host)                                               */
/* ------------------------------------------------------------------------ */

/*
 * The exported symbol. The first three fields are read before any plugin code
 * runs; they never move.
 */
typedef struct ah_plugin_entry {
    uint32_t abi_major;   /* AGENTHOST_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;   /* AGENTHOST_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(ah_plugin_entry) as the plugin was compiled */

    /* Called once, before anything else, on the thread that loads the plugin.
     * `host` stays valid until `deinit` returns. On failure, write a message
     * saying what is wrong and how to fix it to `error` and return an error
     * status; the host then calls nothing else in the plugin. `error` is
     * valid only during `init`. No other call into the plugin runs until
     * `init` returns. When it runs (which commands load plugins, and when an
     * isolated plugin's process starts) is in sdk/README.md. */
    ah_status (*init)(const ah_host *host, ah_sink error);

    /* Called once when the host shuts down, after every call has returned and
     * every response has been released; never concurrently with anything.
     * The library is not unloaded afterwards. */
    void (*deinit)(void);

    /* Returns the interface table for `id` (e.g. AH_INTERFACE_AGENT), or NULL
     * when the plugin does not offer it. The table is owned by the plugin and
     * must stay valid until `deinit`. Called after `init` succeeded, on any
     * thread. `id` is owned by the host and valid during the call only. */
    const void *(*get_interface)(const char *id);
} ah_plugin_entry;

/* ------------------------------------------------------------------------ */
/* Interface AH_INTERFACE_AGENT: capabilities answered with JSON            */
/* ------------------------------------------------------------------------ */

/* Flags of `ah_agent_descriptor.flags`. */
enum {
    AH_AGENT_THREAD_SAFE = 1 << 0 /* may be entered by many threads at once */
};

/*
 * What the binary says it is. The host checks it against plugin.json at load
 * and refuses a mismatch. Static storage, owned by the plugin, valid until
 * `deinit`; the host reads it once, at load, and copies what it keeps.
 *
 * Compared with the manifest: `id`, `version`, the AH_AGENT_THREAD_SAFE flag
 * (the manifest's "thread_safe"), `toolchain` (when the manifest gives one),
 * and the capability names (as a set). `name` is not compared, nor are the
 * descriptions. The tools table (AH_INTERFACE_TOOLS) is compared too: each
 * tool's name, signature and allowed states. See sdk/README.md.
 */
typedef struct ah_agent_descriptor {
    uint32_t struct_size;
    uint32_t flags;                   /* AH_AGENT_* */
    const char *id;                   /* equal to the manifest's "id" */
    const char *name;
    const char *version;              /* equal to the manifest's "version" */
    const char *toolchain;            /* e.g. "c11", "rust", "swift-6.3": any text for C or Rust, but one
                                         starting "swift" must be the host's own; equal to the manifest's
                                         "toolchain" when the manifest gives one */
    size_t capability_count;
    const char *const *capabilities;  /* names, equal to the manifest's, in any order */
} ah_agent_descriptor;

/*
 * One request. The envelope is plain fields so the host routes without
 * parsing; the payload is UTF-8 JSON the host passes through untouched
 * (unless a guardrail of the policy redacts part of it). Owned by the host,
 * valid for the duration of `call` only: copy what you keep.
 *
 * The payload. A task given by capability name carries the input as the
 * caller gave it (`--input`, a workflow step's `input`; `{}` when none).
 * A task given in words (`agenthost run "some words"`, a DELEGATE block's
 * TASK, a chat message, a workflow step's `text:`) goes only to a capability
 * that takes words, and carries the given input object (`{}` when none) with
 * the capability's text field set to the text, unless the input already
 * sets that field. The text field is the capability's "text_input" in the
 * manifest or, when that is absent, the one required property of its
 * "input" when there is exactly one and it is declared a string (without an
 * "enum"); otherwise the capability does not take words. So `agenthost run "research bm25"` sends
 * knowledge.search {"query":"research bm25"}, and a DELEGATE child receives
 * {FIELD: TASK}. A handoff's target receives the handoff's context
 * (see request_handoff); a `delegate` sub-call, the payload it was given.
 * The host checks the payload against the capability's declared "input"
 * before the task runs (sdk/MANIFEST.md, "JSON Schema").
 */
typedef struct ah_request {
    uint32_t struct_size;
    ah_agent_state state;   /* the state the agent is in for this call */
    uint64_t call_id;       /* names this call in host callbacks; never 0 */
    int64_t deadline_ns;    /* wall clock, ns since the Unix epoch; 0 = none */
    ah_str task_id;
    ah_str capability;      /* one of the descriptor's capabilities */
    ah_str payload;         /* UTF-8 JSON, one complete value; see above */
    /* Appended after the first release: read it only when
     * offsetof(ah_request, traceparent) < struct_size.
     * The W3C trace context of the host's span for this call, as the
     * `traceparent` header value ("00-<trace id>-<span id>-<flags>"), so the
     * plugin's own spans join the host's trace; empty (len 0) when the host
     * traces nothing. Owned by the host, valid for the duration of `call`. */
    ah_str traceparent;
} ah_request;

/*
 * Filled by the plugin in `call`. The bytes are owned by the plugin and stay
 * valid until `release` is called with this response; `release_data` is the
 * plugin's own bookkeeping, untouched by the host.
 *
 * What a reply may be. On AH_OK, `body` is valid UTF-8, at most
 * AH_MAX_PAYLOAD_BYTES, and either one complete JSON value, or text that
 * carries at least one DELEGATE block (ACTION: DELEGATE ... ---END---), which
 * the host carries out. An empty body, NULL data with a length, invalid
 * UTF-8 and any other text fail the call as AH_ERR_INTERNAL ("invalid
 * reply"), and nothing is stored as a result. On an error status, `body` is a
 * human-readable message (invalid UTF-8 is repaired for display).
 */
typedef struct ah_response {
    ah_str body;
    void *release_data;
} ah_response;

typedef struct ah_agent {
    uint32_t struct_size;

    /* The binary's self-description, owned by the plugin (see
     * ah_agent_descriptor). Any thread, after `init`. */
    const ah_agent_descriptor *(*descriptor)(void);

    /* Answers one request. `out` is zeroed by the host beforehand. Returns
     * AH_OK with a JSON body, or an error status with a message body. The host
     * calls `release(out)` exactly once after every `call`, whatever the
     * status. Any thread if the agent is AH_AGENT_THREAD_SAFE; otherwise the
     * host never overlaps two calls (nor a call and a release).
     * `request` and everything it points to are the host's, valid until
     * `call` returns; what `out` points to is the plugin's until `release`.
     * Host callbacks made during the call name it by `request->call_id`. */
    ah_status (*call)(const ah_request *request, ah_response *out);

    /* Frees what `call` put into `response`. Same threading as `call`.
     * Called once per `call`, after the host has copied the body out, so
     * nothing of the body needs to outlive `release`. */
    void (*release)(ah_response *response);
} ah_agent;

/* ------------------------------------------------------------------------ */
/* Interface AH_INTERFACE_TOOLS: typed tools called through libffi           */
/* ------------------------------------------------------------------------ */

/*
 * A typed tool is a plain C function whose type is spelled by its signature:
 *
 *     signature := result "(" [ param { "," param } ] ")"
 *     result    := type | "void"
 *     param     := type
 *     type      := "i32" | "i64" | "f64" | "bool" | "str"
 *
 * No spaces; at most 8 parameters; "void" is not a parameter. C types:
 *
 *     i32  -> int32_t     i64 -> int64_t     f64 -> double     bool -> bool
 *     str  -> parameter:  const char *, NUL-terminated UTF-8, owned by the
 *                         host, valid during the call only
 *             result:     char *, NUL-terminated UTF-8, owned by the plugin
 *                         until the host passes it to `release_string`;
 *                         NULL means the tool failed
 *
 * Example: "i64(i64,i64)" is `int64_t add(int64_t a, int64_t b)`.
 * The host parses every signature at load and refuses the plugin if one is
 * malformed or unsupported, before any tool is called.
 *
 * Threads. A tool may be called on any thread. For a plugin without
 * AH_AGENT_THREAD_SAFE, a tool called from outside an agent call (`agenthost
 * tool`, the host's own callers) never overlaps a call, a release or another
 * tool. A tool the plugin calls itself through the `call_tool` service runs
 * at once, on the thread of that call, while the call is still running: it
 * must not wait for a lock the call holds.
 */
typedef void (*ah_tool_fn)(void);

typedef struct ah_tool {
    uint32_t struct_size;
    uint32_t allowed_states;  /* bit set of AH_STATE_BIT(state) */
    const char *name;         /* unique within the plugin */
    const char *signature;    /* see the grammar above */
    const char *description;
    ah_tool_fn function;      /* cast to the type the signature spells */
} ah_tool;

typedef struct ah_tools {
    uint32_t struct_size;

    /* Number of tools; constant after `init`. Any thread. */
    uint32_t (*count)(void);

    /* The tool at `index` (< count()), static storage owned by the plugin,
     * valid until `deinit`. Any thread. */
    const ah_tool *(*get)(uint32_t index);

    /* Frees a string a tool returned. Same threading as the tools. Called
     * once for every non-NULL string a tool returns, after the host copied
     * it; never for NULL. Required when any tool returns "str". */
    void (*release_string)(char *string);
} ah_tools;

/* ------------------------------------------------------------------------ */
/* The export                                                               */
/* ------------------------------------------------------------------------ */

/*
 * Define exactly once per plugin:
 *
 *     AGENTHOST_PLUGIN_ENTRY = {
 *         AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry),
 *         my_init, my_deinit, my_get_interface
 *     };
 */
#define AGENTHOST_PLUGIN_ENTRY AH_EXPORT const ah_plugin_entry agenthost_plugin_entry

#ifdef __cplusplus
}
#endif

#endif /* AGENTHOST_H */
