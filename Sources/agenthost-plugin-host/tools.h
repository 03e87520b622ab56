/* Typed tools of the isolated plugin, called through libffi on the host's behalf. */
#ifndef AGENTHOST_PLUGIN_HOST_TOOLS_H
#define AGENTHOST_PLUGIN_HOST_TOOLS_H

#include "wire.h"

#include <agenthost/agenthost.h>

enum { TOOLS_MAX = 256, TOOLS_MAX_PARAMETERS = 8 };

typedef struct tool_entry {
    const ah_tool *tool;
    bool usable;                                /* the signature parsed and libffi prepared it */
    int result;                                 /* ahc_value_type */
    int parameters[TOOLS_MAX_PARAMETERS];
    unsigned parameter_count;
} tool_entry;

typedef struct tool_set {
    const ah_tools *table;
    uint32_t count;
    tool_entry entries[TOOLS_MAX];
} tool_set;

/* Reads the plugin's tool table (`table` may be NULL). */
void tools_load(tool_set *set, const void *table);

/* Appends the AHC_HELLO fields about tools. */
void tools_describe(const tool_set *set, wire_buffer *body);

/* Serves one AHC_TOOL request, writing the AHC_TOOL_REPLY body. */
void tools_call(const tool_set *set, wire_reader *request, wire_buffer *reply);

#endif
