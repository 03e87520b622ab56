#include "text_buffer.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(text_buffer *b, size_t extra) {
    if (b->failed) return false;
    if (b->len + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void tb_append(text_buffer *b, const char *data, size_t len) {
    if (!reserve(b, len)) return;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void tb_append_cstr(text_buffer *b, const char *s) { tb_append(b, s, strlen(s)); }

void tb_append_char(text_buffer *b, char c) { tb_append(b, &c, 1); }

void tb_appendf(text_buffer *b, const char *format, ...) {
    va_list args;
    va_start(args, format);
    char small[128];
    int needed = vsnprintf(small, sizeof small, format, args);
    va_end(args);
    if (needed < 0) return;
    if ((size_t)needed < sizeof small) {
        tb_append(b, small, (size_t)needed);
        return;
    }
    if (!reserve(b, (size_t)needed)) return;
    va_start(args, format);
    vsnprintf(b->data + b->len, (size_t)needed + 1, format, args);
    va_end(args);
    b->len += (size_t)needed;
}

/* The length of the valid UTF-8 sequence at `s` (at most `left` bytes), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t left) {
    unsigned char c = s[0];
    size_t n;
    uint32_t min, code;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; min = 0x80; code = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; min = 0x800; code = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; min = 0x10000; code = c & 0x07; }
    else return 0;
    if (left < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        code = code << 6 | (s[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return n;
}

void tb_append_json_string(text_buffer *b, const char *data, size_t len) {
    static const char hex[] = "0123456789abcdef";
    tb_append_char(b, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        const char *escape = NULL;
        char unicode[6];
        size_t skip = 0; /* the length of a valid multi-byte sequence */
        switch (c) {
        case '"': escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        default:
            if (c < 0x20) {
                memcpy(unicode, "\\u00", 4);
                unicode[4] = hex[c >> 4];
                unicode[5] = hex[c & 15];
            } else if (c >= 0x80) {
                /* Text from files may be any bytes; the reply must be UTF-8. */
                skip = utf8_sequence((const unsigned char *)data + i, len - i);
                if (!skip) escape = "\\ufffd";
            }
        }
        if (!escape && c >= 0x20) {
            run += skip ? skip : 1;
            if (skip) i += skip - 1;
            continue;
        }
        tb_append(b, data + i - run, run);
        run = 0;
        if (escape) tb_append_cstr(b, escape);
        else tb_append(b, unicode, 6);
    }
    tb_append(b, data + len - run, run);
    tb_append_char(b, '"');
}

char *tb_take(text_buffer *b, size_t *len) {
    if (!reserve(b, 0)) return NULL;
    char *data = b->data;
    if (len) *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void tb_free(text_buffer *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
