#include "AgentPluginKitEntry.h"

static const ahk_plugin_functions *functions(void) {
    return (const ahk_plugin_functions *)agenthost_swift_plugin();
}

static ah_status entry_init(const ah_host *host, ah_sink error) { return functions()->init(host, error); }

static void entry_deinit(void) { functions()->deinit(); }

static const void *entry_get_interface(const char *id) { return functions()->get_interface(id); }

AGENTHOST_PLUGIN_ENTRY = {
    AGENTHOST_ABI_MAJOR, AGENTHOST_ABI_MINOR, sizeof(ah_plugin_entry),
    entry_init, entry_deinit, entry_get_interface,
};
