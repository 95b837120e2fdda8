import Foundation
import XCTest
import TestSupport
@testable import NeuralNet
@testable import WeightFormats

private typealias S = FixtureFiles

final class SafeTensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    // MARK: round trip and foreign files

    func testRoundTripKeepsValuesShapesAndMetadata() throws {
        var rng = SeededGenerator(seed: 5)
        let tensors: [String: Tensor] = [
            "backbone.body.conv1.weight": try Initialisation.kaimingNormal(shape: [8, 3, 7, 7], using: &rng),
            "roi_heads.box_head.fc6.bias": Tensor(shape: [5], data: [0, -0.0, .infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]),
            "scalar": Tensor(shape: [], data: [42]),
            "empty": Tensor(zeros: [0, 3]),
            "odd \"name\"\n✓": Tensor(shape: [1], data: [1]),
        ]
        let metadata = ["format": "pt", "note": "quotes \" backslash \\ tab \t bell \u{7} ünïcode"]
        let file = path("model.safetensors")
        try SafeTensors.save(tensors, metadata: metadata, to: file)

        let back = try SafeTensors.read(path: file)
        XCTAssertEqual(back.metadata, metadata)
        XCTAssertEqual(try SafeTensors.metadata(path: file), metadata, "the header alone gives the same metadata")
        XCTAssertEqual(Set(back.tensors.keys), Set(tensors.keys))
        for (name, t) in tensors {
            let b = try XCTUnwrap(back.tensors[name])
            XCTAssertEqual(b.shape, t.shape, name)
            XCTAssertEqual(b.data.map(\.bitPattern), t.data.map(\.bitPattern), name)
            XCTAssertEqual(back.dtypes[name], .f32)
        }

        // Layout: 8-byte length, header padded with spaces to 8 bytes, F32 data.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + 4 * tensors.values.reduce(0) { $0 + $1.count })
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        let entry = try XCTUnwrap(header["backbone.body.conv1.weight"] as? [String: Any])
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        XCTAssertEqual(FixtureJSON.ints(entry["shape"]), [8, 3, 7, 7])

        NaNCheck: do {
            let nan = try SafeTensors.decode(SafeTensors.encode(["x": Tensor(shape: [1], data: [.nan])]))
            XCTAssert(nan.tensors["x"]!.data[0].isNaN)
        }
    }

    func testLoadsFileWrittenWithPyTorchConventions() throws {
        let file = try S.fixtureURL("torchvision_style.safetensors").path
        let expected = try S.json("torchvision_style_expected.json")
        let contents = try SafeTensors.read(path: file)
        XCTAssertEqual(contents.metadata, expected["__metadata__"] as? [String: String])
        XCTAssertEqual(contents.tensors.count, expected.count - 1)
        for (name, value) in expected where name != "__metadata__" {
            let e = value as! [String: Any]
            let t = try XCTUnwrap(contents.tensors[name], name)
            XCTAssertEqual(t.shape, FixtureJSON.ints(e["shape"]), name)
            XCTAssertEqual(contents.dtypes[name]?.rawValue, e["dtype"] as? String, name)
            // F16 and BF16 widen exactly, so the values must match bit for bit.
            XCTAssertEqual(t.data, FixtureJSON.floats(e["values"]), name)
        }
        XCTAssertEqual(contents.tensors["backbone.body.bn1.num_batches_tracked"]?.data, [12345])
    }

    func testHalfPrecisionConversion() {
        XCTAssertEqual(SafeTensors.halfToFloat(0x3C00), 1)
        XCTAssertEqual(SafeTensors.halfToFloat(0xC000), -2)
        XCTAssertEqual(SafeTensors.halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(SafeTensors.halfToFloat(0x0001), 0x1.0p-24, "smallest subnormal")
        XCTAssertEqual(SafeTensors.halfToFloat(0x0400), 0x1.0p-14, "smallest normal")
        XCTAssertEqual(SafeTensors.halfToFloat(0x7C00), .infinity)
        XCTAssertEqual(SafeTensors.halfToFloat(0xFC00), -.infinity)
        XCTAssert(SafeTensors.halfToFloat(0x7E00).isNaN)
        XCTAssertEqual(SafeTensors.halfToFloat(0x8000).bitPattern, (-0.0 as Float).bitPattern)
    }

    // MARK: parameters by name

    func testStateDictSaveAndLoadIntoParameters() throws {
        var rng = SeededGenerator(seed: 11)
        let source = [Parameter(name: "features.0.weight", value: try Initialisation.kaimingNormal(shape: [4, 3, 3, 3], using: &rng)),
                      Parameter(name: "features.0.bias", value: Tensor(shape: [4], data: [1, 2, 3, 4]), decay: false)]
        let file = path("params.safetensors")
        try StateDict.save(source, to: file, metadata: ["epochs": "3"])

        let target = [Parameter(name: "features.0.weight", value: Tensor(zeros: [4, 3, 3, 3])),
                      Parameter(name: "features.0.bias", value: Tensor(zeros: [4]))]
        let report = try StateDict.load(path: file, into: target)
        XCTAssert(report.isExactMatch)
        XCTAssertEqual(report.loaded.sorted(), ["features.0.bias", "features.0.weight"])
        XCTAssertEqual(target[0].value, source[0].value)
        XCTAssertEqual(target[1].value, source[1].value)
    }

    func testStateDictReportsMissingUnexpectedAndMisshapedKeys() throws {
        let file = path("other.safetensors")
        try SafeTensors.save(["a": Tensor(shape: [2], data: [1, 2]), "b": Tensor(shape: [3], data: [1, 2, 3]),
                              "extra": Tensor(shape: [1], data: [9])], to: file)
        let params = [Parameter(name: "a", value: Tensor(zeros: [2])), Parameter(name: "b", value: Tensor(zeros: [4])),
                      Parameter(name: "c", value: Tensor(zeros: [1]))]

        // Strict: throws, names the file and every problem, and changes nothing.
        XCTAssertThrowsError(try StateDict.load(path: file, into: params)) { error in
            guard let mismatch = error as? StateDictMismatch else { return XCTFail("\(error)") }
            let report = mismatch.report
            XCTAssertEqual(mismatch.path, file)
            XCTAssertEqual(report.missing, ["c"])
            XCTAssertEqual(report.unexpected, ["extra"])
            XCTAssertEqual(report.shapeMismatches, [.init(name: "b", expected: [4], found: [3])])
            let text = "\(error)"
            XCTAssert(text.contains(file) && text.contains("extra") && text.contains("missing"), text)
        }
        XCTAssertEqual(params[0].value.data, [0, 0])

        // Lenient: loads what matches, reports the rest.
        let report = try StateDict.load(path: file, into: params, strict: false)
        XCTAssertEqual(report.loaded, ["a"])
        XCTAssertEqual(params[0].value.data, [1, 2])
        XCTAssertEqual(params[1].value.data, [0, 0, 0, 0])
        XCTAssertEqual(report.missing, ["c"])

        XCTAssertThrowsError(try StateDict.save([params[0], Parameter(name: "a", value: Tensor(zeros: [1]))], to: path("dup")))
    }

    // MARK: malformed files: each rejected with an error naming the file

    /// Writes an 8-byte length + header + data; `declaredLength` overrides the length field.
    private func write(_ name: String, header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) throws -> String {
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (declaredLength ?? UInt64(h.count)).littleEndian) { Array($0) }
        bytes += h + data
        let file = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    private func assertRejected(_ file: String, mentioning words: [String], file sourceFile: StaticString = #filePath,
                                line: UInt = #line, matches: (SafeTensorsError) -> Bool) {
        XCTAssertThrowsError(try SafeTensors.read(path: file), file: sourceFile, line: line) { error in
            guard let e = error as? SafeTensorsError else { return XCTFail("not a SafeTensorsError: \(error)", file: sourceFile, line: line) }
            XCTAssert(matches(e), "unexpected error case: \(e)", file: sourceFile, line: line)
            let text = e.description
            XCTAssert(text.contains(file), "error does not name the file: \(text)", file: sourceFile, line: line)
            for w in words { XCTAssert(text.contains(w), "error '\(text)' lacks '\(w)'", file: sourceFile, line: line) }
        }
    }

    private let fourFloats = [UInt8](repeating: 0, count: 16)

    func testRejectsFileShorterThanTheLengthPrefix() throws {
        let file = path("short.safetensors")
        try Data([1, 0, 0]).write(to: URL(fileURLWithPath: file))
        assertRejected(file, mentioning: ["8-byte"]) { if case .truncated = $0 { true } else { false } }
    }

    func testRejectsHeaderLengthPastTheEnd() throws {
        let file = try write("past.safetensors", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                             data: [0, 0, 0, 0], declaredLength: 1 << 40)
        assertRejected(file, mentioning: ["header length"]) { if case .truncated = $0 { true } else { false } }
        // A length that fits in UInt64 but not in Int must not trap either.
        let huge = try write("huge.safetensors", header: "{}", declaredLength: UInt64.max)
        assertRejected(huge, mentioning: []) { if case .truncated = $0 { true } else { false } }
    }

    func testRejectsInvalidJSON() throws {
        let file = try write("json.safetensors", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]"#, data: [0, 0, 0, 0])
        assertRejected(file, mentioning: ["JSON"]) { if case .invalidHeader = $0 { true } else { false } }
        let notObject = try write("array.safetensors", header: "[1, 2]")
        assertRejected(notObject, mentioning: ["not an object"]) { if case .invalidHeader = $0 { true } else { false } }
        let badUTF8 = path("utf8.safetensors")
        try Data([2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: badUTF8))
        assertRejected(badUTF8, mentioning: []) { if case .invalidHeader = $0 { true } else { false } }
    }

    func testRejectsMalformedEntries() throws {
        let noOffsets = try write("nooff.safetensors", header: #"{"a":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0])
        assertRejected(noOffsets, mentioning: ["data_offsets"]) { if case .invalidHeader = $0 { true } else { false } }
        let negative = try write("neg.safetensors", header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0])
        assertRejected(negative, mentioning: ["shape"]) { if case .invalidHeader = $0 { true } else { false } }
        let fractional = try write("frac.safetensors", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}"#, data: [0, 0, 0, 0])
        assertRejected(fractional, mentioning: ["data_offsets"]) { if case .invalidHeader = $0 { true } else { false } }
        let metadata = try write("meta.safetensors", header: #"{"__metadata__":{"epochs":3}}"#)
        assertRejected(metadata, mentioning: ["__metadata__"]) { if case .invalidHeader = $0 { true } else { false } }
    }

    func testRejectsOffsetsOutOfRange() throws {
        let file = try write("range.safetensors", header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}"#,
                             data: fourFloats)
        assertRejected(file, mentioning: ["'b'", "[16, 20]"]) { if case .offsetsOutOfRange = $0 { true } else { false } }
        let reversed = try write("reversed.safetensors", header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}"#, data: fourFloats)
        assertRejected(reversed, mentioning: ["'a'"]) { if case .offsetsOutOfRange = $0 { true } else { false } }
    }

    func testRejectsOverlappingTensors() throws {
        let file = try write("overlap.safetensors", header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
                             data: fourFloats)
        assertRejected(file, mentioning: ["'a'", "'b'", "overlapping"]) { if case .overlappingTensors = $0 { true } else { false } }
    }

    func testRejectsDataNotCoveredByTensors() throws {
        let gap = try write("gap.safetensors", header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
                            data: fourFloats)
        assertRejected(gap, mentioning: ["4..<8"]) { if case .uncoveredData = $0 { true } else { false } }
        let trailing = try write("trailing.safetensors", header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, data: fourFloats)
        assertRejected(trailing, mentioning: ["12", "16"]) { if case .uncoveredData = $0 { true } else { false } }
    }

    func testRejectsShapeThatDoesNotMatchByteLength() throws {
        let file = try write("size.safetensors", header: #"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#, data: fourFloats)
        assertRejected(file, mentioning: ["'a'", "[2, 3]", "16 bytes"]) { if case .sizeMismatch = $0 { true } else { false } }
        let f16 = try write("size16.safetensors", header: #"{"a":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}}"#, data: fourFloats)
        assertRejected(f16, mentioning: ["F16"]) { if case .sizeMismatch = $0 { true } else { false } }
        let overflow = try write("overflow.safetensors", header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#, data: fourFloats)
        assertRejected(overflow, mentioning: ["'a'"]) { if case .sizeMismatch = $0 { true } else { false } }
    }

    func testRejectsUnknownDType() throws {
        let file = try write("dtype.safetensors", header: #"{"a":{"dtype":"F12","shape":[4],"data_offsets":[0,16]}}"#, data: fourFloats)
        assertRejected(file, mentioning: ["'a'", "F12"]) { if case .unknownDType = $0 { true } else { false } }
    }

    func testRejectsMissingFile() {
        let file = path("does-not-exist.safetensors")
        assertRejected(file, mentioning: []) { if case .unreadable = $0 { true } else { false } }
    }
}
