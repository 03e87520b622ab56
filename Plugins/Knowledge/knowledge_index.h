/*
 * A BM25 index over the passages of a folder of Markdown, text, HTML and
 * source files, read through the host's services (so the manifest's paths
 * apply). A passage is a paragraph (a run of non-blank lines, split at
 * headings and capped at KN_MAX_PASSAGE_LINES), so results point at a file
 * and a line. Refreshing an index lists the folder again and re-reads only
 * the files whose size or modification time changed.
 */
#ifndef KNOWLEDGE_INDEX_H
#define KNOWLEDGE_INDEX_H

#include <agenthost/agenthost.h>
#include <stddef.h>
#include <stdint.h>

#include "text_buffer.h"

#define KN_MAX_PASSAGE_LINES 12
#define KN_BM25_K1 1.2
#define KN_BM25_B 0.75
/* Extra weight for query terms in a passage's heading, in its file's path,
 * and for query words that appear side by side in the passage, as multiples
 * of the term's idf. */
#define KN_HEADING_BOOST 0.6
#define KN_PATH_BOOST 0.3
#define KN_PHRASE_BOOST 0.8

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
} kn_passage;

typedef struct kn_file {
    char *path;           /* relative to the root */
    int64_t size;
    int64_t modified_ns;
    size_t first_passage; /* its passages are contiguous in kn_index.passages */
    size_t passage_count;
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
} kn_index;

typedef struct kn_hit {
    const kn_passage *passage;
    double score;
} kn_hit;

/* Lists `root` through the host's list_files (recursively) and brings the
 * index up to date: new and changed files are read with read_file, unchanged
 * ones keep their passages, removed ones are dropped. `index` starts zeroed.
 * Polls cancellation between files. On failure returns an error status,
 * writes why to `error` and leaves the index as it was. */
ah_status kn_index_refresh(kn_index *index, const char *root, const ah_host *host, uint64_t call_id, text_buffer *error);

void kn_index_free(kn_index *index);

/* Scores every passage against `query` (BM25 plus heading, path and phrase
 * boosts); fills up to `limit` best hits, best first, and returns how many. */
size_t kn_index_search(const kn_index *index, const char *query, size_t query_len, kn_hit *hits, size_t limit);

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

#endif
