/*
 * A BM25 index over the passages of a folder of Markdown, text, HTML and
 * source files, read through the host's services (so the manifest's paths
 * apply). A passage is a paragraph (a run of non-blank lines, split at
 * headings, in Markdown also at list items and code fences, and capped at
 * KN_MAX_PASSAGE_LINES), so results point at a file and a line. Refreshing an index lists the folder again and re-reads only
 * the files whose size or modification time changed.
 *
 * The index also persists: it is saved in the plugin's private data folder
 * (the host's "$PLUGIN_DATA/", see knowledge_cache.c), keyed by the folder's
 * absolute path, so a new process reads only the files that changed since.
 * Without a data folder the index simply lives in memory.
 */
#ifndef KNOWLEDGE_INDEX_H
#define KNOWLEDGE_INDEX_H

#include <agenthost/agenthost.h>
#include <stddef.h>
#include <stdint.h>

#include "text_buffer.h"

#define KN_MAX_PASSAGE_LINES 12
#define KN_MAX_FILE_BYTES (8u << 20) /* larger files are not indexed */
#define KN_BM25_K1 1.2
#define KN_BM25_B 0.75
/* Extra weight for query terms in a passage's heading, in its file's path,
 * and for query words that appear side by side in the passage, as multiples
 * of the term's idf. */
#define KN_HEADING_BOOST 0.6
#define KN_PATH_BOOST 0.3
#define KN_PHRASE_BOOST 0.8
/* The bold lead of a Markdown list item ("- **Routing**: ...") names what
 * that one item is about, more narrowly than the section's heading does. */
#define KN_LABEL_BOOST 1.0

/* How an answer (knowledge.answer, knowledge.evidence) weighs a passage by
 * what it is: prose in a document counts fully; a source file's passages
 * count KN_SOURCE_WEIGHT of that (its comments are prose of a kind, its code
 * is not), and the share of a passage's lines that look like code (fenced
 * blocks, statements) takes up to KN_CODE_PENALTY off on top. */
#define KN_SOURCE_WEIGHT 0.45
#define KN_CODE_PENALTY 0.6
/* In an answer, the share taken off a query word's count for each time it
 * stands inside a Markdown `code span` (a name or flag, not the prose's word). */
#define KN_CODE_SPAN_DISCOUNT 0.5

/* What a file is, by its extension. */
typedef enum kn_format { KN_TEXT, KN_MARKDOWN, KN_HTML, KN_SOURCE } kn_format;

/* The format of a file by its path's extension; false for files not indexed. */
bool kn_format_of(const char *path, kn_format *format);

/* kn_passage.flags */
enum {
    KN_PASSAGE_HEADING = 1 << 0,  /* its first line is a heading (Markdown '#', HTML <hN>) */
    KN_PASSAGE_FENCED = 1 << 1,   /* inside a fenced code block of a document */
    KN_PASSAGE_CONTINUES = 1 << 2 /* starts mid-paragraph (the one before was cut at KN_MAX_PASSAGE_LINES) */
};
#define KN_PASSAGE_FLAGS (KN_PASSAGE_HEADING | KN_PASSAGE_FENCED | KN_PASSAGE_CONTINUES)

typedef struct kn_passage {
    uint32_t file;      /* index into kn_index.files */
    uint32_t line;      /* 1-based line of the passage's first line */
    char *text;
    size_t text_len;
    char *heading;      /* the nearest heading above it (or its own); "" when none */
    uint32_t length;    /* tokens in the passage */
    uint32_t distinct;  /* entries in terms/freqs, sorted by term id */
    uint32_t *terms;
    uint32_t *freqs;
    uint8_t flags;      /* KN_PASSAGE_* */
    uint8_t code;       /* percent of its lines (the heading's aside) that look like code */
} kn_passage;

typedef struct kn_file {
    char *path;           /* relative to the root */
    int64_t size;
    int64_t modified_ns;
    size_t first_passage; /* its passages are contiguous in kn_index.passages */
    size_t passage_count;
    kn_format format;     /* from its extension */
} kn_file;

typedef struct kn_terms kn_terms; /* the term dictionary (opaque) */

typedef struct kn_index {
    kn_file *files;
    size_t file_count;
    kn_passage *passages;
    size_t passage_count;
    size_t passage_cap;
    kn_terms *terms;
    uint32_t *document_frequency; /* passages containing each term, by term id */
    double average_length;
    /* What the last refresh did. */
    size_t files_read;
    size_t files_reused;
    /* The saved index: whether this index looked for it yet, and whether the
     * host has no data folder for it (then it is neither read nor written). */
    bool cache_checked;
    bool cache_unavailable;
    char *absolute_root; /* the folder the last refresh listed ("root" of list_files); NULL when unknown */
} kn_index;

typedef struct kn_hit {
    const kn_passage *passage;
    double score;
} kn_hit;

/* What list_files says of a folder: the files the index reads (by
 * extension, at most KN_MAX_FILE_BYTES each), sorted by path. */
typedef struct kn_listing {
    kn_file *files;
    size_t count;
    char *root; /* the folder's absolute path, as the host gave it; NULL when it gave none */
} kn_listing;

/* Lists `root` through the host's list_files (recursively) into `out`. On
 * failure returns an error status and writes why to `error`. */
ah_status kn_list(const char *root, const ah_host *host, uint64_t call_id, kn_listing *out, text_buffer *error);

void kn_listing_free(kn_listing *listing);

/* Brings the index of `root` up to date with `listing` (from kn_list, taken
 * over and emptied): new and changed files are read with read_file,
 * unchanged ones keep their passages, removed ones are dropped. `index`
 * starts zeroed; an empty one starts from the index saved for the folder, if
 * any, and one that changed is saved again. Polls cancellation between
 * files. On failure returns an error status, writes why to `error` and
 * empties the index. */
ah_status kn_index_refresh(kn_index *index, const char *root, kn_listing *listing, const ah_host *host, uint64_t call_id, text_buffer *error);

void kn_index_free(kn_index *index);

/* How kn_index_search ranks. KN_RANK_SEARCH: BM25 plus the boosts, whatever
 * the passage is. KN_RANK_ANSWER: the same score weighed by kn_prose_weight,
 * and a passage whose body (its lines below its heading) holds a query term
 * always ahead of one that matches only in its heading or path. */
typedef enum kn_rank { KN_RANK_SEARCH, KN_RANK_ANSWER } kn_rank;

/* Scores every passage against `query` (BM25 plus heading, path and phrase
 * boosts); fills up to `limit` best hits, best first, and returns how many. */
size_t kn_index_search(const kn_index *index, const char *query, size_t query_len, kn_rank rank, kn_hit *hits, size_t limit);

/* 1 for a passage of prose in a document, less for source files and for
 * lines that look like code (see KN_SOURCE_WEIGHT, KN_CODE_PENALTY). */
double kn_prose_weight(const kn_index *index, const kn_passage *passage);

/* Whether a line of a file of `format` reads as code rather than prose. */
bool kn_line_is_code(const char *line, size_t len, kn_format format);

/* Whether a line of a source file is a comment ("//", a block comment's
 * opening or middle " * ", "# "), and where its text starts after the marks. */
bool kn_line_is_comment(const char *line, size_t len, size_t *text_start);

/* The summed idf of the query's distinct terms that occur in `text`: how
 * much of the query a sentence holds, rare words counting most. */
double kn_match_weight(const kn_index *index, const char *query, size_t query_len, const char *text, size_t len);

/* The share (0...1) of the query's distinct indexed terms that occur in `passage`. */
double kn_coverage(const kn_index *index, const char *query, size_t query_len, const kn_passage *passage);

/* Jaccard similarity of two passages' term sets, for dropping near-duplicates. */
double kn_similarity(const kn_passage *a, const kn_passage *b);

/* Calls `emit` for each indexing token of `text`: lower-cased, lightly
 * stemmed, stopwords dropped. The token is valid only during the call. */
void kn_tokenize(const char *text, size_t len, void (*emit)(const char *token, size_t len, void *context), void *context);

int kn_is_stopword(const char *word, size_t len);

/* BM25's inverse document frequency of a term found in `df` of `n` passages. */
double kn_idf(int64_t n, int64_t df);

/* BM25's term-frequency saturation for a passage of average length. */
double kn_tf_weight(double tf);

/* ---- the term dictionary, for knowledge_cache.c ---- */

kn_terms *kn_terms_new(void);
void kn_terms_free(kn_terms *terms);
/* The id of `word`, adding it when new; -1 when out of memory. */
int64_t kn_terms_intern(kn_terms *terms, const char *word, size_t len);
size_t kn_terms_count(const kn_terms *terms);
const char *kn_terms_word(const kn_terms *terms, size_t id);
/* Frees a passage's allocations (not the passage itself). */
void kn_passage_free(kn_passage *passage);

/* ---- the saved index (knowledge_cache.c) ---- */

/* Serializes `index`, built for the absolute folder `root`, into `out`. */
void kn_cache_encode(const kn_index *index, const char *root, text_buffer *out);

/* Rebuilds an index from `data` (as kn_cache_encode wrote it for `root`) into
 * the zeroed `index`: files, passages and terms, without document
 * frequencies (a refresh computes them). The bytes are checked completely and
 * trusted for nothing; on any mismatch (another root or format version, a
 * truncated, corrupted or hostile file) it returns false and `index` stays
 * zeroed. */
bool kn_cache_decode(kn_index *index, const char *root, const char *data, size_t len);

/* "$PLUGIN_DATA/index-<16 hex digits of a hash of root>.bin". */
void kn_cache_path(const char *root, text_buffer *out);

#endif
