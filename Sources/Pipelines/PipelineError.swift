/// Errors reading a pipeline file or a model bundle.
public enum PipelineError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)
    case modelMismatch(path: String, reason: String)
    /// A command-line value (e.g. `--epochs 0`) the pipeline's checks refuse.
    case invalidOption(option: String, reason: String)
    /// A message that is a whole sentence of its own.
    case other(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        case let .invalid(path, reason): return "\(path): invalid pipeline file: \(reason)"
        case let .modelMismatch(path, reason): return "\(path): model does not fit the pipeline: \(reason)"
        case let .invalidOption(option, reason): return "\(option): \(reason)"
        case let .other(message): return message
        }
    }
}
