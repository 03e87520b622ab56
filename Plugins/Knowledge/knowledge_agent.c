/*
 * The Knowledge agent: `knowledge.search` ranks the passages of a folder of
 * Markdown and text files against a query with BM25 and answers the best ones
 * with their file, line and score.
 *
 * Input:  {"query": "...", "root": "/folder", "top_k": 5}
 * Output: {"query": "...", "files": N, "passages": N,
 *          "results": [{"file": "a.md", "line": 3, "score": 1.9, "text": "..."}]}
 *
 * Every call builds its own index and shares nothing, so the agent is
 * thread-safe without locks.
 */
#include <agenthost/agenthost.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_reader.h"
#include "knowledge_index.h"
#include "text_buffer.h"

#define DEFAULT_TOP_K 5
#define MAX_TOP_K 100
#define MAX_SNIPPET_BYTES 600

static const ah_host *host_table; /* set by init, read-only afterwards */

static void log_line(uint64_t call_id, ah_log_level level, const char *message) {
    if (host_table && host_table->log) {
        ah_str text = { message, strlen(message) };
        host_table->log(host_table, call_id, level, text);
    }
}

/* Fills `out` with a plugin-owned body (released by `release`). */
static ah_status respond(ah_response *out, ah_status status, text_buffer *body) {
    size_t len = 0;
    char *data = tb_take(body, &len);
    if (!data) {
        static const char message[] = "out of memory while building the reply";
        out->body = (ah_str){ message, sizeof message - 1 };
        out->release_data = NULL;
        return AH_ERR_INTERNAL;
    }
    out->body = (ah_str){ data, len };
    out->release_data = data;
    return status;
}

static ah_status fail(ah_response *out, ah_status status, const char *message) {
    text_buffer body = { 0 };
    tb_append_cstr(&body, message);
    return respond(out, status, &body);
}

/* The longest prefix of `text` within `limit` bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const char *text, size_t len, size_t limit) {
    if (len <= limit) return len;
    size_t n = limit;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80) n--;
    return n;
}

static ah_status search(const ah_request *request, ah_response *out) {
    const char *payload = request->payload.data;
    size_t payload_len = request->payload.len;
    if (!payload || !json_is_object(payload, payload_len)) {
        return fail(out, AH_ERR_INVALID_ARGUMENT, "knowledge.search expects a JSON object: {\"query\": \"...\", \"root\": \"/folder\"}");
    }
    text_buffer query = { 0 }, root = { 0 }, error = { 0 };
    double top_k = DEFAULT_TOP_K;
    ah_status status = AH_OK;
    json_lookup found = json_get_string(payload, payload_len, "query", &query);
    if (found != JSON_FOUND || query.len == 0) {
        status = fail(out, AH_ERR_INVALID_ARGUMENT, "knowledge.search needs \"query\": a non-empty string");
        goto done;
    }
    found = json_get_string(payload, payload_len, "root", &root);
    if (found != JSON_FOUND || root.len == 0) {
        status = fail(out, AH_ERR_INVALID_ARGUMENT, "knowledge.search needs \"root\": the folder of .md and .txt files to search");
        goto done;
    }
    found = json_get_number(payload, payload_len, "top_k", &top_k);
    if (found == JSON_WRONG_TYPE || (found == JSON_FOUND && (top_k < 1 || top_k > MAX_TOP_K || top_k != floor(top_k)))) {
        status = fail(out, AH_ERR_INVALID_ARGUMENT, "knowledge.search: \"top_k\" must be a whole number from 1 to 100");
        goto done;
    }

    kn_index index;
    status = kn_index_build(&index, root.data, host_table, request->call_id, &error);
    if (status != AH_OK) {
        kn_index_free(&index);
        status = respond(out, status, &error);
        goto done;
    }
    if (host_table && host_table->progress) {
        ah_str note = AH_STR("indexed");
        host_table->progress(host_table, request->call_id, 0.5, note);
    }

    kn_hit hits[MAX_TOP_K];
    size_t count = kn_index_search(&index, query.data, query.len, hits, (size_t)top_k);
    text_buffer body = { 0 };
    tb_append_cstr(&body, "{\"query\":");
    tb_append_json_string(&body, query.data, query.len);
    tb_appendf(&body, ",\"files\":%zu,\"passages\":%zu,\"results\":[", index.file_count, index.passage_count);
    for (size_t i = 0; i < count; i++) {
        const kn_passage *p = hits[i].passage;
        const char *file = index.files[p->file];
        size_t shown = utf8_prefix(p->text, p->text_len, MAX_SNIPPET_BYTES);
        tb_append_cstr(&body, i ? ",{\"file\":" : "{\"file\":");
        tb_append_json_string(&body, file, strlen(file));
        tb_appendf(&body, ",\"line\":%u,\"score\":%.4f,\"text\":", p->line, hits[i].score);
        tb_append_json_string(&body, p->text, shown);
        if (shown < p->text_len) tb_append_cstr(&body, ",\"truncated\":true");
        tb_append_char(&body, '}');
    }
    tb_append_cstr(&body, "]}");
    kn_index_free(&index);
    status = respond(out, AH_OK, &body);

done:
    tb_free(&query);
    tb_free(&root);
    tb_free(&error);
    return status;
}

/* ---- the agent interface ---- */

static const char *const capabilities[] = { "knowledge.search" };

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor), AH_AGENT_THREAD_SAFE,
    "agenthost.knowledge", "Knowledge", "0.1.0", "c11",
    sizeof capabilities / sizeof *capabilities, capabilities,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static ah_status call(const ah_request *request, ah_response *out) {
    if (request->capability.len == strlen("knowledge.search") &&
        memcmp(request->capability.data, "knowledge.search", request->capability.len) == 0) {
        return search(request, out);
    }
    log_line(request->call_id, AH_LOG_WARNING, "asked for a capability it does not declare");
    return fail(out, AH_ERR_UNSUPPORTED, "the Knowledge agent answers knowledge.search only");
}

static void release(ah_response *response) { free(response->release_data); }

static const ah_agent agent = { sizeof(ah_agent), describe, call, release };

/* ---- typed tools ---- */

static void append_token(const char *token, size_t len, void *context) {
    text_buffer *b = context;
    if (b->len > 1) tb_append_char(b, ',');
    tb_append_json_string(b, token, len);
}

/* str(str): the indexing tokens of a text, as a JSON array. */
static char *tool_tokenize(const char *text) {
    text_buffer b = { 0 };
    tb_append_char(&b, '[');
    kn_tokenize(text, strlen(text), append_token, &b);
    tb_append_char(&b, ']');
    return tb_take(&b, NULL);
}

/* bool(str): whether a word is ignored by the index. */
static bool tool_is_stopword(const char *word) {
    size_t len = strlen(word);
    char lower[64];
    if (len >= sizeof lower) return false;
    for (size_t i = 0; i < len; i++) lower[i] = (char)((word[i] >= 'A' && word[i] <= 'Z') ? word[i] + 32 : word[i]);
    return kn_is_stopword(lower, len);
}

static double tool_idf(int64_t n, int64_t df) { return kn_idf(n, df); }

static double tool_tf_weight(double tf) { return kn_tf_weight(tf); }

static const ah_tool tools[] = {
    { sizeof(ah_tool), AH_STATES_WORKING, "tokenize", "str(str)",
      "The indexing tokens of a text (lower-cased, stemmed, stopwords dropped), as a JSON array.", (ah_tool_fn)tool_tokenize },
    { sizeof(ah_tool), AH_STATES_WORKING, "is_stopword", "bool(str)",
      "Whether the index ignores a word.", (ah_tool_fn)tool_is_stopword },
    { sizeof(ah_tool), AH_STATES_WORKING, "idf", "f64(i64,i64)",
      "BM25 inverse document frequency of a term found in df of n passages.", (ah_tool_fn)tool_idf },
    { sizeof(ah_tool), AH_STATES_WORKING, "tf_weight", "f64(f64)",
      "BM25 term-frequency saturation (k1 = 1.2) for a passage of average length.", (ah_tool_fn)tool_tf_weight },
};

static uint32_t tool_count(void) { return sizeof tools / sizeof *tools; }

static const ah_tool *tool_get(uint32_t index) { return index < tool_count() ? &tools[index] : NULL; }

static void release_string(char *string) { free(string); }

static const ah_tools tool_table = { sizeof(ah_tools), tool_count, tool_get, release_string };

/* ---- entry ---- */

static ah_status init(const ah_host *host, ah_sink error) {
    if (!host || host->struct_size < sizeof(ah_host)) {
        static const char message[] = "the host table is older than ABI 1.0; upgrade agenthost";
        if (error.write) error.write(error.context, message, sizeof message - 1);
        return AH_ERR_UNSUPPORTED;
    }
    host_table = host;
    return AH_OK;
}

static void deinit(void) { host_table = NULL; }

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

AGENTHOST_PLUGIN_ENTRY = {
    AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry), init, deinit, get_interface,
};
