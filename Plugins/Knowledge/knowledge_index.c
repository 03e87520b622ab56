#define _DEFAULT_SOURCE /* strdup, strncasecmp */
#include "knowledge_index.h"

#include "json_reader.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FILE_BYTES (8u << 20)
#define MAX_LISTED_FILES 200000

/* ---- term dictionary: open addressing, FNV-1a ---- */

struct kn_terms {
    char **words;
    uint32_t *ids; /* slot -> term id + 1; 0 = empty */
    size_t slots;
    size_t count;
};

static uint64_t hash(const char *s, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static kn_terms *terms_new(void) {
    kn_terms *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->slots = 1024;
    t->ids = calloc(t->slots, sizeof *t->ids);
    if (!t->ids) {
        free(t);
        return NULL;
    }
    return t;
}

static void terms_free(kn_terms *t) {
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) free(t->words[i]);
    free(t->words);
    free(t->ids);
    free(t);
}

/* Returns the id of `word`, or -1 when absent. */
static int64_t terms_find(const kn_terms *t, const char *word, size_t len) {
    for (size_t slot = hash(word, len) & (t->slots - 1);; slot = (slot + 1) & (t->slots - 1)) {
        uint32_t id = t->ids[slot];
        if (!id) return -1;
        const char *w = t->words[id - 1];
        if (strlen(w) == len && memcmp(w, word, len) == 0) return id - 1;
    }
}

static bool terms_grow(kn_terms *t) {
    size_t slots = t->slots * 2;
    uint32_t *ids = calloc(slots, sizeof *ids);
    if (!ids) return false;
    for (size_t i = 0; i < t->count; i++) {
        const char *w = t->words[i];
        size_t slot = hash(w, strlen(w)) & (slots - 1);
        while (ids[slot]) slot = (slot + 1) & (slots - 1);
        ids[slot] = (uint32_t)i + 1;
    }
    free(t->ids);
    t->ids = ids;
    t->slots = slots;
    return true;
}

/* Returns the id of `word`, adding it if needed; -1 when out of memory. */
static int64_t terms_intern(kn_terms *t, const char *word, size_t len) {
    int64_t found = terms_find(t, word, len);
    if (found >= 0) return found;
    if ((t->count + 1) * 2 > t->slots && !terms_grow(t)) return -1;
    if ((t->count & (t->count - 1)) == 0) { /* grow words at powers of two */
        char **words = realloc(t->words, (t->count ? t->count * 2 : 1) * sizeof *words);
        if (!words) return -1;
        t->words = words;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, word, len);
    copy[len] = '\0';
    t->words[t->count] = copy;
    size_t slot = hash(word, len) & (t->slots - 1);
    while (t->ids[slot]) slot = (slot + 1) & (t->slots - 1);
    t->ids[slot] = (uint32_t)t->count + 1;
    return (int64_t)t->count++;
}

/* ---- tokens ---- */

static const char *const stopwords[] = {
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "he", "her", "his", "how",
    "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "us", "was", "we",
    "were", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
};

int kn_is_stopword(const char *word, size_t len) {
    for (size_t i = 0; i < sizeof stopwords / sizeof *stopwords; i++) {
        if (strlen(stopwords[i]) == len && memcmp(stopwords[i], word, len) == 0) return 1;
    }
    return 0;
}

/* Strips common English inflections, so "ranking", "ranked" and "ranks" meet. */
static size_t stem(char *w, size_t len) {
    if (len > 4 && memcmp(w + len - 3, "ies", 3) == 0) {
        w[len - 3] = 'y';
        return len - 2;
    }
    if (len > 5 && memcmp(w + len - 3, "ing", 3) == 0) return len - 3;
    if (len > 4 && memcmp(w + len - 2, "ed", 2) == 0) return len - 2;
    if (len > 3 && w[len - 1] == 's' && w[len - 2] != 's' && w[len - 2] != 'u' && w[len - 2] != 'i') return len - 1;
    return len;
}

void kn_tokenize(const char *text, size_t len, void (*emit)(const char *, size_t, void *), void *context) {
    char word[64];
    size_t n = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)text[i] : ' ';
        if (isalnum(c) || c >= 0x80) {
            if (n < sizeof word) word[n++] = (char)(c < 0x80 ? tolower(c) : c);
            continue;
        }
        if (n == 0) continue;
        if (n < sizeof word && !(n == 1 && !isdigit((unsigned char)word[0])) && !kn_is_stopword(word, n)) {
            emit(word, stem(word, n), context);
        }
        n = 0;
    }
}

typedef struct term_collector {
    kn_terms *terms;
    uint32_t *ids;
    size_t count, cap;
    bool failed;
} term_collector;

static void collect_term(const char *token, size_t len, void *context) {
    term_collector *c = context;
    if (c->failed) return;
    int64_t id = terms_intern(c->terms, token, len);
    if (id < 0) {
        c->failed = true;
        return;
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        uint32_t *ids = realloc(c->ids, cap * sizeof *ids);
        if (!ids) {
            c->failed = true;
            return;
        }
        c->ids = ids;
        c->cap = cap;
    }
    c->ids[c->count++] = (uint32_t)id;
}

static int compare_ids(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static bool add_passage(kn_index *index, uint32_t file, uint32_t line, const char *heading, const char *text, size_t len, term_collector *scratch) {
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ')) len--;
    if (!len) return true;
    scratch->count = 0;
    kn_tokenize(text, len, collect_term, scratch);
    if (scratch->failed) return false;
    if (scratch->count == 0) return true; /* nothing searchable, e.g. only punctuation */
    if (index->passage_count == index->passage_cap) {
        size_t cap = index->passage_cap ? index->passage_cap * 2 : 64;
        kn_passage *passages = realloc(index->passages, cap * sizeof *passages);
        if (!passages) return false;
        index->passages = passages;
        index->passage_cap = cap;
    }
    qsort(scratch->ids, scratch->count, sizeof *scratch->ids, compare_ids);
    size_t distinct = 0;
    for (size_t i = 0; i < scratch->count; i++) distinct += i == 0 || scratch->ids[i] != scratch->ids[i - 1];
    kn_passage p = { .file = file, .line = line, .text_len = len, .length = (uint32_t)scratch->count, .distinct = (uint32_t)distinct };
    p.text = malloc(len + 1);
    p.heading = strdup(heading);
    p.terms = malloc(distinct * sizeof *p.terms);
    p.freqs = malloc(distinct * sizeof *p.freqs);
    if (!p.text || !p.heading || !p.terms || !p.freqs) {
        free(p.text);
        free(p.heading);
        free(p.terms);
        free(p.freqs);
        return false;
    }
    memcpy(p.text, text, len);
    p.text[len] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < scratch->count; i++) {
        if (i > 0 && scratch->ids[i] == scratch->ids[i - 1]) {
            p.freqs[k - 1]++;
        } else {
            p.terms[k] = scratch->ids[i];
            p.freqs[k++] = 1;
        }
    }
    index->passages[index->passage_count++] = p;
    return true;
}

static bool is_blank(const char *line, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (!isspace((unsigned char)line[i])) return false;
    }
    return true;
}

/* ---- reading files through the host ---- */

static void sink_write(void *context, const char *data, size_t len) { tb_append(context, data, len); }

static const ah_host_services *services_of(const ah_host *host) {
    if (!host || !host->get_extension) return NULL;
    const ah_host_services *services = host->get_extension(host, AH_EXTENSION_SERVICES);
    /* list_files was appended to the table; an older host does not have it. */
    if (!services || services->struct_size < offsetof(ah_host_services, list_files) + sizeof services->list_files) return NULL;
    return services;
}

typedef enum kn_format { KN_TEXT, KN_MARKDOWN, KN_HTML, KN_SOURCE } kn_format;

static bool format_of(const char *path, kn_format *format) {
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return false;
    static const char *const markdown[] = { ".md", ".markdown", ".rst" };
    static const char *const html[] = { ".html", ".htm", ".xhtml" };
    static const char *const source[] = { ".swift", ".c", ".h", ".cc", ".cpp", ".hpp", ".m", ".py", ".rs", ".go", ".js", ".ts",
                                          ".java", ".kt", ".rb", ".sh", ".yaml", ".yml", ".toml", ".json" };
    if (strcmp(dot, ".txt") == 0) { *format = KN_TEXT; return true; }
    for (size_t i = 0; i < sizeof markdown / sizeof *markdown; i++) if (strcmp(dot, markdown[i]) == 0) { *format = KN_MARKDOWN; return true; }
    for (size_t i = 0; i < sizeof html / sizeof *html; i++) if (strcmp(dot, html[i]) == 0) { *format = KN_HTML; return true; }
    for (size_t i = 0; i < sizeof source / sizeof *source; i++) if (strcmp(dot, source[i]) == 0) { *format = KN_SOURCE; return true; }
    return false;
}

/* HTML to text in place of the markup, keeping every newline so lines still
 * match the file: tags become spaces, script and style vanish, a heading's
 * opening tag becomes '#' so the passage splitter sees a heading, and the
 * common character references are decoded (padded to keep the length). */
static void html_to_text(char *text, size_t len) {
    size_t i = 0;
    while (i < len) {
        if (text[i] == '<') {
            size_t end = i + 1;
            while (end < len && text[end] != '>') end++;
            bool heading = end > i + 2 && (text[i + 1] == 'h' || text[i + 1] == 'H') && text[i + 2] >= '1' && text[i + 2] <= '6';
            bool raw = (end - i > 6 && strncasecmp(text + i + 1, "script", 6) == 0) || (end - i > 5 && strncasecmp(text + i + 1, "style", 5) == 0);
            bool title = end - i > 5 && strncasecmp(text + i + 1, "title", 5) == 0;
            if (raw) {
                /* up to the closing tag, all of it blanked */
                const char *close = text[i + 2] == 'c' || text[i + 2] == 'C' ? "</script" : "</style";
                size_t stop = end;
                while (stop < len && strncasecmp(text + stop, close, strlen(close)) != 0) stop++;
                while (stop < len && text[stop] != '>') stop++;
                end = stop;
            }
            for (size_t k = i; k <= end && k < len; k++) if (text[k] != '\n') text[k] = ' ';
            if ((heading || title) && end < len) text[i] = '#';
            i = end + 1;
        } else if (text[i] == '&') {
            static const struct { const char *name; char value; } refs[] = {
                { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' }, { "&nbsp;", ' ' }, { "&apos;", '\'' },
            };
            size_t skip = 1;
            for (size_t r = 0; r < sizeof refs / sizeof *refs; r++) {
                size_t n = strlen(refs[r].name);
                if (i + n <= len && memcmp(text + i, refs[r].name, n) == 0) {
                    text[i] = refs[r].value;
                    memset(text + i + 1, ' ', n - 1);
                    skip = n;
                    break;
                }
            }
            i += skip;
        } else {
            i++;
        }
    }
}

/* The heading a line carries, without its marks: "## Install" -> "Install". */
static void heading_text(const char *line, size_t len, char *out, size_t cap) {
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    while (i < len && (line[i] == '#' || line[i] == ' ' || line[i] == '\t')) i++;
    size_t end = len;
    while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\r' || line[end - 1] == '#' || line[end - 1] == '\t')) end--;
    size_t n = end - i < cap - 1 ? end - i : cap - 1;
    /* collapse runs of spaces left by blanked markup */
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        char c = line[i + j];
        if (c == ' ' && k > 0 && out[k - 1] == ' ') continue;
        out[k++] = c;
    }
    out[k] = '\0';
}

/* Splits one file's text into passages; Markdown and HTML headings start
 * passages and name the ones under them. */
static bool index_text(kn_index *index, uint32_t file, kn_format format, const char *text, size_t len, term_collector *scratch) {
    size_t start = 0, line = 1, start_line = 1, lines_in_passage = 0;
    bool in_passage = false;
    char heading[256] = "", passage_heading[256] = "";
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        bool blank = is_blank(text + i, end - i);
        size_t indent = i;
        while (indent < end && (text[indent] == ' ' || text[indent] == '\t')) indent++;
        bool is_heading = !blank && format != KN_SOURCE && format != KN_TEXT && indent < end && text[indent] == '#'
                          && (format == KN_HTML || indent == i);
        if (in_passage && (blank || is_heading || lines_in_passage == KN_MAX_PASSAGE_LINES)) {
            if (!add_passage(index, file, (uint32_t)start_line, passage_heading, text + start, i - start, scratch)) return false;
            in_passage = false;
        }
        if (is_heading) heading_text(text + i, end - i, heading, sizeof heading);
        if (!blank && !in_passage) {
            in_passage = true;
            start = i;
            start_line = line;
            lines_in_passage = 0;
            memcpy(passage_heading, heading, sizeof heading);
        }
        if (!blank) lines_in_passage++;
        i = end < len ? end + 1 : end;
        line++;
    }
    return !in_passage || add_passage(index, file, (uint32_t)start_line, passage_heading, text + start, len - start, scratch);
}

/* One listed entry, from list_files' JSON. */
typedef struct listed {
    kn_file *files;
    size_t count, cap;
    bool failed;
} listed;

static bool collect_entry(const char *item, size_t len, void *context) {
    listed *list = context;
    text_buffer path = { 0 }, kind = { 0 };
    double size = 0, modified = 0;
    kn_format format;
    if (json_get_string(item, len, "path", &path) == JSON_FOUND && json_get_string(item, len, "kind", &kind) == JSON_FOUND
        && kind.len == 4 && memcmp(kind.data, "file", 4) == 0 && json_get_number(item, len, "size", &size) == JSON_FOUND
        && json_get_number(item, len, "modified_ns", &modified) == JSON_FOUND && size <= MAX_FILE_BYTES && format_of(path.data, &format)) {
        if (list->count == list->cap) {
            size_t cap = list->cap ? list->cap * 2 : 64;
            kn_file *files = realloc(list->files, cap * sizeof *files);
            if (!files) {
                list->failed = true;
                goto done;
            }
            list->files = files;
            list->cap = cap;
        }
        list->files[list->count++] = (kn_file){ .path = tb_take(&path, NULL), .size = (int64_t)size, .modified_ns = (int64_t)modified };
    }
done:
    tb_free(&path);
    tb_free(&kind);
    return !list->failed && list->count < MAX_LISTED_FILES;
}

static int compare_files(const void *a, const void *b) { return strcmp(((const kn_file *)a)->path, ((const kn_file *)b)->path); }

/* The old file of the same path, size and time, if the index has one. */
static const kn_file *unchanged(const kn_index *old, const kn_file *file) {
    size_t lo = 0, hi = old->file_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int order = strcmp(old->files[mid].path, file->path);
        if (order == 0) {
            const kn_file *found = &old->files[mid];
            return found->size == file->size && found->modified_ns == file->modified_ns ? found : NULL;
        }
        if (order < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static void free_passage(kn_passage *p) {
    free(p->text);
    free(p->heading);
    free(p->terms);
    free(p->freqs);
}

ah_status kn_index_refresh(kn_index *index, const char *root, const ah_host *host, uint64_t call_id, text_buffer *error) {
    const ah_host_services *services = services_of(host);
    if (!services) {
        tb_append_cstr(error, "the host does not offer " AH_EXTENSION_SERVICES " with list_files; upgrade agenthost");
        return AH_ERR_UNSUPPORTED;
    }
    text_buffer request = { 0 }, listing = { 0 };
    tb_append_cstr(&request, "{\"recursive\":true,\"path\":");
    tb_append_json_string(&request, root, strlen(root));
    tb_appendf(&request, ",\"max_entries\":%d}", MAX_LISTED_FILES);
    ah_status status = services->list_files(host, call_id, (ah_str){ request.data, request.len }, (ah_sink){ &listing, sink_write });
    tb_free(&request);
    if (status != AH_OK) {
        tb_appendf(error, "cannot list '%s': %.*s", root, (int)listing.len, listing.data ? listing.data : "");
        tb_free(&listing);
        return status;
    }
    listed list = { 0 };
    json_lookup found = json_for_each(listing.data, listing.len, "entries", collect_entry, &list);
    tb_free(&listing);
    if (found != JSON_FOUND || list.failed) {
        for (size_t i = 0; i < list.count; i++) free(list.files[i].path);
        free(list.files);
        tb_append_cstr(error, list.failed ? "out of memory while listing" : "the host's list_files answer is not the JSON it specifies");
        return AH_ERR_INTERNAL;
    }
    qsort(list.files, list.count, sizeof *list.files, compare_files);

    kn_index fresh = { .files = list.files, .file_count = list.count, .terms = index->terms };
    bool own_terms = fresh.terms == NULL;
    if (own_terms) fresh.terms = terms_new();
    if (!fresh.terms) goto out_of_memory;
    term_collector scratch = { .terms = fresh.terms };
    for (size_t i = 0; i < list.count; i++) {
        kn_file *file = &fresh.files[i];
        file->first_passage = fresh.passage_count;
        const kn_file *before = index->files ? unchanged(index, file) : NULL;
        if (before) {
            /* Unchanged: move its passages over instead of reading it again. */
            for (size_t p = 0; p < before->passage_count; p++) {
                if (fresh.passage_count == fresh.passage_cap) {
                    size_t cap = fresh.passage_cap ? fresh.passage_cap * 2 : 64;
                    kn_passage *grown = realloc(fresh.passages, cap * sizeof *grown);
                    if (!grown) goto out_of_memory;
                    fresh.passages = grown;
                    fresh.passage_cap = cap;
                }
                kn_passage *moved = &index->passages[before->first_passage + p];
                fresh.passages[fresh.passage_count] = *moved;
                fresh.passages[fresh.passage_count++].file = (uint32_t)i;
                memset(moved, 0, sizeof *moved);
            }
            file->passage_count = before->passage_count;
            fresh.files_reused++;
            continue;
        }
        if (host->is_cancelled && host->is_cancelled(host, call_id)) {
            tb_appendf(error, "cancelled while indexing (%zu of %zu files done)", i, list.count);
            status = AH_ERR_CANCELLED;
            goto fail;
        }
        text_buffer contents = { 0 }, path = { 0 };
        tb_appendf(&path, "%s/%s", root, file->path);
        ah_status read = services->read_file(host, call_id, (ah_str){ path.data, path.len }, (ah_sink){ &contents, sink_write });
        tb_free(&path);
        kn_format format = KN_TEXT;
        format_of(file->path, &format);
        bool ok = true;
        if (read == AH_OK && !contents.failed) {
            if (format == KN_HTML) html_to_text(contents.data, contents.len);
            ok = index_text(&fresh, (uint32_t)i, format, contents.data ? contents.data : "", contents.len, &scratch);
            fresh.files_read++;
        } /* unreadable or refused: skipped, as a search engine would */
        tb_free(&contents);
        if (!ok) goto out_of_memory;
        file->passage_count = fresh.passage_count - file->first_passage;
    }
    free(scratch.ids);
    scratch.ids = NULL;

    fresh.document_frequency = calloc(fresh.terms->count ? fresh.terms->count : 1, sizeof *fresh.document_frequency);
    if (!fresh.document_frequency) goto out_of_memory;
    double total = 0;
    for (size_t p = 0; p < fresh.passage_count; p++) {
        const kn_passage *passage = &fresh.passages[p];
        total += passage->length;
        for (uint32_t t = 0; t < passage->distinct; t++) fresh.document_frequency[passage->terms[t]]++;
    }
    fresh.average_length = fresh.passage_count ? total / (double)fresh.passage_count : 0;
    /* The old index gave up the passages it still had in common; free the rest. */
    index->terms = NULL;
    kn_index_free(index);
    *index = fresh;
    return AH_OK;

out_of_memory:
    tb_append_cstr(error, "out of memory while indexing");
    status = AH_ERR_INTERNAL;
fail:
    /* Some passages may have moved already: drop the old index too, and the next refresh rebuilds it. */
    free(scratch.ids);
    if (!own_terms) fresh.terms = NULL; /* the old index's, freed with it */
    kn_index_free(&fresh);
    kn_terms *terms = index->terms;
    index->terms = NULL;
    kn_index_free(index);
    terms_free(terms);
    return status;
}

void kn_index_free(kn_index *index) {
    for (size_t i = 0; i < index->file_count; i++) free(index->files[i].path);
    free(index->files);
    for (size_t p = 0; p < index->passage_count; p++) free_passage(&index->passages[p]);
    free(index->passages);
    free(index->document_frequency);
    terms_free(index->terms);
    memset(index, 0, sizeof *index);
}

double kn_idf(int64_t n, int64_t df) {
    if (n <= 0 || df < 0 || df > n) return 0;
    return log(1.0 + ((double)(n - df) + 0.5) / ((double)df + 0.5));
}

double kn_tf_weight(double tf) {
    if (tf <= 0) return 0;
    return tf * (KN_BM25_K1 + 1) / (tf + KN_BM25_K1);
}

/* ---- search ---- */

#define KN_MAX_QUERY_TERMS 64

typedef struct query_terms {
    const kn_terms *terms;
    int64_t ids[KN_MAX_QUERY_TERMS];      /* distinct, known terms */
    size_t count;
    int64_t sequence[KN_MAX_QUERY_TERMS]; /* every token in order; -1 when unknown */
    size_t length;
} query_terms;

static void collect_query_term(const char *token, size_t len, void *context) {
    query_terms *q = context;
    int64_t id = terms_find(q->terms, token, len);
    if (q->length < KN_MAX_QUERY_TERMS) q->sequence[q->length++] = id;
    if (id < 0 || q->count == KN_MAX_QUERY_TERMS) return;
    for (size_t i = 0; i < q->count; i++) {
        if (q->ids[i] == id) return;
    }
    q->ids[q->count++] = id;
}

static uint32_t frequency(const kn_passage *p, uint32_t term) {
    size_t lo = 0, hi = p->distinct;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (p->terms[mid] < term) lo = mid + 1;
        else hi = mid;
    }
    return lo < p->distinct && p->terms[lo] == term ? p->freqs[lo] : 0;
}

/* Which query terms a text (a heading, a path) holds, as a bit set by query position. */
typedef struct field_match {
    const query_terms *query;
    uint64_t found;
} field_match;

static void match_field_term(const char *token, size_t len, void *context) {
    field_match *m = context;
    int64_t id = terms_find(m->query->terms, token, len);
    for (size_t i = 0; id >= 0 && i < m->query->count; i++) {
        if (m->query->ids[i] == id) m->found |= UINT64_C(1) << i;
    }
}

/* Counts the query's adjacent word pairs that also stand side by side in the passage. */
typedef struct phrase_match {
    const query_terms *query;
    int64_t previous;
    uint64_t pairs; /* bit i: the pair (sequence[i], sequence[i+1]) was seen */
} phrase_match;

static void match_phrase_term(const char *token, size_t len, void *context) {
    phrase_match *m = context;
    int64_t id = terms_find(m->query->terms, token, len);
    for (size_t i = 0; id >= 0 && m->previous >= 0 && i + 1 < m->query->length; i++) {
        if (m->query->sequence[i] == m->previous && m->query->sequence[i + 1] == id) m->pairs |= UINT64_C(1) << i;
    }
    m->previous = id;
}

static double boosts(const kn_index *index, const query_terms *q, const double *idf, const kn_passage *passage) {
    double extra = 0;
    field_match heading = { q, 0 }, path = { q, 0 };
    kn_tokenize(passage->heading, strlen(passage->heading), match_field_term, &heading);
    const char *file = index->files[passage->file].path;
    kn_tokenize(file, strlen(file), match_field_term, &path);
    for (size_t i = 0; i < q->count; i++) {
        if (heading.found >> i & 1) extra += KN_HEADING_BOOST * idf[i];
        if (path.found >> i & 1) extra += KN_PATH_BOOST * idf[i];
    }
    if (q->length > 1) {
        phrase_match phrase = { q, -1, 0 };
        kn_tokenize(passage->text, passage->text_len, match_phrase_term, &phrase);
        for (size_t i = 0; i + 1 < q->length; i++) {
            if (!(phrase.pairs >> i & 1)) continue;
            double pair = 0;
            for (size_t k = 0; k < q->count; k++) {
                if (q->ids[k] == q->sequence[i] || q->ids[k] == q->sequence[i + 1]) pair += idf[k];
            }
            extra += KN_PHRASE_BOOST * pair / 2;
        }
    }
    return extra;
}

static int compare_hits(const void *a, const void *b) {
    const kn_hit *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    if (x->passage->file != y->passage->file) return x->passage->file < y->passage->file ? -1 : 1;
    return x->passage->line < y->passage->line ? -1 : x->passage->line > y->passage->line;
}

size_t kn_index_search(const kn_index *index, const char *query, size_t query_len, kn_hit *hits, size_t limit) {
    if (!index->passage_count || !limit) return 0;
    query_terms q = { .terms = index->terms };
    kn_tokenize(query, query_len, collect_query_term, &q);
    if (!q.count) return 0;
    double idf[KN_MAX_QUERY_TERMS];
    for (size_t i = 0; i < q.count; i++) idf[i] = kn_idf((int64_t)index->passage_count, index->document_frequency[q.ids[i]]);

    kn_hit *scored = malloc(index->passage_count * sizeof *scored);
    if (!scored) return 0;
    size_t found = 0;
    for (size_t p = 0; p < index->passage_count; p++) {
        const kn_passage *passage = &index->passages[p];
        double norm = KN_BM25_K1 * (1 - KN_BM25_B + KN_BM25_B * passage->length / index->average_length);
        double score = 0;
        for (size_t i = 0; i < q.count; i++) {
            uint32_t tf = frequency(passage, (uint32_t)q.ids[i]);
            if (tf) score += idf[i] * tf * (KN_BM25_K1 + 1) / (tf + norm);
        }
        if (score > 0) scored[found++] = (kn_hit){ passage, score + boosts(index, &q, idf, passage) };
    }
    qsort(scored, found, sizeof *scored, compare_hits);
    size_t n = found < limit ? found : limit;
    memcpy(hits, scored, n * sizeof *hits);
    free(scored);
    return n;
}

double kn_coverage(const kn_index *index, const char *query, size_t query_len, const kn_passage *passage) {
    query_terms q = { .terms = index->terms };
    kn_tokenize(query, query_len, collect_query_term, &q);
    size_t words = 0;
    for (size_t i = 0; i < q.length; i++) {
        bool repeated = false;
        for (size_t k = 0; k < i; k++) repeated |= q.sequence[k] == q.sequence[i] && q.sequence[i] >= 0;
        words += !repeated;
    }
    if (!words) return 0;
    size_t present = 0;
    for (size_t i = 0; i < q.count; i++) present += frequency(passage, (uint32_t)q.ids[i]) > 0;
    return (double)present / (double)words;
}

double kn_similarity(const kn_passage *a, const kn_passage *b) {
    size_t i = 0, j = 0, shared = 0;
    while (i < a->distinct && j < b->distinct) {
        if (a->terms[i] == b->terms[j]) { shared++; i++; j++; }
        else if (a->terms[i] < b->terms[j]) i++;
        else j++;
    }
    size_t all = a->distinct + b->distinct - shared;
    return all ? (double)shared / (double)all : 1;
}
