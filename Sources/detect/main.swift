import CSystemInfo
import DetectCLI
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS reads OPENBLAS_CORETYPE once, when the dynamic loader brings it in,
/// which is before this code runs; Debian's build otherwise falls back to a slow
/// generic kernel on AVX-512 machines. So when the user has not chosen a kernel,
/// pick the best one this CPU supports and re-execute ourselves with it set.
/// The marker variable guarantees at most one re-exec even if the variable were
/// somehow dropped; a failed execv just continues with OpenBLAS's own choice.
func selectBLASKernel() {
    let marker = "DETECT_BLAS_REEXECUTED"
    guard getenv("OPENBLAS_CORETYPE") == nil, getenv(marker) == nil else { return }
    let core: String
    if si_cpu_has_avx512_skylakex() != 0 {
        core = "SkylakeX"
    } else if si_cpu_has_avx2_fma() != 0 {
        core = "Haswell"
    } else {
        return
    }
    setenv("OPENBLAS_CORETYPE", core, 1)
    setenv(marker, "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv("OPENBLAS_CORETYPE")
}

/// Tensors of a 640×480 network are megabytes each and are created and dropped
/// in every layer of every step. Above glibc's mmap threshold each one would be
/// fresh pages from the kernel (a page fault per 4 KiB, more time than the layer's
/// arithmetic); keeping them in the heap lets freed blocks be reused.
func keepLargeAllocationsInHeap() {
    si_keep_large_allocations_in_heap()
}

selectBLASKernel()
keepLargeAllocationsInHeap()
DetectCommand.main()
