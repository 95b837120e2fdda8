#include "CSystemInfo.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <stdint.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static int os_saves(uint64_t mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27))) return 0; /* OSXSAVE: xgetbv is usable */
    return (read_xcr0() & mask) == mask;
}

int si_cpu_has_avx2_fma(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, avx = (c >> 28) & 1;
    if (!fma || !avx) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    return avx2 && os_saves(0x6); /* XMM | YMM */
}

int si_cpu_has_avx512_skylakex(void) {
    unsigned a, b, c, d;
    if (!si_cpu_has_avx2_fma()) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    if (!(f && dq && bw && vl)) return 0;
    return os_saves(0xE6); /* XMM | YMM | opmask | ZMM_Hi256 | Hi16_ZMM */
}
#else
int si_cpu_has_avx512_skylakex(void) { return 0; }
int si_cpu_has_avx2_fma(void) { return 0; }
#endif
