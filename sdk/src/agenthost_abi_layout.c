/*
 * Freezes the ABI v1 layout: if an edit to agenthost.h moves a released field,
 * this file stops compiling. Growth is append-only (see the header).
 * Offsets are those of the LP64 data model (Linux and macOS on 64-bit).
 */
#include <agenthost/agenthost.h>

#if UINTPTR_MAX == UINT64_MAX
#define AH_AT(type, field, offset) _Static_assert(offsetof(type, field) == (offset), #type "." #field " moved")

AH_AT(ah_str, len, 8);

AH_AT(ah_plugin_entry, abi_major, 0);
AH_AT(ah_plugin_entry, abi_minor, 4);
AH_AT(ah_plugin_entry, struct_size, 8);
AH_AT(ah_plugin_entry, init, 16);
AH_AT(ah_plugin_entry, deinit, 24);
AH_AT(ah_plugin_entry, get_interface, 32);

AH_AT(ah_host, host_name, 16);
AH_AT(ah_host, host_data, 48);
AH_AT(ah_host, log, 56);
AH_AT(ah_host, get_extension, 112);

AH_AT(ah_request, call_id, 8);
AH_AT(ah_request, deadline_ns, 16);
AH_AT(ah_request, task_id, 24);
AH_AT(ah_request, capability, 40);
AH_AT(ah_request, payload, 56);
AH_AT(ah_request, traceparent, 72);

AH_AT(ah_agent, descriptor, 8);
AH_AT(ah_agent, call, 16);
AH_AT(ah_agent, release, 24);

AH_AT(ah_agent_descriptor, id, 8);
AH_AT(ah_agent_descriptor, toolchain, 32);
AH_AT(ah_agent_descriptor, capabilities, 48);

AH_AT(ah_tool, name, 8);
AH_AT(ah_tool, function, 32);

AH_AT(ah_tools, count, 8);
AH_AT(ah_tools, release_string, 24);

AH_AT(ah_host_services, call_tool, 8);
AH_AT(ah_host_services, read_file, 16);
AH_AT(ah_host_services, write_file, 24);
AH_AT(ah_host_services, fetch, 32);
AH_AT(ah_host_services, run_command, 40);
#endif

/* The SDK's version, for tools that link the SDK as a library. */
const char *agenthost_sdk_abi_version(void) { return "1.0"; }
