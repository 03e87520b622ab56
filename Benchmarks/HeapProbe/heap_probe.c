#include "heap_probe.h"

#if defined(__linux__)
#include <malloc.h>
size_t heap_probe_bytes_in_use(void) { return mallinfo2().uordblks; }
#else
size_t heap_probe_bytes_in_use(void) { return 0; }
#endif
