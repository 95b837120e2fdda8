import Foundation
import InputFiles
import JSONText
import NeuralNet

/// Reading and writing the safetensors format: an 8-byte little-endian header
/// length N, N bytes of JSON header mapping each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the
/// data region that follows) plus an optional `"__metadata__"` string map, then
/// the raw little-endian tensor bytes.
///
/// Loading converts every supported dtype to float32 and validates the whole
/// header before touching the data, so a malformed file is rejected with an
/// error naming the file and the problem and is never read out of bounds.
public enum SafeTensors {
    /// Element types a file may declare. Floating types convert exactly (F16,
    /// BF16) or by rounding (F64); integer and boolean types (e.g. BatchNorm's
    /// I64 `num_batches_tracked` in torchvision state dicts) convert to their value.
    public enum DType: String, CaseIterable, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"

        public var byteSize: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// The tensors of a file and its `__metadata__` map.
    public struct Contents: Sendable, Equatable {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
        /// The dtype each tensor had in the file, before conversion to float32.
        public var dtypes: [String: DType]

        public init(tensors: [String: Tensor], metadata: [String: String] = [:], dtypes: [String: DType] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
            self.dtypes = dtypes
        }
    }

    /// Headers larger than this are refused outright (the reference reader's limit).
    public static let maximumHeaderBytes = 100_000_000

    // MARK: load

    public static func load(path: String) throws -> [String: Tensor] {
        try read(path: path).tensors
    }

    public static func read(path: String) throws -> Contents {
        let data: Data
        do { data = try WeightsFile.mapped(path) } catch let error as InputFileError {
            throw SafeTensorsError.unreadable(path: path, reason: error.reason)
        }
        return try decode(data, path: path)
    }

    /// A file's `__metadata__` alone: the header is parsed and checked, no
    /// tensor is converted (what a report needs of a model).
    public static func metadata(path: String) throws -> [String: String] {
        let data: Data
        do { data = try WeightsFile.mapped(path) } catch let error as InputFileError {
            throw SafeTensorsError.unreadable(path: path, reason: error.reason)
        }
        return try data.withUnsafeBytes { raw in try header(raw, path: path).metadata }
    }

    /// Parses a whole file held in memory; `path` is only used in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> Contents {
        try data.withUnsafeBytes { raw in try decode(raw, path: path) }
    }

    private struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// The header's entries (validated against the data that follows) and
    /// metadata, and where the data starts.
    private static func header(_ raw: UnsafeRawBufferPointer, path: String) throws
        -> (entries: [Entry], metadata: [String: String], dataStart: Int) {
        guard raw.count >= 8 else {
            throw SafeTensorsError.truncated(path: path, reason: "\(raw.count) bytes, shorter than the 8-byte header length")
        }
        let declared = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let available = UInt64(raw.count - 8)
        guard declared <= available else {
            throw SafeTensorsError.truncated(path: path, reason: "header length \(declared) runs past the end of the file (\(available) bytes follow the length)")
        }
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw SafeTensorsError.invalidHeader(path: path, reason: "header length \(declared) exceeds the \(maximumHeaderBytes)-byte limit")
        }
        let headerBytes = Int(declared)
        let headerData = Data(UnsafeRawBufferPointer(rebasing: raw[8..<(8 + headerBytes)]))
        let dataStart = 8 + headerBytes
        let dataBytes = raw.count - dataStart

        let (entries, metadata) = try parseHeader(headerData, path: path)
        try validate(entries, dataBytes: dataBytes, path: path)
        return (entries, metadata, dataStart)
    }

    private static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws -> Contents {
        let (entries, metadata, dataStart) = try header(raw, path: path)
        var tensors: [String: Tensor] = [:]
        var dtypes: [String: DType] = [:]
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + e.begin)..<(dataStart + e.end)])
            tensors[e.name] = Tensor(shape: e.shape, data: convert(bytes, e.dtype))
            dtypes[e.name] = e.dtype
        }
        return Contents(tensors: tensors, metadata: metadata, dtypes: dtypes)
    }

    /// A JSON value as decoded, so that integers, fractions and booleans stay distinct.
    private enum JSONValue: Decodable {
        case null, bool(Bool), int(Int), double(Double), string(String)
        case array([JSONValue]), object([String: JSONValue])

        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
            else { self = .object(try c.decode([String: JSONValue].self)) }
        }

        /// Exact integers only: booleans and fractional numbers are refused.
        var integers: [Int]? {
            guard case let .array(items) = self else { return nil }
            var out: [Int] = []
            for item in items {
                guard case let .int(i) = item else { return nil }
                out.append(i)
            }
            return out
        }
    }

    private static func parseHeader(_ header: Data, path: String) throws -> ([Entry], [String: String]) {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: header)
        } catch {
            throw SafeTensorsError.invalidHeader(path: path, reason: "not valid JSON (\(error))")
        }
        guard case let .object(dict) = root else {
            throw SafeTensorsError.invalidHeader(path: path, reason: "the JSON header is not an object")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in dict.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                if case .null = value { continue }
                guard case let .object(map) = value else {
                    throw SafeTensorsError.invalidHeader(path: path, reason: "__metadata__ is not an object of strings")
                }
                for (k, v) in map {
                    guard case let .string(s) = v else {
                        throw SafeTensorsError.invalidHeader(path: path, reason: "__metadata__ value for '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            guard case let .object(fields) = value else {
                throw SafeTensorsError.invalidHeader(path: path, reason: "entry '\(name)' is not an object")
            }
            guard case let .string(dtypeName)? = fields["dtype"] else {
                throw SafeTensorsError.invalidHeader(path: path, reason: "tensor '\(name)' has no string 'dtype'")
            }
            guard let shape = fields["shape"]?.integers, shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError.invalidHeader(path: path, reason: "tensor '\(name)' has no 'shape' list of non-negative integers")
            }
            guard let off = fields["data_offsets"]?.integers, off.count == 2, off[0] >= 0, off[1] >= 0 else {
                throw SafeTensorsError.invalidHeader(path: path, reason: "tensor '\(name)' has no 'data_offsets' pair of non-negative integers")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw SafeTensorsError.unknownDType(path: path, tensor: name, dtype: dtypeName)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: off[0], end: off[1]))
        }
        return (entries, metadata)
    }

    private static func validate(_ entries: [Entry], dataBytes: Int, path: String) throws {
        for e in entries {
            guard e.begin <= e.end, e.end <= dataBytes else {
                throw SafeTensorsError.offsetsOutOfRange(path: path, tensor: e.name, begin: e.begin, end: e.end, dataBytes: dataBytes)
            }
            var elements = 1
            for d in e.shape {
                let (p, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else {
                    throw SafeTensorsError.sizeMismatch(path: path, tensor: e.name, shape: e.shape, dtype: e.dtype.rawValue, bytes: e.end - e.begin)
                }
                elements = p
            }
            let (needed, overflow) = elements.multipliedReportingOverflow(by: e.dtype.byteSize)
            guard !overflow, needed == e.end - e.begin else {
                throw SafeTensorsError.sizeMismatch(path: path, tensor: e.name, shape: e.shape, dtype: e.dtype.rawValue, bytes: e.end - e.begin)
            }
        }
        // Sorted by start, the ranges must tile the data region exactly.
        let sorted = entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var covered = 0
        var previous: String?
        for e in sorted {
            if e.begin < covered, let p = previous {
                throw SafeTensorsError.overlappingTensors(path: path, first: p, second: e.name)
            }
            if e.begin > covered {
                throw SafeTensorsError.uncoveredData(path: path, reason: "bytes \(covered)..<\(e.begin) before tensor '\(e.name)' belong to no tensor")
            }
            covered = e.end
            previous = e.name
        }
        if covered != dataBytes {
            throw SafeTensorsError.uncoveredData(path: path, reason: "tensors end at byte \(covered) of a \(dataBytes)-byte data region")
        }
    }

    private static func convert(_ bytes: UnsafeRawBufferPointer, _ dtype: DType) -> [Float] {
        let n = bytes.count / dtype.byteSize
        return [Float](unsafeUninitializedCapacity: n) { out, initialised in
            @inline(__always) func fill<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) {
                for i in 0..<n {
                    out[i] = f(T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)))
                }
            }
            switch dtype {
            case .f32: fill(UInt32.self) { Float(bitPattern: $0) }
            case .f64: fill(UInt64.self) { Float(Double(bitPattern: $0)) }
            case .f16: fill(UInt16.self) { halfToFloat($0) }
            case .bf16: fill(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
            case .i64: fill(Int64.self) { Float($0) }
            case .i32: fill(Int32.self) { Float($0) }
            case .i16: fill(Int16.self) { Float($0) }
            case .i8: fill(Int8.self) { Float($0) }
            case .u64: fill(UInt64.self) { Float($0) }
            case .u32: fill(UInt32.self) { Float($0) }
            case .u16: fill(UInt16.self) { Float($0) }
            case .u8: fill(UInt8.self) { Float($0) }
            case .bool: fill(UInt8.self) { $0 != 0 ? 1 : 0 }
            }
            initialised = n
        }
    }

    /// IEEE 754 binary16 → binary32, exact for every value including
    /// subnormals, infinities and NaNs (done by hand: `Float16` is not
    /// available on every platform Swift targets).
    @inline(__always)
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Subnormal (or zero): mantissa · 2⁻²⁴.
            let magnitude = Float(mantissa) * 0x1.0p-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
    }

    // MARK: save

    /// Writes `tensors` as F32, sorted by name, with an optional `__metadata__`
    /// map; the header is padded with spaces to a multiple of 8 bytes, as the
    /// reference writer does, so the data region stays aligned.
    public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        let data = try encode(tensors, metadata: metadata, path: path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SafeTensorsError.unwritable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:], path: String = "<memory>") throws -> Data {
        let names = tensors.keys.sorted()
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            guard name != "__metadata__", !name.isEmpty else {
                throw SafeTensorsError.invalidTensor(path: path, tensor: name, reason: "reserved or empty tensor name")
            }
            let t = tensors[name]!
            let end = offset + t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONText.string(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var out = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            let t = tensors[name]!
            var bits = [UInt32](unsafeUninitializedCapacity: t.count) { buf, n in
                t.withUnsafeBufferPointer { src in
                    for i in 0..<src.count { buf[i] = src[i].bitPattern.littleEndian }
                }
                n = t.count
            }
            bits.withUnsafeMutableBytes { out.append(contentsOf: $0) }
        }
        return out
    }
}
