/* libFuzzer target: the plugin host's frame body reader. Every field read
 * past the end must fail, never read out of bounds. */
#include "../../Sources/agenthost-plugin-host/wire.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *body = malloc(size ? size : 1);
    if (!body) return 0;
    memcpy(body, data, size);
    wire_reader reader = { .data = body, .len = size, .offset = 0, .failed = false };
    /* The shape of a call frame: ids, then strings, as many as there are. */
    while (!reader.failed) {
        uint64_t id = wire_read_u64(&reader);
        ah_str text = wire_read_str(&reader);
        if (!reader.failed && text.len > 0 && (text.data < body || text.data + text.len > body + size)) abort();
        if (reader.offset > size) abort();
        (void)id;
    }
    free(body);
    return 0;
}
