import Foundation
import XCTest
import TestSupport
@testable import NeuralNet

final class SgemmTests: XCTestCase {
    /// Row-major C = op(A)·op(B) + beta·C in Double.
    private func naive(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: [Float], _ b: [Float],
                       beta: Float, _ c: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = Float(s + Double(beta) * Double(c[i * n + j]))
            }
        }
        return out
    }

    /// Sizes with odd remainders exercise the kernels' edge paths; 97×131×67 is large
    /// enough for OpenBLAS to use its packed (and threaded) path.
    func testSgemmMatchesNaiveReference() throws {
        var rnd = TestRandom(seed: 80)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 33, 9), (97, 131, 67), (64, 200, 300)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = rnd.tensor([m * k]).data, b = rnd.tensor([k * n]).data
                var c = rnd.tensor([m * n]).data
                let expected = naive(ta, tb, m, n, k, a, b, beta: 0.5, c)
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        c.withUnsafeMutableBufferPointer { cp in
                            BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, a: ap.baseAddress!, lda: ta ? m : k,
                                       b: bp.baseAddress!, ldb: tb ? k : n, beta: 0.5, c: cp.baseAddress!, ldc: n)
                        }
                    }
                }
                assertClose(c, expected, tolerance: 1e-4 * Float(k).squareRoot(), "sgemm \(m)x\(n)x\(k) tA=\(ta) tB=\(tb) core \(BLAS.coreName)")
            }
        }
    }

    /// OpenBLAS picks its kernel when it loads, so the SkylakeX kernel can only be
    /// tested in a fresh process: rerun this test binary on the reference test with
    /// OPENBLAS_CORETYPE=SkylakeX and check that it used that kernel and passed.
    func testSgemmCorrectUnderSkylakeXKernel() throws {
        if ProcessInfo.processInfo.environment["NEURALNET_CORETYPE_CHILD"] != nil {
            throw XCTSkip("already the child process")
        }
        guard BLAS.preferredCoreType == "SkylakeX" else { throw XCTSkip("CPU has no AVX-512") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["NeuralNetTests.SgemmTests/testSgemmMatchesNaiveReference"]
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
        env["OPENBLAS_VERBOSE"] = "2"
        env["NEURALNET_CORETYPE_CHILD"] = "1"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.lowercased().contains("skylakex"), "child did not report the SkylakeX core:\n\(out)")
        XCTAssertTrue(out.contains("Executed 1 test, with 0 failures"), out)
    }

    func testCoreNameAndThreads() {
        XCTAssertFalse(BLAS.coreName.isEmpty)
        XCTAssertGreaterThanOrEqual(BLAS.threads, 1)
    }
}
