import Foundation
import XCTest
@testable import NeuralNet
@testable import WeightFormats

/// PyTorch checkpoints read without Python, against the small checkpoints
/// Fixtures/torch/make_checkpoints.py writes with torch.save and against
/// torchvision's real MobileNetV2 checkpoint (scripts/fetch-weights).
final class TorchCheckpointTests: XCTestCase {
    struct Expected: Decodable {
        struct Entry: Decodable {
            let name: String, shape: [Int], dtype: String, values: [Double]
        }
        let tensors: [Entry]
    }

    static func fixture(_ name: String) throws -> String {
        try FixtureFiles.fixtureURL("torch/" + name).path
    }

    static func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: fixture("expected.json"))))
    }

    private func assertMatchesTorch(_ file: String, line: UInt = #line) throws {
        let contents = try TorchCheckpoint.read(path: Self.fixture(file))
        let expected = try Self.expected()
        XCTAssertEqual(contents.tensors.keys.sorted(), expected.tensors.map(\.name), file, line: line)
        for e in expected.tensors {
            let t = try XCTUnwrap(contents.tensors[e.name], "\(file): \(e.name)", line: line)
            XCTAssertEqual(t.shape, e.shape, "\(file): \(e.name)", line: line)
            XCTAssertEqual(contents.dtypes[e.name]?.rawValue, e.dtype, "\(file): \(e.name)", line: line)
            // Every value is a float32 in the JSON: equal bit for bit.
            XCTAssertEqual(t.data.map(\.bitPattern), e.values.map { Float($0).bitPattern }, "\(file): \(e.name)", line: line)
        }
        XCTAssertEqual(contents.metadata["format"], "pt", line: line)
    }

    // MARK: both formats

    func testZipCheckpointEqualsTorch() throws {
        try assertMatchesTorch("small_zip.pt")
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("small_zip.pt")))
        XCTAssertEqual(TorchCheckpoint.format(of: data), .zip)
    }

    func testLegacyCheckpointEqualsTorch() throws {
        // torch's default pickle protocol 2, and protocol 4 (frames, STACK_GLOBAL, MEMOIZE).
        for file in ["small_legacy.pt", "small_legacy_p4.pt"] {
            try assertMatchesTorch(file)
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(file)))
            XCTAssertEqual(TorchCheckpoint.format(of: data), .legacy)
        }
    }

    func testZip64ArchiveEqualsTorch() throws {
        try assertMatchesTorch("small_zip64.pt")
    }

    func testViewsKeepTheirOwnValues() throws {
        // The transposed view, the row slice and the column share `base`'s storage.
        let c = try TorchCheckpoint.read(path: Self.fixture("small_legacy.pt"))
        let base = try XCTUnwrap(c.tensors["base"])
        XCTAssertEqual(c.tensors["rows"]?.data, Array(base.data[6..<18]))
        XCTAssertEqual(c.tensors["column"]?.data, [2, 8, 14, 20].map { base.data[$0] })
        XCTAssertEqual(c.tensors["transposed"]?.shape, [6, 4])
        XCTAssertEqual(c.tensors["transposed"]?.data[1], base.data[6])
        XCTAssertEqual(c.tensors["expanded"]?.data, [2, 2, 2, -4, -4, -4])
        XCTAssertEqual(c.tensors["bn.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(c.tensors["bn.num_batches_tracked"]?.data, [12345])
        XCTAssertEqual(c.dtypes["bn.num_batches_tracked"], .i64)
        XCTAssertEqual(c.tensors["head.fc.bias"]?.data, [0.25])
    }

    // MARK: refusals

    func testMaliciousGlobalIsRefusedByName() throws {
        for file in ["evil.pt", "evil_legacy.pt"] {
            XCTAssertThrowsError(try TorchCheckpoint.read(path: Self.fixture(file)), file) { error in
                guard case let TorchCheckpointError.refusedGlobal(_, name) = error else {
                    return XCTFail("\(file): expected a refused global, got \(error)")
                }
                XCTAssertEqual(name, "os.system")
                let message = String(describing: error)
                XCTAssertTrue(message.contains("os.system") && message.contains(file), message)
                XCTAssertTrue(message.contains("never run code"), message)
            }
        }
    }

    func testCompressedEntriesAreRefusedClearly() throws {
        XCTAssertThrowsError(try TorchCheckpoint.read(path: Self.fixture("deflated.pt"))) { error in
            guard case TorchCheckpointError.unsupportedEntry = error else { return XCTFail("got \(error)") }
            XCTAssertTrue(String(describing: error).contains("deflate"), String(describing: error))
        }
    }

    func testZeroStrideBombIsRefusedWithoutAllocating() throws {
        XCTAssertThrowsError(try TorchCheckpoint.read(path: Self.fixture("bomb.pt"))) { error in
            guard case let TorchCheckpointError.invalidTensor(_, tensor, reason) = error else { return XCTFail("got \(error)") }
            XCTAssertEqual(tensor, "bomb")
            XCTAssertTrue(reason.contains("1099511627776"), reason)
        }
    }

    func testEveryTruncationThrows() throws {
        for file in ["small_zip.pt", "small_legacy.pt", "small_legacy_p4.pt", "small_zip64.pt", "evil.pt"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(file)))
            for length in 0..<bytes.count {
                XCTAssertThrowsError(try TorchCheckpoint.decode(bytes.prefix(length), path: file),
                                     "\(file) cut to \(length) bytes")
            }
        }
    }

    func testCorruptedBytesNeverCrash() throws {
        var rng = SystemRandomNumberGenerator()
        for file in ["small_zip.pt", "small_legacy.pt", "small_legacy_p4.pt", "small_zip64.pt"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixture(file))))
            // Every byte set to a few telling values, one at a time, then random multi-byte damage.
            for i in original.indices {
                for value: UInt8 in [0xFF, original[i] ^ 0x01] {
                    var damaged = original
                    damaged[i] = value
                    _ = try? TorchCheckpoint.decode(Data(damaged), path: file)
                }
            }
            for _ in 0..<300 {
                var damaged = original
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                _ = try? TorchCheckpoint.decode(Data(damaged), path: file)
            }
        }
        // Garbage with each format's opening bytes.
        for prefix: [UInt8] in [[], [0x50, 0x4B, 0x03, 0x04], [0x80, 0x02], [0x80, 0x02, 0x8A, 0x0A]] {
            for _ in 0..<200 {
                let tail = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertThrowsError(try TorchCheckpoint.decode(Data(prefix + tail), path: "garbage"))
            }
        }
    }

    /// A legacy stream: evil_legacy.pt's three header pickles, then `body`.
    private func legacy(_ body: [UInt8]) throws -> Data {
        let evil = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.fixture("evil_legacy.pt"))))
        // The object pickle is the only protocol-4 one.
        let start = try XCTUnwrap(evil.indices.dropLast().first { evil[$0] == 0x80 && evil[$0 + 1] == 0x04 })
        return Data(evil[0..<start] + body)
    }

    func testCraftedPicklesGiveErrors() throws {
        func expectError(_ body: [UInt8], _ words: [String], line: UInt = #line) throws {
            XCTAssertThrowsError(try TorchCheckpoint.decode(legacy(body), path: "crafted.pt"), line: line) { error in
                let message = String(describing: error)
                for w in words { XCTAssertTrue(message.contains(w), "\(message) lacks '\(w)'", line: line) }
            }
        }
        // A 4 GiB string length in a tiny file.
        try expectError([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x61], ["truncated", "runs past the end"])
        // An opcode outside the subset, named with its offset.
        try expectError([0x80, 0x02, 0x69, 0x6F, 0x73, 0x0A], ["INST", "0x69", "at byte"])
        try expectError([0x80, 0x02, 0x4C, 0x31, 0x0A, 0x2E], ["LONG"])
        // A missing memo entry, a stack underflow, a REDUCE on a string.
        try expectError([0x80, 0x02, 0x68, 0x05, 0x2E], ["memo entry 5"])
        try expectError([0x80, 0x02, 0x85, 0x2E], ["stack underflow"])
        try expectError([0x80, 0x02, 0x8C, 0x01, 0x41, 0x29, 0x52, 0x2E], ["REDUCE", "str"])
        // Other globals, even harmless-looking ones.
        for global in ["builtins\neval\n", "torch\nload\n", "collections\nnamedtuple\n", "numpy.core.multiarray\n_reconstruct\n"] {
            let name = global.split(separator: "\n").joined(separator: ".")
            try expectError([0x80, 0x02, 0x63] + Array(global.utf8) + [0x2E], ["refuses global '\(name)'"])
        }
        // Containers nested 100,000 deep: refused, not a stack overflow.
        try expectError([0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 100_000) + [0x2E], ["nested deeper"])
        try expectError([0x80, 0x02] + Array(repeating: [0x5D, 0x94], count: 50_000).flatMap { $0 }
                        + (0..<49_999).flatMap { _ in [0x61] } + [0x2E], ["nested deeper"])
        // A list that would contain itself.
        try expectError([0x80, 0x02, 0x5D, 0x94, 0x68, 0x00, 0x61, 0x2E], ["contain itself"])
        // No STOP.
        try expectError([0x80, 0x02, 0x7D], ["without a STOP"])
        // A dict with no tensors.
        try expectError([0x80, 0x02, 0x7D, 0x8C, 0x01, 0x61, 0x4B, 0x01, 0x73, 0x2E, 0x80, 0x02, 0x5D, 0x2E],
                        ["no state dict", "'a'"])
    }

    /// Issue 20: a 2 KB pickle whose dicts each hold the next one twice through
    /// memo references (depth 40, well under the nesting limit) would flatten
    /// to 2^40 paths; the reader stops at its entry bound, quickly.
    func testSharedDictChainIsRefusedQuickly() throws {
        let depth = 40
        var body: [UInt8] = [0x80, 0x02, 0x7D, 0x71, 0x00, 0x30]           // d0 = {}, memo 0, pop
        for i in 1...depth {
            body += [0x7D, 0x71, UInt8(i)]                                    // d_i = {}, memo i
            body += [0x8C, 0x01, 0x61, 0x68, UInt8(i - 1), 0x73]              // d_i['a'] = d_{i-1}
            body += [0x8C, 0x01, 0x62, 0x68, UInt8(i - 1), 0x73, 0x30]        // d_i['b'] = d_{i-1}, pop
        }
        body += [0x7D] + [0x8C, 0x0A] + Array("state_dict".utf8) + [0x68, UInt8(depth), 0x73, 0x2E]
        body += [0x80, 0x02, 0x5D, 0x2E]
        let data = try legacy(body)
        XCTAssertLessThan(data.count, 2048)
        let start = Date()
        XCTAssertThrowsError(try TorchCheckpoint.decode(data, path: "bomb.pt")) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("bomb.pt") && message.contains("visits more than \(TorchCheckpoint.maximumFlattenedEntries) entries"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    // MARK: torchvision's MobileNetV2

    /// models/imagenet/mobilenet_v2-b0353104.pth, which scripts/fetch-weights
    /// downloads (scripts/bootstrap runs it).
    static let mobileNetCheckpoint: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("models/imagenet/mobilenet_v2-b0353104.pth").path
    }()

    func testTorchvisionMobileNetV2Checkpoint() throws {
        let path = Self.mobileNetCheckpoint
        guard FileManager.default.fileExists(atPath: path) else {
            return XCTFail("\(path) is missing: run scripts/fetch-weights (scripts/bootstrap does) to download it")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(TorchCheckpoint.format(of: data), .legacy)
        let c = try TorchCheckpoint.decode(data, path: path)
        XCTAssertEqual(c.tensors.count, 314)
        XCTAssertEqual(c.dtypes.values.filter { $0 == .f32 }.count, 262)
        XCTAssertEqual(c.dtypes.values.filter { $0 == .i64 }.count, 52)
        XCTAssertEqual(c.tensors.values.reduce(0) { $0 + $1.count }, 3_539_036)

        let conv = try XCTUnwrap(c.tensors["features.0.0.weight"])
        XCTAssertEqual(conv.shape, [32, 3, 3, 3])
        XCTAssertEqual(Array(conv.data[0..<3]), [0.013185339979827404, -0.004321294371038675, 0.014823135919868946])
        let fc = try XCTUnwrap(c.tensors["classifier.1.weight"])
        XCTAssertEqual(fc.shape, [1000, 1280])
        XCTAssertEqual(fc.data[999 * 1280 + 1279], -0.02534809149801731)
        XCTAssertEqual(fc.data.reduce(0.0) { $0 + abs(Double($1)) }, 57579.96743079745, accuracy: 1e-3)
        let bias = try XCTUnwrap(c.tensors["classifier.1.bias"])
        XCTAssertEqual(bias.shape, [1000])
        XCTAssertEqual(bias.data.reduce(0.0) { $0 + Double($1) }, -0.00010184831626247615, accuracy: 1e-6)
        XCTAssertEqual(c.tensors["features.18.1.running_var"]?.data.suffix(2), [0.017865171656012535, 0.01962078921496868])
        XCTAssertEqual(c.tensors["features.1.conv.0.1.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(c.tensors["features.1.conv.0.1.num_batches_tracked"]?.data, [1431430])
        XCTAssertEqual(c.dtypes["features.1.conv.0.1.num_batches_tracked"], .i64)

        // Its safetensors copy reads back identical.
        let copy = try SafeTensors.decode(SafeTensors.encode(c.tensors, metadata: c.metadata))
        XCTAssertEqual(copy.tensors, c.tensors)
    }
}
