/*
 * A BM25 index over the passages of a folder of .md and .txt files.
 * A passage is a paragraph (a run of non-blank lines, split at headings and
 * capped at KN_MAX_PASSAGE_LINES), so results point at a file and a line.
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

typedef struct kn_passage {
    uint32_t file;      /* index into kn_index.files */
    uint32_t line;      /* 1-based line of the passage's first line */
    char *text;
    size_t text_len;
    uint32_t length;    /* tokens in the passage */
    uint32_t distinct;  /* entries in terms/freqs, sorted by term id */
    uint32_t *terms;
    uint32_t *freqs;
} kn_passage;

typedef struct kn_terms kn_terms; /* the term dictionary (opaque) */

typedef struct kn_index {
    char **files;       /* paths relative to the root */
    size_t file_count;
    kn_passage *passages;
    size_t passage_count;
    size_t passage_cap;
    kn_terms *terms;
    uint32_t *document_frequency; /* passages containing each term, by term id */
    double average_length;
} kn_index;

typedef struct kn_hit {
    const kn_passage *passage;
    double score;
} kn_hit;

/* Indexes every .md/.txt file under `root`. Polls `host->is_cancelled` for
 * `call_id` between files. On failure returns an error status and writes why
 * to `error`. */
ah_status kn_index_build(kn_index *index, const char *root, const ah_host *host, uint64_t call_id, text_buffer *error);

void kn_index_free(kn_index *index);

/* Scores every passage against `query`; fills up to `limit` best hits, best
 * first, and returns how many. */
size_t kn_index_search(const kn_index *index, const char *query, size_t query_len, kn_hit *hits, size_t limit);

/* Calls `emit` for each indexing token of `text`: lower-cased, lightly
 * stemmed, stopwords dropped. The token is valid only during the call. */
void kn_tokenize(const char *text, size_t len, void (*emit)(const char *token, size_t len, void *context), void *context);

int kn_is_stopword(const char *word, size_t len);

/* BM25's inverse document frequency of a term found in `df` of `n` passages. */
double kn_idf(int64_t n, int64_t df);

/* BM25's term-frequency saturation for a passage of average length. */
double kn_tf_weight(double tf);

#endif
