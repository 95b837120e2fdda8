/// Why a safetensors file could not be read or written; every case names the file.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    /// The file is shorter than its 8-byte prefix, or the header length points past the end.
    case truncated(path: String, reason: String)
    /// The header is not a JSON object of tensor entries (and an optional `__metadata__` string map).
    case invalidHeader(path: String, reason: String)
    case unknownDType(path: String, tensor: String, dtype: String)
    case offsetsOutOfRange(path: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    case overlappingTensors(path: String, first: String, second: String)
    /// Tensors' byte ranges leave bytes of the data region unaccounted for.
    case uncoveredData(path: String, reason: String)
    case sizeMismatch(path: String, tensor: String, shape: [Int], dtype: String, bytes: Int)
    case invalidTensor(path: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read safetensors file: \(reason)"
        case let .unwritable(path, reason): return "\(path): cannot write safetensors file: \(reason)"
        case let .truncated(path, reason): return "\(path): truncated safetensors file: \(reason)"
        case let .invalidHeader(path, reason): return "\(path): invalid safetensors header: \(reason)"
        case let .unknownDType(path, tensor, dtype):
            return "\(path): tensor '\(tensor)' has unknown or unsupported dtype '\(dtype)' (supported: \(SafeTensors.DType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .offsetsOutOfRange(path, tensor, begin, end, dataBytes):
            return "\(path): tensor '\(tensor)' has data_offsets [\(begin), \(end)] outside the \(dataBytes)-byte data region"
        case let .overlappingTensors(path, first, second):
            return "\(path): tensors '\(first)' and '\(second)' have overlapping data_offsets"
        case let .uncoveredData(path, reason): return "\(path): data region not covered by tensors: \(reason)"
        case let .sizeMismatch(path, tensor, shape, dtype, bytes):
            return "\(path): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) spans \(bytes) bytes, which does not match its shape"
        case let .invalidTensor(path, tensor, reason): return "\(path): tensor '\(tensor)': \(reason)"
        }
    }
}
