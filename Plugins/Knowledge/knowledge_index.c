#define _DEFAULT_SOURCE /* strdup, strncasecmp */
#include "knowledge_index.h"

#include "json_reader.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

kn_terms *kn_terms_new(void) { return terms_new(); }
void kn_terms_free(kn_terms *terms) { terms_free(terms); }
int64_t kn_terms_intern(kn_terms *terms, const char *word, size_t len) { return terms_intern(terms, word, len); }
size_t kn_terms_count(const kn_terms *terms) { return terms ? terms->count : 0; }
const char *kn_terms_word(const kn_terms *terms, size_t id) { return id < terms->count ? terms->words[id] : NULL; }

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
    /* "crashes", "passes", "boxes", "matches": the "es" of a sibilant goes too */
    if (len > 4 && w[len - 1] == 's' && w[len - 2] == 'e'
        && (w[len - 3] == 's' || w[len - 3] == 'x' || w[len - 3] == 'z' || ((w[len - 3] == 'h') && (w[len - 4] == 'c' || w[len - 4] == 's')))) return len - 2;
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

static bool add_passage(kn_index *index, uint32_t file, uint32_t line, const char *heading, const char *text, size_t len,
                        uint8_t flags, uint8_t code, term_collector *scratch) {
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
    kn_passage p = { .file = file, .line = line, .text_len = len, .length = (uint32_t)scratch->count, .distinct = (uint32_t)distinct,
                     .flags = flags, .code = code };
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

bool kn_format_of(const char *path, kn_format *format) {
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

/* ---- what a line is ---- */

bool kn_line_is_comment(const char *line, size_t len, size_t *text_start) {
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    size_t marks = i;
    if (len - i >= 2 && line[i] == '/' && (line[i + 1] == '/' || line[i + 1] == '*')) {
        marks = i + 2;
        while (marks < len && (line[marks] == '/' || line[marks] == '*' || line[marks] == '!')) marks++;
    } else if (i < len && line[i] == '*' && (i + 1 == len || line[i + 1] == ' ' || line[i + 1] == '/' || line[i + 1] == '\r')) {
        marks = i + 1; /* the middle of a block comment, or its end */
        if (marks < len && line[marks] == '/') marks++;
    } else if (i < len && line[i] == '#' && (i + 1 == len || line[i + 1] == ' ' || line[i + 1] == '#' || line[i + 1] == '!')) {
        marks = i + 1; /* shell, Python, YAML; "#include" and "#define" are code */
        while (marks < len && line[marks] == '#') marks++;
    } else {
        return false;
    }
    while (marks < len && (line[marks] == ' ' || line[marks] == '\t')) marks++;
    if (text_start) *text_start = marks;
    return true;
}

bool kn_line_is_code(const char *line, size_t len, kn_format format) {
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r' || line[len - 1] == '\t')) len--;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i == len) return false;
    if (format == KN_SOURCE) return !kn_line_is_comment(line, len, NULL);
    /* Data rather than prose: "KEY: value" with a key in capitals (a
     * protocol's or a log's fields), or no word in lower case at all
     * ("---END---", "=== RUN TestAdd"; text in other scripts aside). */
    size_t key = i;
    while (key < len && (isupper((unsigned char)line[key]) || isdigit((unsigned char)line[key]) || line[key] == '_')) key++;
    if (key - i >= 2 && key < len && line[key] == ':' && (key + 1 == len || line[key + 1] == ' ')) return true;
    bool lower_word = false;
    for (size_t k = i; k + 1 < len && !lower_word; k++) {
        unsigned char c = (unsigned char)line[k];
        lower_word = c >= 0x80 || (islower(c) && islower((unsigned char)line[k + 1]));
    }
    if (!lower_word && (unsigned char)line[len - 1] < 0x80) return true;
    char last = line[len - 1];
    if (last == ';' || last == '{' || line[i] == '}' || (len - i >= 2 && line[i] == '$' && line[i + 1] == ' ')) return true;
    /* Symbols against letters, outside `code spans` (prose quotes code in them). */
    size_t letters = 0, symbols = 0;
    bool quoted = false;
    for (size_t k = i; k < len; k++) {
        char c = line[k];
        if (c == '`') { quoted = !quoted; continue; }
        if (quoted) continue;
        if (isalpha((unsigned char)c)) letters++;
        else if (c && strchr("{}()[];=<>|&\\$", c)) symbols++;
    }
    return symbols >= 3 && symbols * 4 > letters;
}

/* A Markdown list item ("- ", "* ", "+ ", "1. ", "1) ") at the line's start. */
static bool is_list_item(const char *line, size_t len) {
    if (len >= 2 && (line[0] == '-' || line[0] == '*' || line[0] == '+') && line[1] == ' ') return true;
    size_t i = 0;
    while (i < len && i < 9 && isdigit((unsigned char)line[i])) i++;
    return i > 0 && i + 1 < len && (line[i] == '.' || line[i] == ')') && line[i + 1] == ' ';
}

/* A Markdown code fence (``` or ~~~, indented at most 3 spaces). */
static bool is_fence(const char *line, size_t len) {
    size_t i = 0;
    while (i < len && i < 3 && line[i] == ' ') i++;
    return len - i >= 3 && (memcmp(line + i, "```", 3) == 0 || memcmp(line + i, "~~~", 3) == 0);
}

/* The passage being gathered. */
typedef struct passage_draft {
    bool open;
    size_t start, start_line, lines, code_lines, counted;
    uint8_t flags;
    char heading[256];
} passage_draft;

static bool close_draft(kn_index *index, uint32_t file, passage_draft *d, const char *text, size_t end, term_collector *scratch) {
    if (!d->open) return true;
    d->open = false;
    uint8_t code = d->flags & KN_PASSAGE_FENCED ? 100 : d->counted ? (uint8_t)(d->code_lines * 100 / d->counted) : 0;
    return add_passage(index, file, (uint32_t)d->start_line, d->heading, text + d->start, end - d->start, d->flags, code, scratch);
}

/* Splits one file's text into passages; Markdown and HTML headings start
 * passages and name the ones under them. In Markdown, list items and code
 * fences start passages too, and a fenced block is code (never a heading). */
static bool index_text(kn_index *index, uint32_t file, kn_format format, const char *text, size_t len, term_collector *scratch) {
    size_t line = 1;
    bool in_fence = false, in_block_comment = false;
    char heading[256] = "";
    passage_draft draft = { 0 };
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        const char *row = text + i;
        size_t row_len = end - i;
        bool blank = is_blank(row, row_len);
        size_t indent = i;
        while (indent < end && (text[indent] == ' ' || text[indent] == '\t')) indent++;
        bool fence = format == KN_MARKDOWN && is_fence(row, row_len);
        bool fenced = in_fence || fence;
        bool is_heading = !blank && !fenced && format != KN_SOURCE && format != KN_TEXT && indent < end && text[indent] == '#'
                          && (format == KN_HTML || indent == i);
        bool item = format == KN_MARKDOWN && !fenced && is_list_item(row, row_len); /* a list item is a passage of its own */
        bool cut = draft.open && draft.lines == KN_MAX_PASSAGE_LINES;
        /* A fence opening or closing, a heading or a list item ends the passage before it. */
        if (draft.open && (blank || is_heading || item || cut || (fence && !in_fence))) {
            if (!close_draft(index, file, &draft, text, i, scratch)) return false;
        }
        if (is_heading) heading_text(row, row_len, heading, sizeof heading);
        if (!blank && !draft.open) {
            draft = (passage_draft){ .open = true, .start = i, .start_line = line };
            draft.flags = (uint8_t)((is_heading ? KN_PASSAGE_HEADING : 0) | (fenced ? KN_PASSAGE_FENCED : 0) | (cut ? KN_PASSAGE_CONTINUES : 0));
            memcpy(draft.heading, heading, sizeof heading);
        }
        if (!blank) {
            draft.lines++;
            if (!(is_heading && draft.lines == 1)) {
                bool code;
                if (format == KN_SOURCE) {
                    bool comment = in_block_comment || kn_line_is_comment(row, row_len, NULL);
                    code = !comment;
                    /* a block comment runs on to its end */
                    for (size_t k = i; k + 1 < end; k++) {
                        if (text[k] == '/' && text[k + 1] == '*') in_block_comment = true;
                        else if (text[k] == '*' && text[k + 1] == '/') in_block_comment = false;
                    }
                } else {
                    code = fenced || kn_line_is_code(row, row_len, format);
                }
                draft.counted++;
                draft.code_lines += code;
            }
        }
        if (fence) {
            in_fence = !in_fence;
            if (!in_fence && !close_draft(index, file, &draft, text, end, scratch)) return false; /* the closing fence ends it */
        }
        i = end < len ? end + 1 : end;
        line++;
    }
    return close_draft(index, file, &draft, text, len, scratch);
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
        && json_get_number(item, len, "modified_ns", &modified) == JSON_FOUND && size >= 0 && size <= KN_MAX_FILE_BYTES && path.len
        && !path.failed && strlen(path.data) == path.len && kn_format_of(path.data, &format)) {
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
        list->files[list->count++] = (kn_file){ .path = tb_take(&path, NULL), .size = (int64_t)size, .modified_ns = (int64_t)modified,
                                                .format = format };
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

void kn_passage_free(kn_passage *p) {
    free(p->text);
    free(p->heading);
    free(p->terms);
    free(p->freqs);
}

/* A refusal that means the host keeps no data folder for this plugin (an
 * embedded host without a store, or one that predates $PLUGIN_DATA). */
static bool no_data_folder(ah_status status) { return status == AH_ERR_UNSUPPORTED || status == AH_ERR_DENIED; }

static void log_message(const ah_host *host, uint64_t call_id, ah_log_level level, const char *message) {
    if (host->log) host->log(host, call_id, level, (ah_str){ message, strlen(message) });
}

/* Fills the empty `index` with the index saved for the absolute folder
 * `absolute`, when there is one and it holds up to every check. */
static void load_saved(kn_index *index, const char *absolute, const ah_host_services *services, const ah_host *host, uint64_t call_id) {
    index->cache_checked = true;
    text_buffer path = { 0 }, data = { 0 };
    kn_cache_path(absolute, &path);
    ah_status status = path.failed ? AH_ERR_INTERNAL
                                   : services->read_file(host, call_id, (ah_str){ path.data, path.len }, (ah_sink){ &data, sink_write });
    if (no_data_folder(status)) {
        index->cache_unavailable = true;
    } else if (status == AH_OK && !data.failed) {
        kn_index loaded = { 0 };
        if (kn_cache_decode(&loaded, absolute, data.data, data.len)) {
            loaded.cache_checked = true;
            *index = loaded;
        } else {
            log_message(host, call_id, AH_LOG_INFO, "the saved index is damaged, truncated or of another version: indexing the folder again");
        }
    }
    tb_free(&path);
    tb_free(&data);
}

/* Writes `index` over the saved index of `absolute`. */
static void save(kn_index *index, const char *absolute, const ah_host_services *services, const ah_host *host, uint64_t call_id) {
    text_buffer path = { 0 }, data = { 0 }, message = { 0 };
    kn_cache_path(absolute, &path);
    kn_cache_encode(index, absolute, &data);
    if (!path.failed && !data.failed && data.len <= AH_MAX_PAYLOAD_BYTES) {
        ah_status status = services->write_file(host, call_id, (ah_str){ path.data, path.len }, (ah_str){ data.data, data.len },
                                                (ah_sink){ &message, sink_write });
        if (no_data_folder(status)) index->cache_unavailable = true;
        else if (status != AH_OK) log_message(host, call_id, AH_LOG_WARNING, "could not save the index (it is kept in memory)");
    }
    tb_free(&path);
    tb_free(&data);
    tb_free(&message);
}

void kn_listing_free(kn_listing *listing) {
    for (size_t i = 0; i < listing->count; i++) free(listing->files[i].path);
    free(listing->files);
    free(listing->root);
    memset(listing, 0, sizeof *listing);
}

ah_status kn_list(const char *root, const ah_host *host, uint64_t call_id, kn_listing *out, text_buffer *error) {
    memset(out, 0, sizeof *out);
    const ah_host_services *services = services_of(host);
    if (!services) {
        tb_append_cstr(error, "the host does not offer " AH_EXTENSION_SERVICES " with list_files; upgrade agenthost");
        return AH_ERR_UNSUPPORTED;
    }
    text_buffer request = { 0 }, listing = { 0 }, absolute = { 0 };
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
    /* The folder's absolute path keys the saved index; without it there is none. */
    if (json_get_string(listing.data, listing.len, "root", &absolute) == JSON_FOUND && absolute.len && !absolute.failed
        && strlen(absolute.data) == absolute.len) {
        out->root = tb_take(&absolute, NULL);
    }
    tb_free(&absolute);
    tb_free(&listing);
    out->files = list.files;
    out->count = list.count;
    if (found != JSON_FOUND || list.failed) {
        kn_listing_free(out);
        tb_append_cstr(error, list.failed ? "out of memory while listing" : "the host's list_files answer is not the JSON it specifies");
        return AH_ERR_INTERNAL;
    }
    qsort(out->files, out->count, sizeof *out->files, compare_files);
    return AH_OK;
}

ah_status kn_index_refresh(kn_index *index, const char *root, kn_listing *listing, const ah_host *host, uint64_t call_id, text_buffer *error) {
    const ah_host_services *services = services_of(host);
    if (!services) {
        tb_append_cstr(error, "the host does not offer " AH_EXTENSION_SERVICES " with list_files; upgrade agenthost");
        return AH_ERR_UNSUPPORTED;
    }
    ah_status status = AH_OK;
    /* The listing's files become the index's. */
    kn_listing list = *listing;
    memset(listing, 0, sizeof *listing);
    bool persist = list.root != NULL;
    /* The same root may name another folder now (another workspace): then
     * what the index holds is of no use. */
    if (persist && index->absolute_root && strcmp(index->absolute_root, list.root) != 0) {
        bool unavailable = index->cache_unavailable; /* the host's, whatever the folder */
        kn_index_free(index);
        index->cache_unavailable = unavailable;
    }
    /* A new index (a new process, or one dropped after a failure) starts from the saved one. */
    if (persist && !index->cache_checked && !index->cache_unavailable && index->file_count == 0 && index->passage_count == 0) {
        kn_index_free(index);
        load_saved(index, list.root, services, host, call_id);
    }
    size_t files_before = index->file_count;

    kn_index fresh = { .files = list.files, .file_count = list.count, .terms = index->terms };
    term_collector scratch = { 0 }; /* before any goto: the failure path frees its ids */
    bool own_terms = fresh.terms == NULL;
    if (own_terms) fresh.terms = terms_new();
    if (!fresh.terms) goto out_of_memory;
    scratch.terms = fresh.terms;
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
        kn_format format = file->format;
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
    fresh.cache_checked = index->cache_checked;
    fresh.cache_unavailable = index->cache_unavailable;
    fresh.absolute_root = list.root; /* the index's from here on */
    list.root = NULL;
    /* The old index gave up the passages it still had in common; free the rest. */
    index->terms = NULL;
    kn_index_free(index);
    *index = fresh;
    /* Saved when anything changed: a file read, added, changed or gone. */
    bool changed = index->files_reused != index->file_count || index->files_reused != files_before;
    if (index->absolute_root && changed && !index->cache_unavailable) save(index, index->absolute_root, services, host, call_id);
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
    free(list.root);
    return status;
}

void kn_index_free(kn_index *index) {
    for (size_t i = 0; i < index->file_count; i++) free(index->files[i].path);
    free(index->files);
    for (size_t p = 0; p < index->passage_count; p++) kn_passage_free(&index->passages[p]);
    free(index->passages);
    free(index->document_frequency);
    terms_free(index->terms);
    free(index->absolute_root);
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
    bool question; /* drop is_question_word tokens */
} query_terms;

/* Words that frame a question rather than say what it is about ("what does
 * it look like", "how do I", "what happens"), as stemmed tokens. An answer's
 * query drops them unless nothing else is left. */
static bool is_question_word(const char *token, size_t len) {
    static const char *const words[] = { "do", "doe", "did", "can", "could", "should", "would", "might", "must",
                                         "look", "like", "mean", "happen", "tell", "explain" };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        if (strlen(words[i]) == len && memcmp(words[i], token, len) == 0) return true;
    }
    return false;
}

static void collect_query_term(const char *token, size_t len, void *context) {
    query_terms *q = context;
    if (q->question && is_question_word(token, len)) {
        if (q->length < KN_MAX_QUERY_TERMS) q->sequence[q->length++] = -1; /* no phrase across it */
        return;
    }
    int64_t id = terms_find(q->terms, token, len);
    if (q->length < KN_MAX_QUERY_TERMS) q->sequence[q->length++] = id;
    if (id < 0 || q->count == KN_MAX_QUERY_TERMS) return;
    for (size_t i = 0; i < q->count; i++) {
        if (q->ids[i] == id) return;
    }
    q->ids[q->count++] = id;
}

/* Reads `query`; for an answer, without the words that only frame the question. */
static void read_query(const kn_index *index, const char *query, size_t query_len, bool question, query_terms *q) {
    *q = (query_terms){ .terms = index->terms, .question = question };
    kn_tokenize(query, query_len, collect_query_term, q);
    if (question && q->count == 0) {
        *q = (query_terms){ .terms = index->terms };
        kn_tokenize(query, query_len, collect_query_term, q);
    }
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

/* The query positions a token stands at, as a bit set (a term may be asked twice). */
static uint64_t query_positions(const query_terms *query, const char *token, size_t len) {
    int64_t id = terms_find(query->terms, token, len);
    uint64_t positions = 0;
    for (size_t i = 0; id >= 0 && i < query->count; i++) {
        if (query->ids[i] == id) positions |= UINT64_C(1) << i;
    }
    return positions;
}

/* Which query terms a text (a heading, a path) holds, as a bit set by query position. */
typedef struct field_match {
    const query_terms *query;
    uint64_t found;
} field_match;

static void match_field_term(const char *token, size_t len, void *context) {
    field_match *m = context;
    m->found |= query_positions(m->query, token, len);
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

/* The phrase pairs of the query that stand side by side in `text`. */
static uint64_t phrase_pairs(const query_terms *q, const char *text, size_t len) {
    phrase_match phrase = { q, -1, 0 };
    if (q->length > 1) kn_tokenize(text, len, match_phrase_term, &phrase);
    return phrase.pairs;
}

/* The bold lead of a Markdown list item, "- **Term**: ..." or "- **Term.** ...",
 * which names what the item is about as a heading names a section. */
static bool list_label(const kn_passage *passage, const char **label, size_t *len) {
    const char *t = passage->text;
    size_t n = passage->text_len, i = 0;
    if (n >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ') i = 2;
    else return false;
    if (n - i < 4 || t[i] != '*' || t[i + 1] != '*') return false;
    size_t start = i + 2;
    for (size_t k = start; k + 1 < n && t[k] != '\n'; k++) {
        if (t[k] == '*' && t[k + 1] == '*') {
            if (k == start) return false;
            *label = t + start;
            *len = k - start;
            return true;
        }
    }
    return false;
}

static double boosts(const kn_index *index, const query_terms *q, const double *idf, const kn_passage *passage, uint64_t pairs) {
    double extra = 0;
    field_match heading = { q, 0 }, path = { q, 0 }, label = { q, 0 };
    kn_tokenize(passage->heading, strlen(passage->heading), match_field_term, &heading);
    const char *file = index->files[passage->file].path;
    kn_tokenize(file, strlen(file), match_field_term, &path);
    const char *lead;
    size_t lead_len;
    if (index->files[passage->file].format == KN_MARKDOWN && !(passage->flags & KN_PASSAGE_FENCED) && list_label(passage, &lead, &lead_len)) {
        kn_tokenize(lead, lead_len, match_field_term, &label);
    }
    for (size_t i = 0; i < q->count; i++) {
        if (heading.found >> i & 1) extra += KN_HEADING_BOOST * idf[i];
        if (label.found >> i & 1) extra += KN_LABEL_BOOST * idf[i];
        if (path.found >> i & 1) extra += KN_PATH_BOOST * idf[i];
    }
    for (size_t i = 0; i + 1 < q->length; i++) {
        if (!(pairs >> i & 1)) continue;
        double pair = 0;
        for (size_t k = 0; k < q->count; k++) {
            if (q->ids[k] == q->sequence[i] || q->ids[k] == q->sequence[i + 1]) pair += idf[k];
        }
        extra += KN_PHRASE_BOOST * pair / 2;
    }
    return extra;
}

/* ---- `code spans` and link targets in Markdown prose ---- */

typedef enum span_kind { SPAN_PROSE, SPAN_CODE, SPAN_LINK } span_kind;

/* The end of the code span opening at `i` (a run of backticks), or 0 when
 * no run of as many closes it; `*inner` gets where its text starts. */
static size_t code_span_end(const char *text, size_t len, size_t i, size_t *inner) {
    size_t open_end = i;
    while (open_end < len && text[open_end] == '`') open_end++;
    size_t ticks = open_end - i;
    for (size_t close = open_end; close < len;) {
        if (text[close] != '`') {
            close++;
            continue;
        }
        size_t run = close;
        while (run < len && text[run] == '`') run++;
        if (run - close == ticks) {
            *inner = open_end;
            return close;
        }
        close = run;
    }
    return 0;
}

/* Calls `visit` for each run of `text`: prose, a code span (between
 * matching runs of backticks; an unmatched run is prose), or the target of a
 * link, "[text](target)" (the text is prose). */
static void for_each_span(const char *text, size_t len, void (*visit)(const char *run, size_t len, span_kind kind, void *context), void *context) {
    size_t i = 0, start = 0;
    while (i < len) {
        size_t inner = 0, end = 0, skip = 0;
        span_kind kind = SPAN_PROSE;
        if (text[i] == '`' && (end = code_span_end(text, len, i, &inner)) != 0) {
            kind = SPAN_CODE;
            skip = inner - i; /* as many backticks close it */
        } else if (text[i] == ']' && i + 1 < len && text[i + 1] == '(') {
            const char *close = memchr(text + i + 2, ')', len - i - 2);
            const char *newline = memchr(text + i + 2, '\n', len - i - 2);
            if (close && (!newline || close < newline)) {
                kind = SPAN_LINK;
                inner = i + 2;
                end = (size_t)(close - text);
                skip = 1;
            }
        }
        if (kind == SPAN_PROSE) {
            i++;
            continue;
        }
        visit(text + start, inner - start, SPAN_PROSE, context);
        visit(text + inner, end - inner, kind, context);
        i = start = end + skip;
    }
    visit(text + start, len - start, SPAN_PROSE, context);
}

/* Query terms counted inside code spans and link targets, and phrase pairs
 * seen in the prose around them. */
typedef struct span_scan {
    const query_terms *query;
    double discount[KN_MAX_QUERY_TERMS]; /* occurrences to take off each term's count */
    double weight;                       /* the discount of the span being read */
    uint64_t pairs;
} span_scan;

static void count_span_term(const char *token, size_t len, void *context) {
    span_scan *scan = context;
    uint64_t positions = query_positions(scan->query, token, len);
    for (size_t i = 0; positions != 0 && i < scan->query->count; i++) {
        if (positions & (UINT64_C(1) << i)) scan->discount[i] += scan->weight;
    }
}

static void scan_span(const char *run, size_t len, span_kind kind, void *context) {
    span_scan *scan = context;
    if (kind == SPAN_PROSE) {
        scan->pairs |= phrase_pairs(scan->query, run, len);
        return;
    }
    /* A word of the question in a `code span` is a name or a flag, not the
     * prose's own word; in a link's target it is an address. */
    scan->weight = kind == SPAN_CODE ? KN_CODE_SPAN_DISCOUNT : 1.0;
    kn_tokenize(run, len, count_span_term, scan);
}

double kn_prose_weight(const kn_index *index, const kn_passage *passage) {
    double weight = index->files[passage->file].format == KN_SOURCE ? KN_SOURCE_WEIGHT : 1.0;
    return weight * (1.0 - KN_CODE_PENALTY * passage->code / 100.0);
}

/* Whether a query term occurs in the passage below its heading line. */
static bool body_matches(const query_terms *q, const kn_passage *passage) {
    if (!(passage->flags & KN_PASSAGE_HEADING)) return true; /* every line is body; the score says a term is there */
    const char *body = memchr(passage->text, '\n', passage->text_len);
    if (!body) return false;
    body++;
    field_match match = { q, 0 };
    kn_tokenize(body, passage->text_len - (size_t)(body - passage->text), match_field_term, &match);
    return match.found != 0;
}

typedef struct ranked {
    kn_hit hit;
    double prose; /* kn_prose_weight */
    bool body;    /* a query term in its body (KN_RANK_ANSWER) */
} ranked;

static int compare_ranked(const void *a, const void *b) {
    const ranked *x = a, *y = b;
    if (x->body != y->body) return x->body ? -1 : 1;
    if (x->hit.score != y->hit.score) return x->hit.score < y->hit.score ? 1 : -1;
    if (x->prose != y->prose) return x->prose < y->prose ? 1 : -1; /* a tie goes to prose */
    if (x->hit.passage->file != y->hit.passage->file) return x->hit.passage->file < y->hit.passage->file ? -1 : 1;
    return x->hit.passage->line < y->hit.passage->line ? -1 : x->hit.passage->line > y->hit.passage->line;
}

size_t kn_index_search(const kn_index *index, const char *query, size_t query_len, kn_rank rank, kn_hit *hits, size_t limit) {
    if (!index->passage_count || !limit) return 0;
    query_terms q;
    read_query(index, query, query_len, rank == KN_RANK_ANSWER, &q);
    if (!q.count) return 0;
    double idf[KN_MAX_QUERY_TERMS];
    for (size_t i = 0; i < q.count; i++) idf[i] = kn_idf((int64_t)index->passage_count, index->document_frequency[q.ids[i]]);

    ranked *scored = malloc(index->passage_count * sizeof *scored);
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
        if (score <= 0) continue;
        uint64_t pairs;
        if (rank == KN_RANK_ANSWER && index->files[passage->file].format == KN_MARKDOWN && !(passage->flags & KN_PASSAGE_FENCED)) {
            /* Words of the question inside `code spans` count less and in
             * link targets not at all; phrases count only in the prose. */
            span_scan scan = { .query = &q };
            for_each_span(passage->text, passage->text_len, scan_span, &scan);
            pairs = scan.pairs;
            score = 0;
            for (size_t i = 0; i < q.count; i++) {
                double weighted = frequency(passage, (uint32_t)q.ids[i]) - scan.discount[i];
                if (weighted > 0) score += idf[i] * weighted * (KN_BM25_K1 + 1) / (weighted + norm);
            }
        } else {
            pairs = phrase_pairs(&q, passage->text, passage->text_len);
        }
        score += boosts(index, &q, idf, passage, pairs);
        ranked r = { { passage, score }, kn_prose_weight(index, passage), true };
        if (rank == KN_RANK_ANSWER) {
            /* An answer is prose that says it: weigh by what the passage is,
             * and never let a bare heading outrank a passage whose text matches. */
            r.hit.score *= r.prose;
            r.body = body_matches(&q, passage);
        }
        scored[found++] = r;
    }
    qsort(scored, found, sizeof *scored, compare_ranked);
    size_t n = found < limit ? found : limit;
    for (size_t i = 0; i < n; i++) hits[i] = scored[i].hit;
    free(scored);
    return n;
}

double kn_match_weight(const kn_index *index, const char *query, size_t query_len, const char *text, size_t len) {
    if (!index->passage_count) return 0;
    query_terms q;
    read_query(index, query, query_len, true, &q);
    field_match match = { &q, 0 };
    kn_tokenize(text, len, match_field_term, &match);
    double weight = 0;
    for (size_t i = 0; i < q.count; i++) {
        if (match.found >> i & 1) weight += kn_idf((int64_t)index->passage_count, index->document_frequency[q.ids[i]]);
    }
    return weight;
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
