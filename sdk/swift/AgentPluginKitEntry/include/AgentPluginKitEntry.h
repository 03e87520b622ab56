/*
 * The C side of AgentPluginKit. Swift cannot export a const struct under a
 * chosen symbol name, so this target defines `agenthost_plugin_entry` and
 * forwards each entry function to the table the Swift plugin's export line
 * returns. Plugin authors never include this header.
 */
#ifndef AGENTPLUGINKIT_ENTRY_H
#define AGENTPLUGINKIT_ENTRY_H

#include <agenthost/agenthost.h>

typedef struct ahk_plugin_functions {
    ah_status (*init)(const ah_host *host, ah_sink error);
    void (*deinit)(void);
    const void *(*get_interface)(const char *id);
} ahk_plugin_functions;

/* Defined by the plugin's export line (AgentPluginKit's `AgentPluginExport`).
 * Called on the loading thread before init, and afterwards from any thread;
 * returns the same static table every time. */
extern const void *agenthost_swift_plugin(void);

#endif
