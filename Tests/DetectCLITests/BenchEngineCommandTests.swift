import Foundation
import XCTest

/// Runs the built `detect` executable: the BLAS kernel choice happens at process
/// start, so only a real process shows it.
final class BenchEngineCommandTests: XCTestCase {
    private func detectBinary() throws -> URL {
        let dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let exe = dir.appendingPathComponent("detect")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw XCTSkip("detect executable not built next to the tests (\(exe.path))")
        }
        return exe
    }

    private func run(_ args: [String], environment: [String: String?]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = try detectBinary()
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    private func lastJSON(_ output: String) throws -> [String: Any] {
        let last = try XCTUnwrap(output.split(separator: "\n").last)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "not a JSON object: \(last)")
    }

    func testJSONFieldsAndAutomaticKernelChoice() throws {
        let r = try run(["bench", "engine", "--json", "--repeats", "1", "--gemm-size", "128"],
                        environment: ["OPENBLAS_CORETYPE": nil, "OPENBLAS_THREAD_TIMEOUT": nil,
                                      "DETECT_BLAS_REEXECUTED": nil])
        XCTAssertEqual(r.status, 0, r.output)
        let j = try lastJSON(r.output)
        XCTAssertGreaterThan(try XCTUnwrap(j["sgemm_gflops"] as? Double), 0)
        let layers = try XCTUnwrap(j["layers"] as? [[String: Any]])
        let names = layers.compactMap { $0["name"] as? String }
        XCTAssertTrue(names.contains("conv3x3 64->64 @160x120"), "\(names)")
        XCTAssertTrue(names.contains("conv3x3 256->256 @40x30"), "\(names)")
        XCTAssertTrue(names.contains { $0.hasPrefix("conv1x1 ") })
        for l in layers {
            for key in ["forward_gflops", "backward_gflops", "forward_percent_of_peak"] {
                XCTAssertGreaterThan(try XCTUnwrap(l[key] as? Double, key), 0)
            }
        }
        XCTAssertGreaterThan(try XCTUnwrap(j["backbone_forward_backward_ms"] as? Double), 0)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(j["threads"] as? Int), 1)
        let core = try XCTUnwrap(j["blas_core"] as? String)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        if cpuinfo.contains("avx512bw") && cpuinfo.contains("avx512vl") && cpuinfo.contains("avx512dq") {
            XCTAssertEqual(core, "SkylakeX", "AVX-512 CPU without OPENBLAS_CORETYPE must get the SkylakeX kernel")
        }
        // OpenBLAS's idle threads must not spin for its default 0.1 s between products.
        XCTAssertEqual(j["blas_thread_timeout"] as? Int, 16)
    }

    func testUserChosenKernelIsRespected() throws {
        let r = try run(["bench", "engine", "--json", "--repeats", "1", "--gemm-size", "128"],
                        environment: ["OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_THREAD_TIMEOUT": "20",
                                      "DETECT_BLAS_REEXECUTED": nil])
        XCTAssertEqual(r.status, 0, r.output)
        let j = try lastJSON(r.output)
        XCTAssertEqual(j["blas_core"] as? String, "Haswell")
        XCTAssertEqual(j["blas_thread_timeout"] as? Int, 20)
    }
}
