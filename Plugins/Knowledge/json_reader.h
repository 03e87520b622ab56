/*
 * Reads the fields of a JSON object payload. Strict: the whole payload must be
 * one valid JSON value (RFC 8259), or every lookup reports it as malformed.
 */
#ifndef KNOWLEDGE_JSON_READER_H
#define KNOWLEDGE_JSON_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "text_buffer.h"

typedef enum json_lookup {
    JSON_FOUND = 0,
    JSON_ABSENT = 1,     /* the object has no such key */
    JSON_MALFORMED = 2,  /* the payload is not a valid JSON object */
    JSON_WRONG_TYPE = 3  /* the key exists with a value of another type */
} json_lookup;

/* Whether `json` is exactly one valid JSON object (surrounding white space allowed). */
bool json_is_object(const char *json, size_t len);

/* Decodes the string value of top-level `key` into `out` (escapes resolved, UTF-8). */
json_lookup json_get_string(const char *json, size_t len, const char *key, text_buffer *out);

/* Reads the number value of top-level `key`. */
json_lookup json_get_number(const char *json, size_t len, const char *key, double *out);

/* Calls `visit` with each element (its exact bytes) of the array value of
 * top-level `key`, in order, until `visit` returns false. */
json_lookup json_for_each(const char *json, size_t len, const char *key,
                          bool (*visit)(const char *item, size_t item_len, void *context), void *context);

#endif
