/*
 * The Knowledge agent: indexes a folder of Markdown, text, HTML and source
 * files (through the host's file services, so the manifest's paths apply)
 * and answers from it without a language model.
 *
 *   knowledge.search   {"query", "root", "top_k"} -> ranked passages (BM25 with
 *                      heading, path and phrase boosts), each with file and line
 *   knowledge.answer   {"query", "root", "top_k"} -> the best passages,
 *                      near-duplicates dropped, as an answer with numbered citations
 *   knowledge.evidence {"claim", "root", "top_k"} -> passages that support the
 *                      claim and passages that contradict it (a negation the
 *                      claim lacks, or the reverse), with scores and a verdict
 *
 * Indexes are kept per folder between calls and refreshed on each call: only
 * files whose size or modification time changed are read again. They are
 * also saved in the plugin's data folder ("$PLUGIN_DATA/", when the host has
 * one), so a new process starts from the last one's. One lock guards the
 * cache, so the agent is thread-safe.
 *
 * Answers (and evidence) rank for prose: a passage of a document counts more
 * than one of a source file, lines that look like code count less, and a
 * passage whose text matches always beats a bare heading; the answer is
 * built from whole sentences of the prose, never from code.
 */
#define _DEFAULT_SOURCE /* strncasecmp */
#include <agenthost/agenthost.h>

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <strings.h>
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

/* ---- the index cache ---- */

#define MAX_CACHED_ROOTS 16

typedef struct cached_index {
    char *root;
    kn_index index;
    uint64_t used; /* for evicting the least recently used */
} cached_index;

static cached_index cache[MAX_CACHED_ROOTS];
static uint64_t cache_clock;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The up-to-date index of `root`; call with cache_lock held. Indexes are
 * kept by the folder's absolute path: "." of two workspaces are two folders. */
static kn_index *index_for(const char *root, uint64_t call_id, text_buffer *error, ah_status *status) {
    kn_listing listing;
    *status = kn_list(root, host_table, call_id, &listing, error);
    if (*status != AH_OK) return NULL;
    const char *key = listing.root ? listing.root : root;
    cached_index *slot = NULL, *oldest = &cache[0];
    for (size_t i = 0; i < MAX_CACHED_ROOTS; i++) {
        if (cache[i].root && strcmp(cache[i].root, key) == 0) slot = &cache[i];
        if (cache[i].used < oldest->used) oldest = &cache[i];
    }
    if (!slot) {
        slot = oldest;
        free(slot->root);
        kn_index_free(&slot->index);
        slot->root = strdup(key);
        if (!slot->root) {
            kn_listing_free(&listing);
            tb_append_cstr(error, "out of memory");
            *status = AH_ERR_INTERNAL;
            return NULL;
        }
    }
    slot->used = ++cache_clock;
    *status = kn_index_refresh(&slot->index, root, &listing, host_table, call_id, error);
    kn_listing_free(&listing);
    return *status == AH_OK ? &slot->index : NULL;
}

/* ---- requests ---- */

typedef enum kind { SEARCH, ANSWER, EVIDENCE } kind;

typedef struct request_fields {
    text_buffer query; /* "query", or "claim" for evidence */
    text_buffer root;
    size_t top_k;
} request_fields;

static ah_status read_fields(const ah_request *request, kind what, const char *name, request_fields *fields, ah_response *out) {
    const char *payload = request->payload.data;
    size_t len = request->payload.len;
    const char *text_key = what == EVIDENCE ? "claim" : "query";
    char message[256];
    if (!payload || !json_is_object(payload, len)) {
        snprintf(message, sizeof message, "%s expects a JSON object: {\"%s\": \"...\", \"root\": \"folder\"}", name, text_key);
        return fail(out, AH_ERR_INVALID_ARGUMENT, message);
    }
    if (json_get_string(payload, len, text_key, &fields->query) != JSON_FOUND || fields->query.len == 0) {
        snprintf(message, sizeof message, "%s needs \"%s\": a non-empty string", name, text_key);
        return fail(out, AH_ERR_INVALID_ARGUMENT, message);
    }
    json_lookup found = json_get_string(payload, len, "root", &fields->root);
    if (found == JSON_ABSENT) {
        tb_append_cstr(&fields->root, ".");
    } else if (found != JSON_FOUND || fields->root.len == 0) {
        snprintf(message, sizeof message, "%s: \"root\" must be a folder's path (relative to the workspace)", name);
        return fail(out, AH_ERR_INVALID_ARGUMENT, message);
    }
    double top_k = what == ANSWER ? 3 : DEFAULT_TOP_K;
    found = json_get_number(payload, len, "top_k", &top_k);
    if (found == JSON_WRONG_TYPE || (found == JSON_FOUND && (top_k < 1 || top_k > MAX_TOP_K || top_k != floor(top_k)))) {
        snprintf(message, sizeof message, "%s: \"top_k\" must be a whole number from 1 to %d", name, MAX_TOP_K);
        return fail(out, AH_ERR_INVALID_ARGUMENT, message);
    }
    fields->top_k = (size_t)top_k;
    return AH_OK;
}

static void append_passage(text_buffer *body, const kn_index *index, const kn_hit *hit) {
    const kn_passage *p = hit->passage;
    const char *file = index->files[p->file].path;
    size_t shown = utf8_prefix(p->text, p->text_len, MAX_SNIPPET_BYTES);
    tb_append_cstr(body, "{\"file\":");
    tb_append_json_string(body, file, strlen(file));
    tb_appendf(body, ",\"line\":%u,\"score\":%.4f,\"heading\":", p->line, hit->score);
    tb_append_json_string(body, p->heading, strlen(p->heading));
    tb_append_cstr(body, ",\"text\":");
    tb_append_json_string(body, p->text, shown);
    if (shown < p->text_len) tb_append_cstr(body, ",\"truncated\":true");
    tb_append_char(body, '}');
}

/* Whether `text` holds a word that turns a statement around. */
static bool negates(const char *text, size_t len) {
    static const char *const cues[] = { "not", "no", "never", "none", "cannot", "can't", "isn't", "aren't", "doesn't", "don't",
                                        "won't", "without", "neither", "nor", "false", "deprecated", "removed", "unsupported",
                                        "disabled", "incorrect", "wrong", "instead" };
    for (size_t i = 0; i < len;) {
        while (i < len && !isalpha((unsigned char)text[i])) i++;
        size_t start = i;
        while (i < len && (isalpha((unsigned char)text[i]) || text[i] == '\'')) i++;
        size_t n = i - start;
        for (size_t c = 0; n && c < sizeof cues / sizeof *cues; c++) {
            if (strlen(cues[c]) == n && strncasecmp(text + start, cues[c], n) == 0) return true;
        }
    }
    return false;
}

/* ---- answers from prose ---- */

/* Appends `line` to `out`, one space between lines, emphasis marks dropped
 * and runs of white space collapsed. */
static void append_prose_line(text_buffer *out, const char *line, size_t len) {
    if (out->len && out->data[out->len - 1] != ' ') tb_append_char(out, ' ');
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '*' && i + 1 < len && line[i + 1] == '*') { i++; continue; } /* **bold** */
        if (c == '\t' || c == '\r' || c == '\0') c = ' ';
        if (c == ' ' && (!out->len || out->data[out->len - 1] == ' ')) continue;
        tb_append_char(out, c);
    }
    while (out->len && out->data[out->len - 1] == ' ') out->data[--out->len] = '\0';
}

/* The prose of a passage as one run of text: a document's lines that do not
 * look like code (list marks dropped), or a source file's comments without
 * their marks; nothing of a fenced block, nor the heading line. */
static void prose_of(const kn_index *index, const kn_passage *p, text_buffer *out) {
    if (p->flags & KN_PASSAGE_FENCED) return;
    kn_format format = index->files[p->file].format;
    bool first = true;
    for (size_t i = 0; i < p->text_len;) {
        size_t end = i;
        while (end < p->text_len && p->text[end] != '\n') end++;
        const char *line = p->text + i;
        size_t len = end - i, start = 0;
        bool heading_line = first && (p->flags & KN_PASSAGE_HEADING);
        first = false;
        i = end + 1;
        if (heading_line) continue;
        if (format == KN_SOURCE) {
            if (!kn_line_is_comment(line, len, &start)) continue;
            while (len > start && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r')) len--;
            if (len >= start + 2 && line[len - 2] == '*' && line[len - 1] == '/') len -= 2; /* a block comment's end */
        } else {
            if (kn_line_is_code(line, len, format)) continue;
            while (start < len && (line[start] == ' ' || line[start] == '\t')) start++;
            size_t digits = start;
            while (digits < len && digits - start < 9 && isdigit((unsigned char)line[digits])) digits++;
            if (len - start >= 2 && line[start] && strchr("-*+>", line[start]) && line[start + 1] == ' ') start += 2;
            else if (digits > start && digits + 1 < len && (line[digits] == '.' || line[digits] == ')') && line[digits + 1] == ' ') start = digits + 2;
        }
        append_prose_line(out, line + start, len - start);
    }
}

static bool starts_sentence(unsigned char c) { return isupper(c) || isdigit(c) || c >= 0x80 || (c && strchr("`\"'([$", c)); }

/* Whether the word before the period at `dot` is an abbreviation such as "e.g.". */
static bool abbreviation(const char *text, size_t dot) {
    static const char *const words[] = { "e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "resp" };
    size_t start = dot;
    while (start > 0 && (isalpha((unsigned char)text[start - 1]) || text[start - 1] == '.')) start--;
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        if (dot - start == strlen(words[w]) && strncasecmp(text + start, words[w], dot - start) == 0) return true;
    }
    return false;
}

typedef struct sentence {
    size_t start, len;
    double weight; /* the query's words in it (kn_match_weight) */
    bool whole;    /* begins like a sentence and ends with . ! ? or : */
} sentence;

#define MAX_SENTENCES 64

/* Splits prose into sentences: at . ! ? (and the quotes or brackets closing
 * them) before a space and what starts a sentence, abbreviations aside. */
static size_t split_sentences(const char *text, size_t len, sentence *out, size_t cap) {
    size_t count = 0, start = 0;
    for (size_t i = 0; i < len && count < cap; i++) {
        char c = text[i];
        if (c != '.' && c != '!' && c != '?') continue;
        size_t j = i + 1;
        while (j < len && text[j] && strchr(")\"'`*", text[j])) j++;
        bool end = j == len || (text[j] == ' ' && j + 1 < len && starts_sentence((unsigned char)text[j + 1]));
        if (!end || (c == '.' && abbreviation(text, i))) continue;
        out[count++] = (sentence){ start, j - start, 0, false };
        start = j;
        while (start < len && text[start] == ' ') start++;
        i = start ? start - 1 : 0;
    }
    if (start < len && count < cap) out[count++] = (sentence){ start, len - start, 0, false };
    for (size_t k = 0; k < count; k++) {
        const char *s = text + out[k].start;
        size_t n = out[k].len;
        while (n && s[n - 1] && strchr(")\"'`* ", s[n - 1])) n--;
        size_t words = 0;
        for (size_t m = 0; m < out[k].len; m++) words += s[m] != ' ' && (m == 0 || s[m - 1] == ' ');
        out[k].whole = words >= 4 && starts_sentence((unsigned char)s[0]) && n && strchr(".!?:", s[n - 1]);
    }
    return count;
}

#define ANSWER_BUDGET 900 /* bytes of answer text before later passages stop adding theirs */

/* The answer: whole sentences of the chosen passages' prose that hold the
 * query's words (two from the first passage with prose, one from each
 * other), in their order, each passage's followed by its citation number.
 * Code is cited, never spliced into the answer. */
static void build_answer(const kn_index *index, const char *query, size_t query_len, const kn_hit *chosen, size_t kept, text_buffer *answer) {
    bool first_prose = true;
    for (size_t i = 0; i < kept && answer->len < ANSWER_BUDGET; i++) {
        text_buffer prose = { 0 };
        prose_of(index, chosen[i].passage, &prose);
        sentence sentences[MAX_SENTENCES];
        size_t count = prose.len ? split_sentences(prose.data, prose.len, sentences, MAX_SENTENCES) : 0;
        if (count && (chosen[i].passage->flags & KN_PASSAGE_CONTINUES)) sentences[0].whole = false; /* the tail of one cut off */
        for (size_t k = 0; k < count; k++) {
            sentences[k].weight = sentences[k].whole ? kn_match_weight(index, query, query_len, prose.data + sentences[k].start, sentences[k].len) : 0;
        }
        size_t want = first_prose ? 2 : 1, picked[2], taken = 0;
        for (size_t round = 0; round < want; round++) {
            size_t best = count;
            for (size_t k = 0; k < count; k++) {
                bool used = false;
                for (size_t t = 0; t < taken; t++) used |= picked[t] == k;
                if (!used && sentences[k].weight > 0 && (best == count || sentences[k].weight > sentences[best].weight)) best = k;
            }
            if (best == count) break;
            picked[taken++] = best;
        }
        if (taken == 2 && picked[0] > picked[1]) { size_t t = picked[0]; picked[0] = picked[1]; picked[1] = t; }
        for (size_t t = 0; t < taken; t++) {
            if (answer->len) tb_append_char(answer, ' ');
            tb_append(answer, prose.data + sentences[picked[t]].start, sentences[picked[t]].len);
        }
        if (taken) {
            tb_appendf(answer, " [%zu]", i + 1);
            first_prose = false;
        }
        tb_free(&prose);
    }
    if (answer->len || !kept) return;
    /* Nothing but code (or prose without a whole sentence on the question): say where to look. */
    tb_append_cstr(answer, "No prose passage answers this directly; the closest matches are ");
    for (size_t i = 0; i < kept; i++) {
        const char *file = index->files[chosen[i].passage->file].path;
        tb_appendf(answer, "%s%s line %u [%zu]", i == 0 ? "" : i + 1 == kept ? " and " : ", ", file, chosen[i].passage->line, i + 1);
    }
    tb_append_char(answer, '.');
}

static ah_status answer_request(const ah_request *request, kind what, const char *name, ah_response *out) {
    request_fields fields = { 0 };
    text_buffer error = { 0 }, body = { 0 };
    ah_status status = read_fields(request, what, name, &fields, out);
    if (status != AH_OK) goto done;

    pthread_mutex_lock(&cache_lock);
    kn_index *index = index_for(fields.root.data, request->call_id, &error, &status);
    if (!index) {
        pthread_mutex_unlock(&cache_lock);
        status = respond(out, status, &error);
        goto done;
    }
    if (host_table && host_table->progress) host_table->progress(host_table, request->call_id, 0.5, AH_STR("indexed"));
    /* Answers and evidence look deeper, then keep the best distinct passages. */
    size_t wanted = what == SEARCH ? fields.top_k : fields.top_k * 4 > MAX_TOP_K ? MAX_TOP_K : fields.top_k * 4;
    kn_hit hits[MAX_TOP_K];
    /* Search ranks every passage alike; answers and evidence prefer prose whose text says it. */
    kn_rank rank = what == SEARCH ? KN_RANK_SEARCH : KN_RANK_ANSWER;
    size_t count = kn_index_search(index, fields.query.data, fields.query.len, rank, hits, wanted);

    tb_append_cstr(&body, what == EVIDENCE ? "{\"claim\":" : "{\"query\":");
    tb_append_json_string(&body, fields.query.data, fields.query.len);
    tb_appendf(&body, ",\"files\":%zu,\"passages\":%zu,\"files_read\":%zu,\"files_reused\":%zu", index->file_count,
               index->passage_count, index->files_read, index->files_reused);
    if (what == SEARCH) {
        tb_append_cstr(&body, ",\"results\":[");
        for (size_t i = 0; i < count; i++) {
            if (i) tb_append_char(&body, ',');
            append_passage(&body, index, &hits[i]);
        }
        tb_append_cstr(&body, "]}");
    } else if (what == ANSWER) {
        kn_hit chosen[MAX_TOP_K];
        size_t kept = 0, dropped = 0;
        for (size_t i = 0; i < count && kept < fields.top_k; i++) {
            bool duplicate = false;
            for (size_t k = 0; k < kept && !duplicate; k++) duplicate = kn_similarity(hits[i].passage, chosen[k].passage) > 0.6;
            if (duplicate) dropped++;
            else chosen[kept++] = hits[i];
        }
        text_buffer answer = { 0 };
        build_answer(index, fields.query.data, fields.query.len, chosen, kept, &answer);
        tb_append_cstr(&body, ",\"answer\":");
        if (kept) tb_append_json_string(&body, answer.data, answer.len);
        else tb_append_cstr(&body, "\"The documents say nothing about this.\"");
        tb_free(&answer);
        tb_append_cstr(&body, ",\"citations\":[");
        for (size_t i = 0; i < kept; i++) {
            const kn_passage *p = chosen[i].passage;
            const char *file = index->files[p->file].path;
            tb_appendf(&body, "%s{\"n\":%zu,\"file\":", i ? "," : "", i + 1);
            tb_append_json_string(&body, file, strlen(file));
            tb_appendf(&body, ",\"line\":%u,\"score\":%.4f}", p->line, chosen[i].score);
        }
        tb_append_cstr(&body, "],\"passages\":[");
        for (size_t i = 0; i < kept; i++) {
            if (i) tb_append_char(&body, ',');
            append_passage(&body, index, &chosen[i]);
        }
        tb_appendf(&body, "],\"duplicates_dropped\":%zu}", dropped);
    } else {
        bool claim_negated = negates(fields.query.data, fields.query.len);
        text_buffer supporting = { 0 }, contradicting = { 0 };
        size_t supports = 0, contradicts = 0;
        double support_weight = 0, contradict_weight = 0;
        for (size_t i = 0; i < count && supports + contradicts < fields.top_k; i++) {
            const kn_passage *p = hits[i].passage;
            double coverage = kn_coverage(index, fields.query.data, fields.query.len, p);
            if (coverage < 0.5) continue; /* about something else */
            kn_hit weighted = { p, hits[i].score * coverage };
            bool against = negates(p->text, p->text_len) != claim_negated;
            text_buffer *list = against ? &contradicting : &supporting;
            if (list->len) tb_append_char(list, ',');
            append_passage(list, index, &weighted);
            if (against) { contradicts++; contradict_weight += weighted.score; }
            else { supports++; support_weight += weighted.score; }
        }
        const char *verdict = supports + contradicts == 0 ? "not enough evidence"
                              : contradict_weight == 0 ? "supported"
                              : support_weight == 0 ? "contradicted"
                              : support_weight >= 2 * contradict_weight ? "mostly supported"
                              : contradict_weight >= 2 * support_weight ? "mostly contradicted" : "disputed";
        tb_append_cstr(&body, ",\"verdict\":");
        tb_append_json_string(&body, verdict, strlen(verdict));
        tb_appendf(&body, ",\"support_score\":%.4f,\"contradiction_score\":%.4f,\"supporting\":[", support_weight, contradict_weight);
        if (supporting.len) tb_append(&body, supporting.data, supporting.len);
        tb_append_cstr(&body, "],\"contradicting\":[");
        if (contradicting.len) tb_append(&body, contradicting.data, contradicting.len);
        tb_append_cstr(&body, "]}");
        tb_free(&supporting);
        tb_free(&contradicting);
    }
    pthread_mutex_unlock(&cache_lock);
    status = respond(out, AH_OK, &body);

done:
    tb_free(&fields.query);
    tb_free(&fields.root);
    tb_free(&error);
    tb_free(&body);
    return status;
}

/* ---- the agent interface ---- */

static const char *const capabilities[] = { "knowledge.search", "knowledge.answer", "knowledge.evidence" };

static const ah_agent_descriptor descriptor = {
    sizeof(ah_agent_descriptor), AH_AGENT_THREAD_SAFE,
    "agenthost.knowledge", "Knowledge", "0.2.0", "c11",
    sizeof capabilities / sizeof *capabilities, capabilities,
};

static const ah_agent_descriptor *describe(void) { return &descriptor; }

static bool named(ah_str capability, const char *name) {
    return capability.len == strlen(name) && memcmp(capability.data, name, capability.len) == 0;
}

static ah_status call(const ah_request *request, ah_response *out) {
    if (named(request->capability, "knowledge.search")) return answer_request(request, SEARCH, "knowledge.search", out);
    if (named(request->capability, "knowledge.answer")) return answer_request(request, ANSWER, "knowledge.answer", out);
    if (named(request->capability, "knowledge.evidence")) return answer_request(request, EVIDENCE, "knowledge.evidence", out);
    log_line(request->call_id, AH_LOG_WARNING, "asked for a capability it does not declare");
    return fail(out, AH_ERR_UNSUPPORTED, "the Knowledge agent answers knowledge.search, knowledge.answer and knowledge.evidence");
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

static void deinit(void) {
    for (size_t i = 0; i < MAX_CACHED_ROOTS; i++) {
        free(cache[i].root);
        kn_index_free(&cache[i].index);
        cache[i].root = NULL;
    }
    host_table = NULL;
}

static const void *get_interface(const char *id) {
    if (strcmp(id, AH_INTERFACE_AGENT) == 0) return &agent;
    if (strcmp(id, AH_INTERFACE_TOOLS) == 0) return &tool_table;
    return NULL;
}

AGENTHOST_PLUGIN_ENTRY = {
    AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry), init, deinit, get_interface,
};
