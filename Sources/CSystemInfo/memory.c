#include "CSystemInfo.h"

#if defined(__GLIBC__)
#include <malloc.h>
/* Raise glibc's mmap threshold so multi-megabyte tensors come from the heap and
   freed blocks are reused, instead of fresh zero pages (one fault per 4 KiB) for
   every tensor of every layer; and keep freed memory rather than trimming it. */
void si_keep_large_allocations_in_heap(void) {
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
#else
void si_keep_large_allocations_in_heap(void) {}
#endif
