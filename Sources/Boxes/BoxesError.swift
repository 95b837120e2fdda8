/// A configuration value that the box utilities cannot work with, typically
/// read from a pipeline file; the message names the parameter and its value.
public enum BoxesError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .invalidParameter(message): return message
        }
    }
}
