import JSONText

/// Why a PyTorch checkpoint (`torch.save` output) could not be read; every case
/// names the file.
public enum TorchCheckpointError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    /// Neither a `torch.save` zip archive nor a legacy `torch.save` stream.
    case notACheckpoint(path: String, reason: String)
    /// A size or offset in the file points past its end.
    case truncated(path: String, reason: String)
    /// The zip structure (end of central directory, central directory, local headers) is malformed.
    case invalidArchive(path: String, reason: String)
    /// A zip entry is compressed or encrypted; `torch.save` stores entries uncompressed.
    case unsupportedEntry(path: String, entry: String, reason: String)
    /// The pickle stream is malformed (stack underflow, wrong argument types, missing memo entries…).
    case invalidPickle(path: String, offset: Int, reason: String)
    case unsupportedOpcode(path: String, opcode: UInt8, name: String, offset: Int)
    /// A pickle imports a global outside the allow-list (only the few that rebuild tensors).
    case refusedGlobal(path: String, name: String)
    /// A tensor's storage, offset, size or strides do not fit its data.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A valid checkpoint this reader does not handle (big-endian data, the pre-2017 tar format…).
    case unsupported(path: String, reason: String)
    /// The unpickled object holds no state dict of tensors.
    case noTensors(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read checkpoint: \(reason)"
        case let .notACheckpoint(path, reason): return "\(path): not a PyTorch checkpoint: \(reason)"
        case let .truncated(path, reason): return "\(path): truncated checkpoint: \(reason)"
        case let .invalidArchive(path, reason): return "\(path): invalid zip archive: \(reason)"
        case let .unsupportedEntry(path, entry, reason): return "\(path): zip entry '\(TerminalText.printable(entry))': \(reason)"
        case let .invalidPickle(path, offset, reason): return "\(path): invalid pickle at byte \(offset): \(reason)"
        case let .unsupportedOpcode(path, opcode, name, offset):
            let hex = String(opcode, radix: 16, uppercase: true)
            return "\(path): unsupported pickle opcode \(name) (0x\(hex.count < 2 ? "0" + hex : hex)) at byte \(offset)"
        case let .refusedGlobal(path, name):
            return "\(path): refuses global '\(TerminalText.printable(name))' (a checkpoint must never run code; only tensor-rebuilding globals are allowed)"
        case let .invalidTensor(path, tensor, reason): return "\(path): tensor '\(TerminalText.printable(tensor))': \(reason)"
        case let .unsupported(path, reason): return "\(path): unsupported checkpoint: \(reason)"
        case let .noTensors(path, reason): return "\(path): no state dict of tensors: \(reason)"
        }
    }
}
