import COpenBLAS
import Foundation
import CSystemInfo

/// The OpenBLAS the process loaded, and the one matrix product the engine relies on.
///
/// OpenBLAS picks its kernel once, when the library is loaded, from `OPENBLAS_CORETYPE`;
/// the `detect` executable re-executes itself with that variable set (see `BLAS.preferredCoreType`)
/// because by the time Swift code runs the choice has already been made.
public enum BLAS {
    /// The kernel OpenBLAS chose at load time (e.g. "SkylakeX", "Haswell", "Prescott").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The fastest OpenBLAS kernel this CPU (and OS) can run, or nil when the
    /// library's own default is as good as we can tell.
    public static var preferredCoreType: String? {
        if si_cpu_has_avx512_skylakex() != 0 { return "SkylakeX" }
        if si_cpu_has_avx2_fma() != 0 { return "Haswell" }
        return nil
    }

    /// The OPENBLAS_THREAD_TIMEOUT the `detect` executable sets when the user has
    /// not: OpenBLAS's idle threads spin 2^16 cycles (tens of microseconds)
    /// after a product instead of its default 2^28 (about 0.1 s), which on 2
    /// cores took a core from the engine's own loops between products.
    public static let preferredThreadTimeout = 16

    /// The OPENBLAS_THREAD_TIMEOUT OpenBLAS read when it was loaded (it reads
    /// the environment then, and the variable is never changed afterwards);
    /// nil when unset, meaning OpenBLAS's default.
    public static var threadTimeout: Int? {
        guard let value = getenv("OPENBLAS_THREAD_TIMEOUT") else { return nil }
        return Int(String(cString: value))
    }

    /// C = alpha * op(A) * op(B) + beta * C, all row-major.
    /// op(A) is m×k, op(B) is k×n, C is m×n; lda/ldb/ldc are row strides of the stored matrices.
    @inline(__always)
    public static func sgemm(transA: Bool = false, transB: Bool = false,
                             m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
