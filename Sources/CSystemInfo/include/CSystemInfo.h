#ifndef CSYSTEMINFO_H
#define CSYSTEMINFO_H

/* 1 when the CPU has AVX-512 F/BW/DQ/VL *and* the OS saves ZMM state (XCR0),
   i.e. OpenBLAS's SkylakeX kernels can run; 0 otherwise (and on non-x86). */
int si_cpu_has_avx512_skylakex(void);
/* 1 when the CPU has AVX2 + FMA and the OS saves YMM state (Haswell kernels). */
int si_cpu_has_avx2_fma(void);

/* Process-wide malloc tuning for large, short-lived tensors (glibc; no-op elsewhere). */
void si_keep_large_allocations_in_heap(void);

#endif
