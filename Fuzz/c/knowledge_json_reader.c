/* libFuzzer target: the Knowledge plugin's strict JSON reader, which reads
 * every payload the plugin gets. Lookups must agree with json_is_object: a
 * payload that is not one object is malformed for every lookup. */
#include "../../Plugins/Knowledge/json_reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool count_items(const char *item, size_t item_len, void *context) {
    (void)item;
    (void)item_len;
    (*(size_t *)context)++;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A copy of exactly `size` bytes, so reading one past the end is caught. */
    char *json = malloc(size ? size : 1);
    if (!json) return 0;
    memcpy(json, data, size);
    bool object = json_is_object(json, size);
    text_buffer text = { 0 };
    double number = 0;
    size_t items = 0;
    json_lookup lookups[] = {
        json_get_string(json, size, "query", &text),
        json_get_number(json, size, "limit", &number),
        json_for_each(json, size, "roots", count_items, &items),
    };
    for (size_t index = 0; index < sizeof lookups / sizeof lookups[0]; index++) {
        if ((lookups[index] == JSON_MALFORMED) == object) abort();
    }
    tb_free(&text);
    free(json);
    return 0;
}
