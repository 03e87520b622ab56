#define _GNU_SOURCE
#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

enum { WIRE_SPIN_NS = 50000 };

static void reserve(wire_buffer *buffer, size_t more) {
    if (buffer->failed) return;
    if (buffer->len + more <= buffer->capacity) return;
    size_t capacity = buffer->capacity ? buffer->capacity : 256;
    while (capacity < buffer->len + more) {
        if (capacity > SIZE_MAX / 2) {
            buffer->failed = true;
            return;
        }
        capacity *= 2;
    }
    char *grown = realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = true;
        return;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
}

void wire_u64(wire_buffer *buffer, uint64_t value) {
    reserve(buffer, 8);
    if (buffer->failed) return;
    for (int byte = 0; byte < 8; byte++) buffer->data[buffer->len++] = (char)(value >> (8 * byte));
}

void wire_str(wire_buffer *buffer, const char *data, size_t len) {
    if (!data) len = 0;
    wire_u64(buffer, len);
    reserve(buffer, len);
    if (buffer->failed || len == 0) return;
    memcpy(buffer->data + buffer->len, data, len);
    buffer->len += len;
}

void wire_cstr(wire_buffer *buffer, const char *text) {
    wire_str(buffer, text, text ? strnlen(text, 4096) : 0);
}

void wire_free(wire_buffer *buffer) {
    free(buffer->data);
    memset(buffer, 0, sizeof *buffer);
}

int wire_send(int fd, uint32_t kind, const wire_buffer *body) {
    if (body && body->failed) {
        errno = ENOMEM;
        return -1;
    }
    ahc_header header = { .kind = kind, .flags = 0, .length = body ? body->len : 0 };
    if (ahc_write_all(fd, &header, sizeof header) != 0) return -1;
    if (body && body->len > 0 && ahc_write_all(fd, body->data, body->len) != 0) return -1;
    return 0;
}

uint64_t wire_read_u64(wire_reader *reader) {
    if (reader->failed || reader->len - reader->offset < 8) {
        reader->failed = true;
        return 0;
    }
    uint64_t value = 0;
    for (int byte = 0; byte < 8; byte++) value |= (uint64_t)(unsigned char)reader->data[reader->offset + (size_t)byte] << (8 * byte);
    reader->offset += 8;
    return value;
}

ah_str wire_read_str(wire_reader *reader) {
    uint64_t len = wire_read_u64(reader);
    if (reader->failed || len > reader->len - reader->offset) {
        reader->failed = true;
        return (ah_str){ NULL, 0 };
    }
    ah_str text = { reader->data + reader->offset, (size_t)len };
    reader->offset += (size_t)len;
    return text;
}

/* Polls the socket for a moment before the blocking read: a process that
 * sleeps takes tens of microseconds to wake on a virtual machine, longer than
 * the host's next message takes to arrive during a busy exchange. */
static void spin_until_readable(int fd) {
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        char byte;
        ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got >= 0 || (errno != EAGAIN && errno != EINTR)) return;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) > WIRE_SPIN_NS) return;
    }
}

int wire_receive(int fd, uint32_t *kind, char **body, size_t *len) {
    ahc_header header;
    spin_until_readable(fd);
    int status = ahc_read_all(fd, &header, sizeof header);
    if (status != 0) return status;
    if (header.length > AHC_MAX_FRAME_BYTES) {
        errno = EMSGSIZE;
        return -1;
    }
    char *data = malloc(header.length ? (size_t)header.length : 1);
    if (!data) return -1;
    if (header.length > 0 && ahc_read_all(fd, data, (size_t)header.length) != 0) {
        free(data);
        return -1;
    }
    *kind = header.kind;
    *body = data;
    *len = (size_t)header.length;
    return 0;
}
