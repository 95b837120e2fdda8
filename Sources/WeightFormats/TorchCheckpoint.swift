import Foundation
import InputFiles
import JSONText
import NeuralNet

/// Reading the state dicts `torch.save` writes, without Python and without
/// running any code from the file.
///
/// Both of its formats are read:
/// - the zip archive (torch >= 1.6, the default): `<prefix>/data.pkl` is the
///   pickled object, whose persistent ids `('storage', StorageType, key,
///   location, numel)` name the entries `<prefix>/data/<key>` holding each
///   storage's raw little-endian bytes;
/// - the legacy stream (`_use_new_zipfile_serialization=False`, and every
///   checkpoint before torch 1.6): pickles of the magic number, the protocol
///   version (1001) and a `sys_info` dict, then the object, whose persistent
///   ids are `('storage', StorageType, root_key, location, numel,
///   view_metadata)`, then the list of storage keys, then for each key an
///   8-byte element count and the raw bytes.
///
/// The pickles go through `Unpickler`, which admits only `collections.OrderedDict`,
/// torch's tensor- and parameter-rebuilding functions and the storage types;
/// any other global is refused by name. Tensors are copied out row-major
/// (strides and storage offsets honoured, views of one storage each get their
/// own copy) and converted to float32; `Contents.dtypes` records each one's
/// dtype in the file. The state dict is the top-level dict when it holds
/// tensors, otherwise its `state_dict`, `model_state_dict` or `model` entry;
/// nested dicts inside it are flattened with dotted names and non-tensor values
/// (epoch counters, `_metadata`) are ignored.
public enum TorchCheckpoint {
    public enum Format: String, Sendable {
        case zip, legacy
    }

    /// Keys under which a training checkpoint keeps the model's state dict, in the order tried.
    public static let stateDictKeys = ["state_dict", "model_state_dict", "model"]

    public static func read(path: String) throws -> SafeTensors.Contents {
        let data: Data
        do { data = try WeightsFile.mapped(path) } catch let error as InputFileError {
            throw TorchCheckpointError.unreadable(path: path, reason: error.reason)
        }
        return try decode(data, path: path)
    }

    /// Parses a whole checkpoint held in memory; `path` is only used in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> SafeTensors.Contents {
        try data.withUnsafeBytes { raw in try decode(raw, path: path) }
    }

    /// Which of the two formats the bytes start like, or nil for neither.
    public static func format(of data: Data) -> Format? {
        data.withUnsafeBytes { raw in
            if ZipArchive.looksLikeZip(raw) { return .zip }
            // A legacy stream starts with a pickle (PROTO 2–5) of the magic number;
            // whether it is there is checked when the stream is read.
            if raw.count >= 2, raw[0] == 0x80, (2...5).contains(raw[1]) { return .legacy }
            return nil
        }
    }

    // MARK: storages and tensors as unpickled

    /// A storage named by a persistent id (a view of its root storage in legacy files).
    final class StorageReference {
        let key: String
        let dtype: SafeTensors.DType
        /// Elements of the root storage, as the persistent id declares.
        let rootElements: Int
        /// The view's first element in the root storage and its length (the whole root when not a view).
        let viewOffset: Int
        let elements: Int

        init(key: String, dtype: SafeTensors.DType, rootElements: Int, viewOffset: Int, elements: Int) {
            self.key = key
            self.dtype = dtype
            self.rootElements = rootElements
            self.viewOffset = viewOffset
            self.elements = elements
        }
    }

    /// What `_rebuild_tensor_v2` would build: a strided view of a storage.
    final class TensorReference {
        let storage: StorageReference
        let offset: Int
        let size: [Int]
        let stride: [Int]

        init(storage: StorageReference, offset: Int, size: [Int], stride: [Int]) {
            self.storage = storage
            self.offset = offset
            self.size = size
            self.stride = stride
        }
    }

    static let storageTypes: [String: SafeTensors.DType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    /// Every global a checkpoint may name; all of them only rebuild data.
    static let allowedGlobals: Set<String> = Set([
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    ] + storageTypes.keys.map { "torch.\($0)" })

    /// The `REDUCE`/`NEWOBJ` hook: an empty OrderedDict, a tensor or a parameter's tensor.
    static func call(_ module: String, _ name: String, _ args: [PickleValue]) throws -> PickleValue {
        typealias Refusal = Unpickler.Refusal
        switch "\(module).\(name)" {
        case "collections.OrderedDict":
            let dict = PickleDict()
            if args.isEmpty { return .dict(dict) }
            // Python 2 pickled OrderedDict(items) with the items as an argument;
            // only flat items are taken this way.
            guard args.count == 1, let pairs = args[0].sequence else { throw Refusal("OrderedDict called with \(args.count) arguments") }
            for pair in pairs {
                guard let kv = pair.sequence, kv.count == 2 else { throw Refusal("OrderedDict item is not a (key, value) pair") }
                for v in kv {
                    switch v {
                    case .tuple, .list, .dict: throw Refusal("OrderedDict(items) with nested containers is not supported")
                    default: break
                    }
                }
                dict.items.append((key: kv[0], value: kv[1]))
            }
            return .dict(dict)
        case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            let v2 = name == "_rebuild_tensor_v2"
            guard v2 ? (args.count == 6 || args.count == 7) : args.count == 4 else {
                throw Refusal("\(name) called with \(args.count) arguments")
            }
            guard case let .external(object) = args[0], let storage = object as? StorageReference else {
                throw Refusal("\(name)'s first argument is a \(args[0].kind), not a storage")
            }
            guard let offset = args[1].intValue, offset >= 0 else { throw Refusal("\(name): storage offset is not a non-negative int") }
            guard let size = integers(args[2]), size.allSatisfy({ $0 >= 0 }) else { throw Refusal("\(name): size is not a tuple of non-negative ints") }
            guard let stride = integers(args[3]), stride.count == size.count else {
                throw Refusal("\(name): stride is not a tuple of \(size.count) ints")
            }
            return .external(TensorReference(storage: storage, offset: offset, size: size, stride: stride))
        case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
            // (data, requires_grad, backward_hooks[, state]): the parameter's tensor.
            guard args.count == (name == "_rebuild_parameter" ? 3 : 4),
                  case let .external(object) = args[0], object is TensorReference else {
                throw Refusal("\(name) called without a tensor")
            }
            return args[0]
        default:
            throw Refusal("\(module).\(name) cannot be called")
        }
    }

    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.sequence, items.count <= 64 else { return nil }
        var out: [Int] = []
        for item in items {
            guard case let .int(i) = item else { return nil }
            out.append(i)
        }
        return out
    }

    /// Interprets `('storage', StorageType, key, location, numel[, view_metadata])`.
    static func storageReference(_ pid: PickleValue, legacy: Bool, cache: inout [String: StorageReference]) throws -> StorageReference {
        typealias Refusal = Unpickler.Refusal
        let shape = legacy ? "('storage', type, root_key, location, numel, view_metadata)" : "('storage', type, key, location, numel)"
        guard let t = pid.sequence, t.count == (legacy ? 6 : 5), t[0].stringValue == "storage" else {
            throw Refusal("persistent id is not \(shape)")
        }
        guard case let .global(module, name) = t[1], module == "torch", let dtype = storageTypes[name] else {
            throw Refusal("persistent id names a \(t[1].kind), not a storage type")
        }
        let key: String
        switch t[2] {
        case let .string(s): key = s
        case let .int(i): key = String(i)
        default: throw Refusal("storage key is a \(t[2].kind)")
        }
        guard let numel = t[4].intValue, numel >= 0 else { throw Refusal("storage '\(key)' has no non-negative element count") }
        let root: StorageReference
        if let known = cache[key] {
            guard known.dtype == dtype, known.rootElements == numel else {
                throw Refusal("storage '\(key)' is declared twice with different types or sizes")
            }
            root = known
        } else {
            root = StorageReference(key: key, dtype: dtype, rootElements: numel, viewOffset: 0, elements: numel)
            cache[key] = root
        }
        guard legacy else { return root }
        if case .none = t[5] { return root }
        guard let view = t[5].sequence else { throw Refusal("storage '\(key)' has view metadata that is a \(t[5].kind)") }
        // (view_key, offset, view_size), in elements of the root storage.
        guard view.count == 3, let offset = view[1].intValue, let size = view[2].intValue, offset >= 0, size >= 0,
              offset <= numel, size <= numel - offset else {
            throw Refusal("storage '\(key)' has a view outside its \(numel) elements")
        }
        return StorageReference(key: key, dtype: dtype, rootElements: numel, viewOffset: offset, elements: size)
    }

    // MARK: decoding

    private static func decode(_ raw: UnsafeRawBufferPointer, path: String) throws -> SafeTensors.Contents {
        if ZipArchive.looksLikeZip(raw) { return try decodeZip(raw, path: path) }
        if raw.count >= 262, Array(raw[257..<262]) == Array("ustar".utf8) {
            throw TorchCheckpointError.unsupported(path: path, reason: "the tar format of torch before 0.1.10; load and re-save it with a recent torch")
        }
        if raw.count >= 1, raw[0] == 0x80 { return try decodeLegacy(raw, path: path) }
        throw TorchCheckpointError.notACheckpoint(path: path, reason: "neither a zip archive nor a legacy torch.save stream (it starts with neither 'PK' nor a pickle)")
    }

    private static func decodeZip(_ raw: UnsafeRawBufferPointer, path: String) throws -> SafeTensors.Contents {
        let zip = try ZipArchive(raw, path: path)
        let pickles = zip.entries.filter { e in
            let parts = e.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1] == "data.pkl"
        }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw TorchCheckpointError.notACheckpoint(path: path, reason: pickles.isEmpty
                ? "the zip archive has no <folder>/data.pkl entry (a torch.jit.save archive or another zip file?)"
                : "the zip archive has \(pickles.count) <folder>/data.pkl entries")
        }
        let prefix = String(pickle.name.dropLast("/data.pkl".count))
        if let byteOrder = zip.entry(named: prefix + "/byteorder") {
            let range = try zip.dataRange(of: byteOrder, in: raw)
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard text == "little" else {
                throw TorchCheckpointError.unsupported(path: path, reason: "byte order '\(text)'; only little-endian checkpoints are read")
            }
        }
        let pickleRange = try zip.dataRange(of: pickle, in: raw)
        var storages: [String: StorageReference] = [:]
        var unpickler = Unpickler(path: "\(path) (\(pickle.name))")
        unpickler.allowedGlobals = allowedGlobals
        unpickler.call = call
        unpickler.persistentLoad = { pid in .external(try storageReference(pid, legacy: false, cache: &storages)) }
        let (top, _) = try unpickler.load(UnsafeRawBufferPointer(rebasing: raw[pickleRange]), from: 0)

        var data: [String: Range<Int>] = [:]
        for (key, storage) in storages {
            let name = "\(prefix)/data/\(key)"
            guard let entry = zip.entry(named: name) else {
                throw TorchCheckpointError.invalidArchive(path: path, reason: "storage '\(key)' has no entry '\(name)'")
            }
            let range = try zip.dataRange(of: entry, in: raw)
            let (needed, overflow) = storage.rootElements.multipliedReportingOverflow(by: storage.dtype.byteSize)
            guard !overflow, needed <= range.count else {
                throw TorchCheckpointError.truncated(path: path, reason: "storage '\(key)' declares \(storage.rootElements) \(storage.dtype.rawValue) elements but its entry holds \(range.count) bytes")
            }
            data[key] = range.lowerBound..<(range.lowerBound + needed)
        }
        return try contents(of: top, storageData: data, raw: raw, path: path)
    }

    /// 0x1950a86a20f9469cfc6c, little-endian, as pickle's LONG1 writes it.
    private static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func decodeLegacy(_ raw: UnsafeRawBufferPointer, path: String) throws -> SafeTensors.Contents {
        let plain = Unpickler(path: path)
        let (magic, afterMagic) = try plain.load(raw, from: 0)
        guard case let .bigInt(bytes) = magic, bytes == legacyMagic else {
            throw TorchCheckpointError.notACheckpoint(path: path, reason: "a pickle, but not a torch.save stream (no magic number 0x1950a86a20f9469cfc6c)")
        }
        let (version, afterVersion) = try plain.load(raw, from: afterMagic)
        guard version.intValue == 1001 else {
            throw TorchCheckpointError.unsupported(path: path, reason: "legacy protocol version \(version.intValue.map(String.init) ?? version.kind), expected 1001")
        }
        let (systemInfo, afterInfo) = try plain.load(raw, from: afterVersion)
        if case let .dict(info) = systemInfo, case .bool(false)? = info["little_endian"] {
            throw TorchCheckpointError.unsupported(path: path, reason: "written on a big-endian machine; only little-endian checkpoints are read")
        }

        var storages: [String: StorageReference] = [:]
        var unpickler = Unpickler(path: path)
        unpickler.allowedGlobals = allowedGlobals
        unpickler.call = call
        unpickler.persistentLoad = { pid in .external(try storageReference(pid, legacy: true, cache: &storages)) }
        let (top, afterObject) = try unpickler.load(raw, from: afterInfo)

        let (keyList, afterKeys) = try plain.load(raw, from: afterObject)
        guard let keys = keyList.sequence else {
            throw TorchCheckpointError.invalidPickle(path: path, offset: afterObject, reason: "the storage key list is a \(keyList.kind)")
        }
        var data: [String: Range<Int>] = [:]
        var at = afterKeys
        for item in keys {
            let key: String
            switch item {
            case let .string(s): key = s
            case let .int(i): key = String(i)
            default: throw TorchCheckpointError.invalidPickle(path: path, offset: afterObject, reason: "a storage key is a \(item.kind)")
            }
            guard let storage = storages[key] else {
                throw TorchCheckpointError.invalidPickle(path: path, offset: afterObject, reason: "storage key '\(key)' is listed but no tensor uses it")
            }
            guard data[key] == nil else {
                throw TorchCheckpointError.invalidPickle(path: path, offset: afterObject, reason: "storage key '\(key)' is listed twice")
            }
            guard let count = raw.littleEndian(Int64.self, at: at) else {
                throw TorchCheckpointError.truncated(path: path, reason: "the element count of storage '\(key)' at byte \(at) runs past the end of the file")
            }
            guard count == Int64(storage.rootElements) else {
                throw TorchCheckpointError.invalidTensor(path: path, tensor: key, reason: "storage holds \(count) elements in the file but \(storage.rootElements) in its persistent id")
            }
            at += 8
            let (bytes, overflow) = storage.rootElements.multipliedReportingOverflow(by: storage.dtype.byteSize)
            guard !overflow, raw.contains(offset: at, length: bytes) else {
                throw TorchCheckpointError.truncated(path: path, reason: "storage '\(key)' (\(storage.rootElements) \(storage.dtype.rawValue) elements at byte \(at)) runs past the end of the file (\(raw.count) bytes)")
            }
            data[key] = at..<(at + bytes)
            at += bytes
        }
        return try contents(of: top, storageData: data, raw: raw, path: path)
    }

    // MARK: the state dict

    private static func contents(of top: PickleValue, storageData: [String: Range<Int>], raw: UnsafeRawBufferPointer,
                                 path: String) throws -> SafeTensors.Contents {
        guard case let .dict(root) = top else {
            throw TorchCheckpointError.noTensors(path: path, reason: "the checkpoint holds a \(top.kind), not a dict of tensors")
        }
        var chosen = root
        if !root.items.contains(where: { if case .external = $0.value { return true } else { return false } }) {
            let strings = root.items.compactMap { $0.key.stringValue }
            let keys = strings.prefix(20).map { TerminalText.printable($0) } + (strings.count > 20 ? ["…"] : [])
            guard let key = try stateDictKeys.first(where: { k in
                if case let .dict(d)? = root[k] { return try !collect(d, path: path).isEmpty } else { return false }
            }), case let .dict(inner)? = root[key] else {
                throw TorchCheckpointError.noTensors(path: path, reason: "the top-level dict holds no tensors (keys: \(keys.map { "'\($0)'" }.joined(separator: ", "))) and none of \(stateDictKeys.map { "'\($0)'" }.joined(separator: ", ")) is a dict of tensors")
            }
            chosen = inner
        }
        let named = try collect(chosen, path: path)
        guard !named.isEmpty else { throw TorchCheckpointError.noTensors(path: path, reason: "the state dict is empty") }

        var tensors: [String: Tensor] = [:]
        var dtypes: [String: SafeTensors.DType] = [:]
        // Views of one storage each become a copy: refuse to expand a small
        // file into an enormous amount of memory (stride-0 or repeated views).
        var budget = max(2 * raw.count, 1 << 24)
        for (name, reference) in named {
            guard tensors[name] == nil else {
                throw TorchCheckpointError.invalidTensor(path: path, tensor: name, reason: "two tensors have this name once nested dicts are flattened")
            }
            guard let range = storageData[reference.storage.key] else {
                throw TorchCheckpointError.invalidTensor(path: path, tensor: name, reason: "storage '\(reference.storage.key)' has no data")
            }
            tensors[name] = try materialise(reference, name: name, data: range, raw: raw, budget: &budget, path: path)
            dtypes[name] = reference.storage.dtype
        }
        return SafeTensors.Contents(tensors: tensors, metadata: ["format": "pt"], dtypes: dtypes)
    }

    /// At most this many dict entries are visited while flattening (real
    /// checkpoints hold thousands): memo references let a 2 KB pickle hold one
    /// dict twice at every level, 2^depth paths, which this bound stops early.
    static let maximumFlattenedEntries = 1 << 18

    /// The tensors of a dict, nested dicts' with dotted names; other values are ignored.
    private static func collect(_ dict: PickleDict, path: String) throws -> [(String, TensorReference)] {
        var out: [(String, TensorReference)] = []
        var visited = 0
        try collect(dict, prefix: "", into: &out, visited: &visited, path: path)
        return out
    }

    private static func collect(_ dict: PickleDict, prefix: String, into out: inout [(String, TensorReference)],
                                visited: inout Int, path: String) throws {
        // A later duplicate key replaces the earlier value in its place, as in Python.
        var order: [String] = []
        var latest: [String: PickleValue] = [:]
        for (key, value) in dict.items {
            visited += 1
            guard visited <= maximumFlattenedEntries else {
                throw TorchCheckpointError.noTensors(path: path,
                    reason: "flattening the nested dicts visits more than \(maximumFlattenedEntries) entries (dicts shared through pickle memo references multiply the paths)")
            }
            guard let k = key.stringValue else { continue }
            if latest[k] == nil { order.append(k) }
            latest[k] = value
        }
        for k in order {
            switch latest[k] {
            case let .external(object)?:
                if let t = object as? TensorReference { out.append((prefix + k, t)) }
            case let .dict(inner)?:
                try collect(inner, prefix: prefix + k + ".", into: &out, visited: &visited, path: path)
            default:
                break
            }
        }
    }

    /// Copies a strided view out of its storage, row-major, as float32.
    private static func materialise(_ t: TensorReference, name: String, data: Range<Int>, raw: UnsafeRawBufferPointer,
                                    budget: inout Int, path: String) throws -> Tensor {
        func fail(_ reason: String) -> TorchCheckpointError { .invalidTensor(path: path, tensor: name, reason: reason) }
        let storage = t.storage
        var count = 1
        for d in t.size {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("size \(t.size) overflows") }
            count = p
        }
        // Strides of dimensions of size 1 never move; zero them so no product overflows.
        var stride = t.stride
        for i in stride.indices where t.size[i] <= 1 { stride[i] = 0 }
        if count > 0 {
            var last = t.offset
            for i in t.size.indices {
                guard stride[i] >= 0 else { throw fail("negative stride \(t.stride[i]) is not supported") }
                let (span, o1) = (t.size[i] - 1).multipliedReportingOverflow(by: stride[i])
                let (sum, o2) = last.addingReportingOverflow(span)
                guard !o1, !o2 else { throw fail("size \(t.size) with stride \(t.stride) overflows") }
                last = sum
            }
            guard last < storage.elements else {
                throw fail("size \(t.size), stride \(t.stride) and offset \(t.offset) reach element \(last) of a storage of \(storage.elements)")
            }
        }
        guard count <= budget else {
            throw fail("\(count) elements exceed what a \(raw.count)-byte checkpoint may expand to")
        }
        budget -= count
        guard count > 0 else { return Tensor(shape: t.size, data: []) }

        let width = storage.dtype.byteSize
        let base = data.lowerBound + (storage.viewOffset + t.offset) * width
        var contiguous = true
        var expected = 1
        for i in t.size.indices.reversed() {
            if t.size[i] > 1, stride[i] != expected { contiguous = false }
            expected *= t.size[i]
        }
        let values: [Float]
        switch storage.dtype {
        case .f32: values = gather(UInt32.self, raw, base, t.size, stride, count, contiguous) { Float(bitPattern: $0) }
        case .f64: values = gather(UInt64.self, raw, base, t.size, stride, count, contiguous) { Float(Double(bitPattern: $0)) }
        case .f16: values = gather(UInt16.self, raw, base, t.size, stride, count, contiguous) { SafeTensors.halfToFloat($0) }
        case .bf16: values = gather(UInt16.self, raw, base, t.size, stride, count, contiguous) { Float(bitPattern: UInt32($0) << 16) }
        case .i64: values = gather(Int64.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .i32: values = gather(Int32.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .i16: values = gather(Int16.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .i8: values = gather(Int8.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .u64: values = gather(UInt64.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .u32: values = gather(UInt32.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .u16: values = gather(UInt16.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .u8: values = gather(UInt8.self, raw, base, t.size, stride, count, contiguous) { Float($0) }
        case .bool: values = gather(UInt8.self, raw, base, t.size, stride, count, contiguous) { $0 != 0 ? 1 : 0 }
        }
        return Tensor(shape: t.size, data: values)
    }

    /// Reads `count` elements at `base` following `stride` (already checked to
    /// stay inside the storage), in row-major order of `size`.
    private static func gather<T: FixedWidthInteger>(_: T.Type, _ raw: UnsafeRawBufferPointer, _ base: Int, _ size: [Int],
                                                     _ stride: [Int], _ count: Int, _ contiguous: Bool,
                                                     _ convert: (T) -> Float) -> [Float] {
        let width = MemoryLayout<T>.size
        return [Float](unsafeUninitializedCapacity: count) { out, initialised in
            if contiguous {
                for i in 0..<count {
                    out[i] = convert(T(littleEndian: raw.loadUnaligned(fromByteOffset: base + i * width, as: T.self)))
                }
            } else {
                let rank = size.count
                var index = [Int](repeating: 0, count: rank)
                var linear = 0
                for i in 0..<count {
                    out[i] = convert(T(littleEndian: raw.loadUnaligned(fromByteOffset: base + linear * width, as: T.self)))
                    var d = rank - 1
                    while d >= 0 {
                        index[d] += 1
                        linear += stride[d]
                        if index[d] < size[d] { break }
                        linear -= stride[d] * size[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
            initialised = count
        }
    }
}
