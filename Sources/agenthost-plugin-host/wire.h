/* Frames of agenthost_channel.h as the child builds and reads them. */
#ifndef AGENTHOST_PLUGIN_HOST_WIRE_H
#define AGENTHOST_PLUGIN_HOST_WIRE_H

#include <agenthost/agenthost.h>
#include <agenthost_channel.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growing body. On allocation failure `failed` is set and writes stop. */
typedef struct wire_buffer {
    char *data;
    size_t len;
    size_t capacity;
    bool failed;
} wire_buffer;

void wire_u64(wire_buffer *buffer, uint64_t value);
void wire_str(wire_buffer *buffer, const char *data, size_t len);
void wire_cstr(wire_buffer *buffer, const char *text);
void wire_free(wire_buffer *buffer);

/* Sends one frame of `kind` with `body` on the channel. 0, or -1 with errno. */
int wire_send(int fd, uint32_t kind, const wire_buffer *body);

/* A received frame's body, read field by field. Bounds are checked: a field
 * past the end sets `failed` and reads as 0 or an empty string. */
typedef struct wire_reader {
    const char *data;
    size_t len;
    size_t offset;
    bool failed;
} wire_reader;

uint64_t wire_read_u64(wire_reader *reader);
ah_str wire_read_str(wire_reader *reader);

/* Reads one frame: its kind and a malloc'd body the caller frees.
 * 0 ok, 1 end of file, -1 error or a frame over AHC_MAX_FRAME_BYTES. */
int wire_receive(int fd, uint32_t *kind, char **body, size_t *len);

#endif
