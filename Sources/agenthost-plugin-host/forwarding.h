/* The `ah_host` table an isolated plugin is given: every callback is
 * forwarded to the host over the channel, except `is_cancelled`, which reads
 * the shared page. */
#ifndef AGENTHOST_PLUGIN_HOST_FORWARDING_H
#define AGENTHOST_PLUGIN_HOST_FORWARDING_H

#include <agenthost/agenthost.h>
#include <agenthost_channel.h>

struct wire_reader;
struct wire_buffer;

/* Sets up the table. `shared` is the page the host writes cancellations to;
 * `host_version` must live as long as the process. */
const ah_host *forwarding_host(ahc_shared *shared, const char *host_version);

/* The call whose callbacks are forwarded now (0: none). Callbacks for any other
 * call_id fail with AH_ERR_NOT_FOUND without reaching the host. */
void forwarding_begin_call(uint64_t call_id, int64_t deadline_ns);
void forwarding_end_call(void);

/* Serves an AHC_TOOL request into the AHC_TOOL_REPLY body. */
typedef void (*forwarding_tool_server)(struct wire_reader *request, struct wire_buffer *reply);

/* Who answers AHC_TOOL requests that arrive while a callback waits for its reply. */
void forwarding_serve_tools(forwarding_tool_server server);

/* Sends a frame while holding the channel's lock, so it never interleaves
 * with a plugin thread's callback. 0, or -1 with errno. */
int forwarding_send(uint32_t kind, const struct wire_buffer *body);

#endif
