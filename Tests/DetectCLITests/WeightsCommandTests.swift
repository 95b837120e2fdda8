import Foundation
import XCTest

/// End-to-end: `detect weights list` and `detect weights import` on the small
/// checkpoints of Tests/WeightFormatsTests/Fixtures/torch (make_checkpoints.py).
final class WeightsCommandTests: XCTestCase {
    static let fixtures: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("WeightFormatsTests/Fixtures/torch").path
    }()

    struct Expected: Decodable {
        struct Entry: Decodable { let name: String, shape: [Int], dtype: String, values: [Double] }
        let tensors: [Entry]
    }

    func testListPrintsEveryTensorSortedWithATotal() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/expected.json")))
        for file in ["small_zip.pt", "small_legacy.pt"] {
            let list = try DetectBinary.run(["weights", "list", Self.fixtures + "/" + file, "--json"], in: dir)
            XCTAssertEqual(list.status, 0, list.stderr)
            let lines = list.stdout.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, expected.tensors.count + 2, list.stdout)
            // One line per tensor, sorted by name: name, shape, dtype.
            for (line, e) in zip(lines, expected.tensors) {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                XCTAssertEqual(fields.first, e.name, line)
                XCTAssertEqual(fields.last, e.dtype, line)
                XCTAssertTrue(line.contains("[" + e.shape.map(String.init).joined(separator: ", ") + "]"), line)
            }
            XCTAssertTrue(lines[expected.tensors.count].hasPrefix("\(expected.tensors.count) tensors"), lines[expected.tensors.count])
            let json = try XCTUnwrap(list.json)
            XCTAssertEqual(json["count"] as? Int, expected.tensors.count)
            XCTAssertEqual(json["format"] as? String, file == "small_zip.pt" ? "torch-zip" : "torch-legacy")
            let tensors = try XCTUnwrap(json["tensors"] as? [[String: Any]])
            XCTAssertEqual(tensors.map { $0["name"] as? String }, expected.tensors.map(\.name))
            XCTAssertEqual(tensors.map { $0["shape"] as? [Int] }, expected.tensors.map(\.shape))
            XCTAssertEqual(tensors.map { $0["dtype"] as? String }, expected.tensors.map(\.dtype))
        }
    }

    func testImportWritesASafetensorsFileWithTheSameValues() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/expected.json")))
        let imported = try DetectBinary.run(["weights", "import", Self.fixtures + "/small_legacy.pt", "--out", "small.safetensors", "--json"], in: dir)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("Wrote \(expected.tensors.count) tensors"), imported.stdout)
        XCTAssertEqual(imported.json?["tensors"] as? Int, expected.tensors.count)

        // The file, parsed here by hand: every tensor F32 with torch's values.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/small.safetensors")))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(metadata["source"], "small_legacy.pt")
        XCTAssertTrue(metadata["source_dtypes"]?.contains("bn.num_batches_tracked=I64") ?? false, "\(metadata)")
        XCTAssertEqual(header.count, expected.tensors.count + 1)
        for e in expected.tensors {
            let entry = try XCTUnwrap(header[e.name] as? [String: Any], e.name)
            XCTAssertEqual(entry["dtype"] as? String, "F32")
            XCTAssertEqual(entry["shape"] as? [Int], e.shape, e.name)
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            let data = Array(bytes[(8 + n + offsets[0])..<(8 + n + offsets[1])])
            let values = stride(from: 0, to: data.count, by: 4).map { i in
                Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
            }
            XCTAssertEqual(values.map(\.bitPattern), e.values.map { Float($0).bitPattern }, e.name)
        }

        // Listed back: the same names and shapes, all F32 now.
        let list = try DetectBinary.run(["weights", "list", "small.safetensors", "--json"], in: dir)
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertEqual(list.json?["format"] as? String, "safetensors")
        let tensors = try XCTUnwrap(list.json?["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.map { $0["name"] as? String }, expected.tensors.map(\.name))
        XCTAssertEqual(tensors.map { $0["shape"] as? [Int] }, expected.tensors.map(\.shape))
        XCTAssertEqual(Set(tensors.compactMap { $0["dtype"] as? String }), ["F32"])
    }

    func testMaliciousAndBrokenCheckpointsFailWithAMessage() throws {
        let dir = try Fixture.temporaryDirectory(self)
        let evil = try DetectBinary.run(["weights", "import", Self.fixtures + "/evil.pt", "--out", "evil.safetensors"], in: dir)
        XCTAssertNotEqual(evil.status, 0)
        XCTAssertTrue(evil.stderr.contains("refuses global 'os.system'"), evil.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/evil.safetensors"))

        let deflated = try DetectBinary.run(["weights", "list", Self.fixtures + "/deflated.pt"], in: dir)
        XCTAssertNotEqual(deflated.status, 0)
        XCTAssertTrue(deflated.stderr.contains("deflate"), deflated.stderr)

        let text = dir + "/notes.txt"
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: text))
        let garbage = try DetectBinary.run(["weights", "list", text], in: dir)
        XCTAssertNotEqual(garbage.status, 0)
        XCTAssertTrue(garbage.stderr.contains("notes.txt"), garbage.stderr)

        let unknown = try DetectBinary.run(["weights", "fetch", "resnet50"], in: dir)
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("mobilenet_v2"), unknown.stderr)
    }

    func testEveryWeightsCommandHasHelp() throws {
        let dir = try Fixture.temporaryDirectory(self)
        for sub in ["import", "list", "fetch"] {
            let help = try DetectBinary.run(["weights", sub, "--help"], in: dir)
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertTrue(help.stdout.contains("USAGE: detect weights \(sub)"), help.stdout)
        }
        let group = try DetectBinary.run(["weights", "--help"], in: dir)
        for sub in ["import", "list", "fetch"] { XCTAssertTrue(group.stdout.contains(sub), group.stdout) }
    }
}
