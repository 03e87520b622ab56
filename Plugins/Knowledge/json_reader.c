#include "json_reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
    const char *p;
    const char *end;
} cursor;

static void skip_space(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hex_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static bool read_hex4(cursor *c, uint32_t *out) {
    if (c->end - c->p < 4) return false;
    uint32_t value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(c->p[i]);
        if (digit < 0) return false;
        value = value * 16 + (uint32_t)digit;
    }
    c->p += 4;
    *out = value;
    return true;
}

static void append_utf8(text_buffer *out, uint32_t code) {
    char bytes[4];
    size_t n;
    if (code < 0x80) {
        bytes[0] = (char)code;
        n = 1;
    } else if (code < 0x800) {
        bytes[0] = (char)(0xC0 | (code >> 6));
        bytes[1] = (char)(0x80 | (code & 0x3F));
        n = 2;
    } else if (code < 0x10000) {
        bytes[0] = (char)(0xE0 | (code >> 12));
        bytes[1] = (char)(0x80 | ((code >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (code & 0x3F));
        n = 3;
    } else {
        bytes[0] = (char)(0xF0 | (code >> 18));
        bytes[1] = (char)(0x80 | ((code >> 12) & 0x3F));
        bytes[2] = (char)(0x80 | ((code >> 6) & 0x3F));
        bytes[3] = (char)(0x80 | (code & 0x3F));
        n = 4;
    }
    tb_append(out, bytes, n);
}

/* Parses a string at the cursor (which is on the opening quote); decodes into
 * `out` when it is not NULL. */
static bool parse_string(cursor *c, text_buffer *out) {
    if (c->p >= c->end || *c->p != '"') return false;
    c->p++;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch == '"') return true;
        if (ch < 0x20) return false;
        if (ch != '\\') {
            if (out) tb_append_char(out, (char)ch);
            continue;
        }
        if (c->p >= c->end) return false;
        char escape = *c->p++;
        char plain = 0;
        switch (escape) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
            uint32_t code;
            if (!read_hex4(c, &code)) return false;
            if (code >= 0xD800 && code <= 0xDBFF) {
                uint32_t low;
                if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u') return false;
                c->p += 2;
                if (!read_hex4(c, &low) || low < 0xDC00 || low > 0xDFFF) return false;
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            } else if (code >= 0xDC00 && code <= 0xDFFF) {
                return false;
            }
            if (out) append_utf8(out, code);
            continue;
        }
        default: return false;
        }
        if (out) tb_append_char(out, plain);
    }
    return false;
}

static bool parse_number(cursor *c, double *out) {
    const char *start = c->p;
    if (c->p < c->end && *c->p == '-') c->p++;
    if (c->p >= c->end) return false;
    if (*c->p == '0') {
        c->p++;
    } else if (*c->p >= '1' && *c->p <= '9') {
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    } else {
        return false;
    }
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return false;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return false;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    }
    if (out) {
        char digits[64];
        size_t n = (size_t)(c->p - start);
        if (n >= sizeof digits) n = sizeof digits - 1;
        memcpy(digits, start, n);
        digits[n] = '\0';
        *out = strtod(digits, NULL);
    }
    return true;
}

static bool parse_literal(cursor *c, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return false;
    c->p += n;
    return true;
}

static bool parse_value(cursor *c, int depth);

static bool parse_container(cursor *c, int depth, char close) {
    c->p++; /* the opening bracket */
    skip_space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return true;
    }
    for (;;) {
        skip_space(c);
        if (close == '}') {
            if (!parse_string(c, NULL)) return false;
            skip_space(c);
            if (c->p >= c->end || *c->p != ':') return false;
            c->p++;
        }
        if (!parse_value(c, depth + 1)) return false;
        skip_space(c);
        if (c->p >= c->end) return false;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != close) return false;
        c->p++;
        return true;
    }
}

static bool parse_value(cursor *c, int depth) {
    if (depth > 128) return false; /* refuse pathological nesting rather than the stack */
    skip_space(c);
    if (c->p >= c->end) return false;
    switch (*c->p) {
    case '{': return parse_container(c, depth, '}');
    case '[': return parse_container(c, depth, ']');
    case '"': return parse_string(c, NULL);
    case 't': return parse_literal(c, "true");
    case 'f': return parse_literal(c, "false");
    case 'n': return parse_literal(c, "null");
    default: return parse_number(c, NULL);
    }
}

bool json_is_object(const char *json, size_t len) {
    cursor c = { json, json + len };
    skip_space(&c);
    if (c.p >= c.end || *c.p != '{') return false;
    if (!parse_value(&c, 0)) return false;
    skip_space(&c);
    return c.p == c.end;
}

/* Finds top-level `key`; leaves `value` on its value. */
static json_lookup find(const char *json, size_t len, const char *key, cursor *value) {
    if (!json_is_object(json, len)) return JSON_MALFORMED;
    cursor c = { json, json + len };
    skip_space(&c);
    c.p++; /* '{' */
    text_buffer name = { 0 };
    json_lookup result = JSON_ABSENT;
    for (;;) {
        skip_space(&c);
        if (*c.p == '}') break;
        name.len = 0;
        parse_string(&c, &name);
        skip_space(&c);
        c.p++; /* ':' */
        skip_space(&c);
        if (!name.failed && name.len == strlen(key) && memcmp(name.data, key, name.len) == 0) {
            *value = c; /* the last duplicate key wins, as in most parsers */
            result = JSON_FOUND;
        }
        parse_value(&c, 1);
        skip_space(&c);
        if (*c.p == ',') c.p++;
    }
    tb_free(&name);
    return result;
}

json_lookup json_get_string(const char *json, size_t len, const char *key, text_buffer *out) {
    cursor value;
    json_lookup found = find(json, len, key, &value);
    if (found != JSON_FOUND) return found;
    if (*value.p != '"') return JSON_WRONG_TYPE;
    return parse_string(&value, out) ? JSON_FOUND : JSON_MALFORMED;
}

json_lookup json_get_number(const char *json, size_t len, const char *key, double *out) {
    cursor value;
    json_lookup found = find(json, len, key, &value);
    if (found != JSON_FOUND) return found;
    if (*value.p != '-' && (*value.p < '0' || *value.p > '9')) return JSON_WRONG_TYPE;
    return parse_number(&value, out) ? JSON_FOUND : JSON_MALFORMED;
}

json_lookup json_for_each(const char *json, size_t len, const char *key,
                          bool (*visit)(const char *item, size_t item_len, void *context), void *context) {
    cursor value;
    json_lookup found = find(json, len, key, &value);
    if (found != JSON_FOUND) return found;
    if (*value.p != '[') return JSON_WRONG_TYPE;
    value.p++;
    for (;;) {
        skip_space(&value);
        if (value.p >= value.end) return JSON_MALFORMED;
        if (*value.p == ']') return JSON_FOUND;
        const char *start = value.p;
        if (!parse_value(&value, 1)) return JSON_MALFORMED;
        if (!visit(start, (size_t)(value.p - start), context)) return JSON_FOUND;
        skip_space(&value);
        if (value.p < value.end && *value.p == ',') value.p++;
    }
}
