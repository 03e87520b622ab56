/* A growable byte buffer, for building replies and decoded strings. */
#ifndef KNOWLEDGE_TEXT_BUFFER_H
#define KNOWLEDGE_TEXT_BUFFER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct text_buffer {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; the contents are incomplete */
} text_buffer;

void tb_append(text_buffer *b, const char *data, size_t len);
void tb_append_cstr(text_buffer *b, const char *s);
void tb_append_char(text_buffer *b, char c);
void tb_appendf(text_buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Appends `data` as a JSON string literal, quotes included. */
void tb_append_json_string(text_buffer *b, const char *data, size_t len);
/* Hands the bytes to the caller (NUL-terminated) and empties the buffer. */
char *tb_take(text_buffer *b, size_t *len);
void tb_free(text_buffer *b);

#endif
