#ifndef HEAP_PROBE_H
#define HEAP_PROBE_H
#include <stddef.h>

/* Bytes the C heap has handed out and not taken back (glibc's mallinfo2
 * "uordblks"); 0 where that is not known. For the benchmark's memory numbers. */
size_t heap_probe_bytes_in_use(void);

#endif
