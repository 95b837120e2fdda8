/// Errors of the application layer that are not a lower layer's: bad
/// arguments that only a workflow can judge (a shard spec, a file list).
public enum WorkflowError: Error, CustomStringConvertible, Equatable {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(message): return message
        }
    }
}
