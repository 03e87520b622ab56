/*
 * The saved index: one file per indexed folder in the plugin's private data
 * folder, so a new process starts from what the last one read.
 *
 * Layout (integers little-endian; a "str" is a u32 byte count, then the bytes):
 *
 *   header   8 bytes  magic "KNIDX\r\n\x1a"
 *            u32      format version (KN_CACHE_VERSION)
 *            u32      the tokenizer's fingerprint (tokens of a fixed text, hashed)
 *            u64      payload bytes (the file's length minus the 32 of the header)
 *            u64      FNV-1a 64 of the payload
 *   payload  str      the folder's absolute path (the listing's "root")
 *            u32      terms, then each term as a str (1-63 bytes), distinct
 *            u32      files, then each: str path (relative), i64 size,
 *                     i64 modified_ns, u32 passages
 *            u32      passages in all (the sum of the files')
 *            each passage, file by file, in order: u32 line, u8 flags,
 *                     u8 code, str heading, str text, u32 distinct terms,
 *                     then distinct x (u32 term, u32 frequency), terms increasing
 *
 * The reader treats the file as hostile: every count is checked against the
 * bytes left before anything is allocated, every index against what it
 * indexes, every string for length and NUL bytes, the files for order, and
 * the payload must end exactly where the header says. A file that fails any
 * check is ignored as a whole (and the folder indexed afresh).
 *
 * An index saved by another tokenizer (stopwords, stemming) would not match
 * the queries of this one; the fingerprint catches that by itself. Bump
 * KN_CACHE_VERSION when anything else that shapes an index changes: how
 * files are split into passages, the passage flags, the code share.
 */
#include "knowledge_index.h"

#include <stdlib.h>
#include <string.h>

#define KN_CACHE_VERSION 1
#define HEADER_BYTES 32
static const char magic[8] = { 'K', 'N', 'I', 'D', 'X', '\r', '\n', 0x1a };

static uint64_t fnv1a(const unsigned char *data, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

static void hash_token(const char *token, size_t len, void *context) {
    uint64_t *h = context;
    for (size_t i = 0; i < len; i++) *h = (*h ^ (unsigned char)token[i]) * 1099511628211ull;
    *h = (*h ^ 0xff) * 1099511628211ull;
}

/* What this build's tokenizer makes of a text that exercises stopwords and stemming. */
static uint32_t tokenizer_fingerprint(void) {
    static const char probe[] = "The crashes, passes and boxes; it matches what studies say: ranking ranked ranks. Was this how "
                                "a bus is used? Do they look like 42 or x? They were with you, and we are not. Déjà-vu ROUTED Routing";
    uint64_t h = 1469598103934665603ull;
    kn_tokenize(probe, sizeof probe - 1, hash_token, &h);
    return (uint32_t)(h ^ (h >> 32));
}

void kn_cache_path(const char *root, text_buffer *out) {
    tb_appendf(out, "$PLUGIN_DATA/index-%016llx.bin", (unsigned long long)fnv1a((const unsigned char *)root, strlen(root)));
}

/* ---- writing ---- */

static void put_u8(text_buffer *b, uint8_t v) { tb_append_char(b, (char)v); }

static void put_u32(text_buffer *b, uint32_t v) {
    char bytes[4];
    for (int i = 0; i < 4; i++) bytes[i] = (char)(v >> (8 * i) & 0xff);
    tb_append(b, bytes, 4);
}

static void put_u64(text_buffer *b, uint64_t v) {
    char bytes[8];
    for (int i = 0; i < 8; i++) bytes[i] = (char)(v >> (8 * i) & 0xff);
    tb_append(b, bytes, 8);
}

static void put_str(text_buffer *b, const char *s, size_t len) {
    put_u32(b, (uint32_t)len);
    tb_append(b, s, len);
}

void kn_cache_encode(const kn_index *index, const char *root, text_buffer *out) {
    /* Only the terms some passage holds, renumbered densely in the same order
     * (so every passage's terms stay sorted); a long-lived dictionary keeps
     * the words of files long gone. */
    size_t all = kn_terms_count(index->terms);
    uint32_t *dense = calloc(all ? all : 1, sizeof *dense); /* old id -> new id + 1 */
    if (!dense) {
        out->failed = true;
        return;
    }
    for (size_t p = 0; p < index->passage_count; p++) {
        const kn_passage *passage = &index->passages[p];
        for (uint32_t t = 0; t < passage->distinct; t++) dense[passage->terms[t]] = 1;
    }
    uint32_t used = 0;
    for (size_t id = 0; id < all; id++) {
        if (dense[id]) dense[id] = ++used;
    }

    tb_append(out, magic, sizeof magic);
    put_u32(out, KN_CACHE_VERSION);
    put_u32(out, tokenizer_fingerprint());
    put_u64(out, 0); /* the payload's length and checksum, filled in below */
    put_u64(out, 0);
    put_str(out, root, strlen(root));
    put_u32(out, used);
    for (size_t id = 0; id < all; id++) {
        if (dense[id]) {
            const char *word = kn_terms_word(index->terms, id);
            put_str(out, word, strlen(word));
        }
    }
    put_u32(out, (uint32_t)index->file_count);
    for (size_t f = 0; f < index->file_count; f++) {
        const kn_file *file = &index->files[f];
        put_str(out, file->path, strlen(file->path));
        put_u64(out, (uint64_t)file->size);
        put_u64(out, (uint64_t)file->modified_ns);
        put_u32(out, (uint32_t)file->passage_count);
    }
    put_u32(out, (uint32_t)index->passage_count);
    for (size_t p = 0; p < index->passage_count; p++) {
        const kn_passage *passage = &index->passages[p];
        put_u32(out, passage->line);
        put_u8(out, passage->flags);
        put_u8(out, passage->code);
        put_str(out, passage->heading, strlen(passage->heading));
        put_str(out, passage->text, passage->text_len);
        put_u32(out, passage->distinct);
        for (uint32_t t = 0; t < passage->distinct; t++) {
            put_u32(out, dense[passage->terms[t]] - 1);
            put_u32(out, passage->freqs[t]);
        }
    }
    free(dense);
    if (out->failed || out->len < HEADER_BYTES) return;
    uint64_t payload = out->len - HEADER_BYTES, sum = fnv1a((const unsigned char *)out->data + HEADER_BYTES, out->len - HEADER_BYTES);
    for (int i = 0; i < 8; i++) {
        out->data[16 + i] = (char)(payload >> (8 * i) & 0xff);
        out->data[24 + i] = (char)(sum >> (8 * i) & 0xff);
    }
}

/* ---- reading ---- */

typedef struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
} reader;

static bool take(reader *r, size_t n, const unsigned char **bytes) {
    if (r->bad || r->left < n) {
        r->bad = true;
        return false;
    }
    *bytes = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

static uint8_t get_u8(reader *r) {
    const unsigned char *b;
    return take(r, 1, &b) ? b[0] : 0;
}

static uint32_t get_u32(reader *r) {
    const unsigned char *b;
    if (!take(r, 4, &b)) return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(reader *r) {
    const unsigned char *b;
    if (!take(r, 8, &b)) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

/* A string of at most `max` bytes; `text` allows NUL bytes (file contents),
 * names do not. Points into the reader's bytes. */
static bool get_str(reader *r, size_t max, bool text, const char **s, size_t *len) {
    uint32_t n = get_u32(r);
    const unsigned char *b;
    if (r->bad || n > max || !take(r, n, &b)) {
        r->bad = true;
        return false;
    }
    if (!text && memchr(b, '\0', n)) {
        r->bad = true;
        return false;
    }
    *s = (const char *)b;
    *len = n;
    return true;
}

static char *copy(const char *s, size_t len) {
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

/* The smallest a file record and a passage record can be, for bounding counts. */
#define MIN_FILE_BYTES (4 + 1 + 8 + 8 + 4)
#define MIN_PASSAGE_BYTES (4 + 1 + 1 + 4 + 4 + 1 + 4 + 8)

static bool decode(kn_index *index, const char *root, reader *r) {
    const char *s;
    size_t len;
    if (!get_str(r, AH_MAX_PATH_BYTES, false, &s, &len) || len != strlen(root) || memcmp(s, root, len) != 0) return false;

    uint32_t terms = get_u32(r);
    if (r->bad || terms > r->left / 5) return false;
    index->terms = kn_terms_new();
    if (!index->terms) return false;
    for (uint32_t t = 0; t < terms; t++) {
        if (!get_str(r, 63, false, &s, &len) || len == 0) return false;
        /* distinct: a repeated word would come back with an earlier id */
        if (kn_terms_intern(index->terms, s, len) != (int64_t)t) return false;
    }

    uint32_t files = get_u32(r);
    if (r->bad || files > r->left / MIN_FILE_BYTES) return false;
    index->files = calloc(files ? files : 1, sizeof *index->files);
    if (!index->files) return false;
    uint64_t passages = 0;
    for (uint32_t f = 0; f < files; f++) {
        kn_file *file = &index->files[f];
        if (!get_str(r, AH_MAX_PATH_BYTES, false, &s, &len) || len == 0) return false;
        if (!(file->path = copy(s, len))) return false;
        index->file_count = f + 1;
        /* sorted and distinct, as the refresh looks files up by halving */
        if (f > 0 && strcmp(index->files[f - 1].path, file->path) >= 0) return false;
        if (!kn_format_of(file->path, &file->format)) return false;
        file->size = (int64_t)get_u64(r);
        file->modified_ns = (int64_t)get_u64(r);
        file->passage_count = get_u32(r);
        if (r->bad || file->size < 0 || file->size > KN_MAX_FILE_BYTES) return false;
        file->first_passage = (size_t)passages;
        passages += file->passage_count;
    }
    if (get_u32(r) != passages || r->bad || passages > r->left / MIN_PASSAGE_BYTES) return false;
    index->passages = calloc(passages ? (size_t)passages : 1, sizeof *index->passages);
    if (!index->passages) return false;
    index->passage_cap = (size_t)passages;

    for (uint32_t f = 0; f < files; f++) {
        const kn_file *file = &index->files[f];
        for (size_t k = 0; k < file->passage_count; k++) {
            kn_passage *p = &index->passages[index->passage_count];
            p->file = f;
            p->line = get_u32(r);
            p->flags = get_u8(r);
            p->code = get_u8(r);
            if (r->bad || p->line == 0 || p->line > (uint64_t)file->size + 1 || (p->flags & ~KN_PASSAGE_FLAGS) || p->code > 100) return false;
            if (!get_str(r, 255, false, &s, &len) || !(p->heading = copy(s, len))) return false;
            index->passage_count++; /* from here kn_index_free frees what it holds */
            if (!get_str(r, KN_MAX_FILE_BYTES, true, &s, &len) || len == 0 || len > (uint64_t)file->size) return false;
            if (!(p->text = copy(s, len))) return false;
            p->text_len = len;
            uint32_t distinct = get_u32(r);
            if (r->bad || distinct == 0 || distinct > r->left / 8 || distinct > terms) return false;
            p->terms = malloc(distinct * sizeof *p->terms);
            p->freqs = malloc(distinct * sizeof *p->freqs);
            if (!p->terms || !p->freqs) return false;
            p->distinct = distinct;
            uint64_t length = 0;
            for (uint32_t t = 0; t < distinct; t++) {
                p->terms[t] = get_u32(r);
                p->freqs[t] = get_u32(r);
                if (r->bad || p->terms[t] >= terms || (t > 0 && p->terms[t] <= p->terms[t - 1]) || p->freqs[t] == 0) return false;
                length += p->freqs[t];
            }
            if (length > len) return false; /* a token takes at least a byte of text */
            p->length = (uint32_t)length;
        }
    }
    return !r->bad && r->left == 0;
}

bool kn_cache_decode(kn_index *index, const char *root, const char *data, size_t len) {
    memset(index, 0, sizeof *index);
    if (!data || len < HEADER_BYTES || memcmp(data, magic, sizeof magic) != 0) return false;
    reader header = { (const unsigned char *)data + sizeof magic, HEADER_BYTES - sizeof magic, false };
    uint32_t version = get_u32(&header), tokenizer = get_u32(&header);
    uint64_t payload = get_u64(&header), sum = get_u64(&header);
    if (version != KN_CACHE_VERSION || tokenizer != tokenizer_fingerprint() || payload != len - HEADER_BYTES) return false;
    if (fnv1a((const unsigned char *)data + HEADER_BYTES, len - HEADER_BYTES) != sum) return false;
    reader r = { (const unsigned char *)data + HEADER_BYTES, len - HEADER_BYTES, false };
    if (decode(index, root, &r)) return true;
    kn_index_free(index);
    return false;
}
