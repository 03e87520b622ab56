#define _DEFAULT_SOURCE /* DT_* from dirent.h, strdup */
#include "knowledge_index.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_FILE_BYTES (8u << 20)
#define MAX_DEPTH 32

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

/* ---- files and passages ---- */

typedef struct path_list {
    char **items;
    size_t count, cap;
} path_list;

static bool path_list_add(path_list *list, const char *path) {
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        char **items = realloc(list->items, cap * sizeof *items);
        if (!items) return false;
        list->items = items;
        list->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) return false;
    list->items[list->count++] = copy;
    return true;
}

static bool has_text_extension(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".md") == 0 || strcmp(dot, ".markdown") == 0 || strcmp(dot, ".txt") == 0);
}

/* Collects text files below root/relative, relative paths only. */
static void collect(const char *root, const char *relative, int depth, path_list *out) {
    if (depth > MAX_DEPTH) return;
    char folder[4096];
    snprintf(folder, sizeof folder, "%s%s%s", root, *relative ? "/" : "", relative);
    DIR *dir = opendir(folder);
    if (!dir) return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue; /* hidden files, ".", ".." */
        char child[4096];
        int written = snprintf(child, sizeof child, "%s%s%s", relative, *relative ? "/" : "", entry->d_name);
        if (written < 0 || (size_t)written >= sizeof child) continue;
        char full[8192];
        snprintf(full, sizeof full, "%s/%s", root, child);
        struct stat info;
        if (stat(full, &info) != 0) continue;
        if (S_ISDIR(info.st_mode)) collect(root, child, depth + 1, out);
        else if (S_ISREG(info.st_mode) && has_text_extension(entry->d_name) && info.st_size <= MAX_FILE_BYTES) path_list_add(out, child);
    }
    closedir(dir);
}

static int compare_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

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

static bool add_passage(kn_index *index, uint32_t file, uint32_t line, const char *text, size_t len, term_collector *scratch) {
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
    p.terms = malloc(distinct * sizeof *p.terms);
    p.freqs = malloc(distinct * sizeof *p.freqs);
    if (!p.text || !p.terms || !p.freqs) {
        free(p.text);
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

/* Splits one file's text into passages. */
static bool index_text(kn_index *index, uint32_t file, const char *text, size_t len, term_collector *scratch) {
    size_t start = 0, line = 1, start_line = 1, lines_in_passage = 0;
    bool in_passage = false;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        bool blank = is_blank(text + i, end - i);
        bool heading = !blank && text[i] == '#';
        if (in_passage && (blank || heading || lines_in_passage == KN_MAX_PASSAGE_LINES)) {
            if (!add_passage(index, file, (uint32_t)start_line, text + start, i - start, scratch)) return false;
            in_passage = false;
        }
        if (!blank && !in_passage) {
            in_passage = true;
            start = i;
            start_line = line;
            lines_in_passage = 0;
        }
        if (!blank) lines_in_passage++;
        i = end < len ? end + 1 : end;
        line++;
    }
    return !in_passage || add_passage(index, file, (uint32_t)start_line, text + start, len - start, scratch);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    text_buffer b = { 0 };
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) tb_append(&b, chunk, n);
    fclose(f);
    if (b.failed) {
        tb_free(&b);
        return NULL;
    }
    char *data = tb_take(&b, len);
    return data ? data : strdup("");
}

ah_status kn_index_build(kn_index *index, const char *root, const ah_host *host, uint64_t call_id, text_buffer *error) {
    memset(index, 0, sizeof *index);
    struct stat info;
    if (stat(root, &info) != 0 || !S_ISDIR(info.st_mode)) {
        tb_appendf(error, "root '%s' is not a readable folder; pass the folder that holds the .md and .txt files", root);
        return AH_ERR_NOT_FOUND;
    }
    index->terms = terms_new();
    if (!index->terms) goto out_of_memory;
    path_list files = { 0 };
    collect(root, "", 0, &files);
    qsort(files.items, files.count, sizeof *files.items, compare_paths);
    index->files = files.items;
    index->file_count = files.count;

    term_collector scratch = { .terms = index->terms };
    for (size_t i = 0; i < files.count; i++) {
        if (host && host->is_cancelled && host->is_cancelled(host, call_id)) {
            free(scratch.ids);
            tb_appendf(error, "cancelled while indexing (%zu of %zu files read)", i, files.count);
            return AH_ERR_CANCELLED;
        }
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", root, files.items[i]);
        size_t len = 0;
        char *text = read_file(path, &len);
        if (!text) continue; /* unreadable: skip, as a search engine would */
        bool ok = index_text(index, (uint32_t)i, text, len, &scratch);
        free(text);
        if (!ok) {
            free(scratch.ids);
            goto out_of_memory;
        }
    }
    free(scratch.ids);

    index->document_frequency = calloc(index->terms->count ? index->terms->count : 1, sizeof *index->document_frequency);
    if (!index->document_frequency) goto out_of_memory;
    double total = 0;
    for (size_t p = 0; p < index->passage_count; p++) {
        const kn_passage *passage = &index->passages[p];
        total += passage->length;
        for (uint32_t t = 0; t < passage->distinct; t++) index->document_frequency[passage->terms[t]]++;
    }
    index->average_length = index->passage_count ? total / (double)index->passage_count : 0;
    return AH_OK;

out_of_memory:
    tb_append_cstr(error, "out of memory while indexing");
    return AH_ERR_INTERNAL;
}

void kn_index_free(kn_index *index) {
    for (size_t i = 0; i < index->file_count; i++) free(index->files[i]);
    free(index->files);
    for (size_t p = 0; p < index->passage_count; p++) {
        free(index->passages[p].text);
        free(index->passages[p].terms);
        free(index->passages[p].freqs);
    }
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

typedef struct query_terms {
    const kn_terms *terms;
    int64_t ids[64];
    size_t count;
} query_terms;

static void collect_query_term(const char *token, size_t len, void *context) {
    query_terms *q = context;
    int64_t id = terms_find(q->terms, token, len);
    if (id < 0 || q->count == sizeof q->ids / sizeof *q->ids) return;
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
    double idf[64];
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
        if (score > 0) scored[found++] = (kn_hit){ passage, score };
    }
    qsort(scored, found, sizeof *scored, compare_hits);
    size_t n = found < limit ? found : limit;
    memcpy(hits, scored, n * sizeof *hits);
    free(scored);
    return n;
}
