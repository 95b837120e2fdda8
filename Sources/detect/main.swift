import CSystemInfo
import DetectCLI
import NeuralNet
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS reads its settings once, when the dynamic loader brings it in,
/// which is before this code runs. Two of them matter here, so when the user
/// has not chosen them we set them and re-execute ourselves:
/// - OPENBLAS_CORETYPE: Debian's build otherwise falls back to a slow generic
///   kernel on AVX-512 machines; we pick the best one this CPU supports.
/// - OPENBLAS_THREAD_TIMEOUT: after each product OpenBLAS's threads spin
///   (yielding) for 2^28 cycles by default, about 0.1 s, waiting for the next
///   one. Our own loops run between products (depthwise filters, batch norm,
///   copies) and on 2 cores those spinning threads take a core from them;
///   `BLAS.preferredThreadTimeout` measured 5–20 % faster R-CNN features and
///   no slower products (`detect bench pipelines`, `detect bench engine`).
/// The marker variable guarantees at most one re-exec even if the variables
/// were somehow dropped; a failed execv just continues with OpenBLAS's defaults.
func configureBLAS() {
    let marker = "DETECT_BLAS_REEXECUTED"
    guard getenv(marker) == nil else { return }
    var changed = false
    if getenv("OPENBLAS_CORETYPE") == nil, let core = BLAS.preferredCoreType {
        setenv("OPENBLAS_CORETYPE", core, 1)
        changed = true
    }
    if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
        setenv("OPENBLAS_THREAD_TIMEOUT", String(BLAS.preferredThreadTimeout), 1)
        changed = true
    }
    guard changed else { return }
    setenv(marker, "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    unsetenv(marker)
}

/// Tensors of a 640×480 network are megabytes each and are created and dropped
/// in every layer of every step. Above glibc's mmap threshold each one would be
/// fresh pages from the kernel (a page fault per 4 KiB, more time than the layer's
/// arithmetic); keeping them in the heap lets freed blocks be reused.
func keepLargeAllocationsInHeap() {
    si_keep_large_allocations_in_heap()
}

configureBLAS()
keepLargeAllocationsInHeap()
DetectCommand.main()
