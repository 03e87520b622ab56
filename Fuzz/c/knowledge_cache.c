/* libFuzzer target: kn_cache_decode on hostile bytes. The input is a payload;
 * the target wraps it in a valid header (so the checksum never hides a
 * structural bug), decodes, and, when that succeeds, checks invariants,
 * searches the index, and re-encodes it. */
#include "knowledge_index.h"
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The folder the cache says it indexed; the seed was written for it. */
static const char *ROOT = "/fuzz/root/ab";

static uint64_t fnv(const unsigned char *d, size_t n) { uint64_t h = 1469598103934665603ull; for (size_t i = 0; i < n; i++) h = (h ^ d[i]) * 1099511628211ull; return h; }

static void check(kn_index *index) {
    size_t terms = kn_terms_count(index->terms);
    size_t expect = 0;
    for (size_t f = 0; f < index->file_count; f++) {
        if (index->files[f].first_passage != expect) abort();
        expect += index->files[f].passage_count;
        if (f && strcmp(index->files[f - 1].path, index->files[f].path) >= 0) abort();
    }
    if (expect != index->passage_count) abort();
    for (size_t p = 0; p < index->passage_count; p++) {
        kn_passage *ps = &index->passages[p];
        if (ps->file >= index->file_count) abort();
        for (uint32_t t = 0; t < ps->distinct; t++) if (ps->terms[t] >= terms) abort();
    }
    index->document_frequency = calloc(terms ? terms : 1, sizeof *index->document_frequency);
    double total = 0;
    for (size_t p = 0; p < index->passage_count; p++) {
        total += index->passages[p].length;
        for (uint32_t t = 0; t < index->passages[p].distinct; t++) index->document_frequency[index->passages[p].terms[t]]++;
    }
    index->average_length = index->passage_count ? total / index->passage_count : 0;
    kn_hit hits[10];
    const char *queries[] = { "how are plugins loaded", "bm25 passage", "a b c" };
    for (int q = 0; q < 3; q++) {
        kn_index_search(index, queries[q], strlen(queries[q]), KN_RANK_SEARCH, hits, 10);
        kn_index_search(index, queries[q], strlen(queries[q]), KN_RANK_ANSWER, hits, 10);
    }
    text_buffer again = { 0 };
    kn_cache_encode(index, ROOT, &again);
    kn_index back;
    if (!again.failed && !kn_cache_decode(&back, ROOT, again.data, again.len)) abort(); /* what it wrote it reads */
    if (!again.failed) kn_index_free(&back);
    tb_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *file = malloc(size + 32);
    static const char magic[8] = { 'K', 'N', 'I', 'D', 'X', '\r', '\n', 0x1a };
    memcpy(file, magic, 8);
    static uint32_t fingerprint;
    static bool known;
    if (!known) { /* this build's tokenizer fingerprint, from an empty index's header */
        kn_index empty = { 0 };
        text_buffer b = { 0 };
        kn_cache_encode(&empty, ROOT, &b);
        memcpy(&fingerprint, b.data + 12, 4);
        tb_free(&b);
        known = true;
    }
    uint32_t version = 1, reserved = fingerprint;
    uint64_t len = size, sum = fnv(data, size);
    memcpy(file + 8, &version, 4); memcpy(file + 12, &reserved, 4); memcpy(file + 16, &len, 8); memcpy(file + 24, &sum, 8);
    memcpy(file + 32, data, size);
    kn_index index;
    if (kn_cache_decode(&index, ROOT, (const char *)file, size + 32)) {
        check(&index);
        kn_index_free(&index);
    } else {
        /* a failed decode leaves the index zeroed */
        static const kn_index zero;
        if (memcmp(&index, &zero, sizeof index) != 0) abort();
    }
    free(file);
    return 0;
}
