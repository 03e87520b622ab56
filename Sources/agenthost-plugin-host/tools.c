#define _GNU_SOURCE
#include "tools.h"

#include <agenthost_channel.h>

#include <ffi.h>
#include <stdlib.h>
#include <string.h>

static int parse_type(const char **cursor) {
    static const struct { const char *name; int type; } names[] = {
        { "i32", AHC_VALUE_I32 }, { "i64", AHC_VALUE_I64 }, { "f64", AHC_VALUE_F64 },
        { "bool", AHC_VALUE_BOOL }, { "str", AHC_VALUE_STR }, { "void", AHC_VALUE_VOID },
    };
    for (size_t index = 0; index < sizeof names / sizeof names[0]; index++) {
        size_t len = strlen(names[index].name);
        if (strncmp(*cursor, names[index].name, len) == 0) {
            *cursor += len;
            return names[index].type;
        }
    }
    return -1;
}

/* The grammar of agenthost.h; the host checks the same strings itself. */
static bool parse_signature(const char *text, tool_entry *entry) {
    if (!text) return false;
    const char *cursor = text;
    entry->result = parse_type(&cursor);
    if (entry->result < 0 || *cursor++ != '(') return false;
    entry->parameter_count = 0;
    if (*cursor == ')') return cursor[1] == 0;
    for (;;) {
        int type = parse_type(&cursor);
        if (type <= AHC_VALUE_VOID || entry->parameter_count == TOOLS_MAX_PARAMETERS) return false;
        entry->parameters[entry->parameter_count++] = type;
        if (*cursor == ',') { cursor++; continue; }
        return *cursor == ')' && cursor[1] == 0;
    }
}

void tools_load(tool_set *set, const void *table) {
    memset(set, 0, sizeof *set);
    set->table = table;
    if (!set->table || !set->table->count || !set->table->get) return;
    uint32_t count = set->table->count();
    if (count > TOOLS_MAX) count = TOOLS_MAX;
    set->count = count;
    for (uint32_t index = 0; index < count; index++) {
        tool_entry *entry = &set->entries[index];
        entry->tool = set->table->get(index);
        entry->usable = entry->tool && entry->tool->name && entry->tool->function && parse_signature(entry->tool->signature, entry);
    }
}

void tools_describe(const tool_set *set, wire_buffer *body) {
    wire_u64(body, set->table != NULL);
    wire_u64(body, set->table ? set->table->struct_size : 0);
    wire_u64(body, set->table && set->table->release_string != NULL);
    wire_u64(body, set->count);
    for (uint32_t index = 0; index < set->count; index++) {
        const ah_tool *tool = set->entries[index].tool;
        wire_u64(body, tool ? tool->struct_size : 0);
        wire_u64(body, tool ? tool->allowed_states : 0);
        wire_cstr(body, tool ? tool->name : NULL);
        wire_cstr(body, tool ? tool->signature : NULL);
        wire_cstr(body, tool ? tool->description : NULL);
    }
}

static ffi_type *ffi_type_of(int type) {
    switch (type) {
    case AHC_VALUE_I32: return &ffi_type_sint32;
    case AHC_VALUE_I64: return &ffi_type_sint64;
    case AHC_VALUE_F64: return &ffi_type_double;
    case AHC_VALUE_BOOL: return &ffi_type_uint8;
    case AHC_VALUE_STR: return &ffi_type_pointer;
    default: return &ffi_type_void;
    }
}

static void fail(wire_buffer *reply, uint64_t status) {
    wire_u64(reply, status);
    wire_u64(reply, AHC_VALUE_VOID);
    wire_u64(reply, 0);
}

/* Request: str name, u64 argc, then per argument u64 type and (str ? str : u64).
 * Reply: u64 status (0 ok, 1 NULL string, 2 unknown tool, 3 bad arguments), u64 type, value. */
void tools_call(const tool_set *set, wire_reader *request, wire_buffer *reply) {
    ah_str name = wire_read_str(request);
    uint64_t argc = wire_read_u64(request);
    if (request->failed) return;
    const tool_entry *entry = NULL;
    for (uint32_t index = 0; index < set->count; index++) {
        const ah_tool *tool = set->entries[index].tool;
        if (set->entries[index].usable && strlen(tool->name) == name.len && memcmp(tool->name, name.data, name.len) == 0) {
            entry = &set->entries[index];
            break;
        }
    }
    if (!entry || argc != entry->parameter_count) {
        fail(reply, entry ? 3 : 2);
        return;
    }
    uint64_t slots[TOOLS_MAX_PARAMETERS];
    char *strings[TOOLS_MAX_PARAMETERS] = { 0 };
    void *pointers[TOOLS_MAX_PARAMETERS];
    ffi_type *types[TOOLS_MAX_PARAMETERS];
    bool ok = true;
    for (unsigned index = 0; index < entry->parameter_count; index++) {
        uint64_t type = wire_read_u64(request);
        types[index] = ffi_type_of(entry->parameters[index]);
        pointers[index] = &slots[index];
        if (type != (uint64_t)entry->parameters[index]) ok = false;
        if (type == AHC_VALUE_STR) {
            ah_str text = wire_read_str(request);
            strings[index] = malloc(text.len + 1);
            if (!strings[index]) { ok = false; continue; }
            if (text.len) memcpy(strings[index], text.data, text.len);
            strings[index][text.len] = 0;
            memcpy(&slots[index], &strings[index], sizeof(char *));
        } else {
            slots[index] = wire_read_u64(request);
            if (type == AHC_VALUE_I32) {
                int32_t narrow = (int32_t)slots[index];
                memcpy(&slots[index], &narrow, sizeof narrow);
            } else if (type == AHC_VALUE_BOOL) {
                uint8_t flag = slots[index] != 0;
                memcpy(&slots[index], &flag, sizeof flag);
            }
        }
    }
    ffi_cif cif;
    if (!ok || request->failed ||
        ffi_prep_cif(&cif, FFI_DEFAULT_ABI, entry->parameter_count, ffi_type_of(entry->result), types) != FFI_OK) {
        for (unsigned index = 0; index < entry->parameter_count; index++) free(strings[index]);
        fail(reply, 3);
        return;
    }
    uint64_t result = 0;
    ffi_call(&cif, (void (*)(void))entry->tool->function, &result, pointers);
    for (unsigned index = 0; index < entry->parameter_count; index++) free(strings[index]);

    switch (entry->result) {
    case AHC_VALUE_STR: {
        char *text;
        memcpy(&text, &result, sizeof text);
        if (!text) {
            fail(reply, 1);
            return;
        }
        wire_u64(reply, 0);
        wire_u64(reply, AHC_VALUE_STR);
        wire_str(reply, text, strnlen(text, AH_MAX_PAYLOAD_BYTES));
        if (set->table->release_string) set->table->release_string(text);
        return;
    }
    case AHC_VALUE_I32: {
        int32_t value;
        memcpy(&value, &result, sizeof value);
        result = (uint64_t)(int64_t)value;
        break;
    }
    case AHC_VALUE_BOOL: {
        uint8_t value;
        memcpy(&value, &result, sizeof value);
        result = value;
        break;
    }
    default:
        break;
    }
    wire_u64(reply, 0);
    wire_u64(reply, (uint64_t)entry->result);
    wire_u64(reply, result);
}
