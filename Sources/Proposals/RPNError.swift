/// Errors from the anchor and region proposal network stages; they name the
/// stage and the sizes that disagreed.
public enum RPNError: Error, CustomStringConvertible, Equatable {
    case invalidParameter(String)
    case sizeMismatch(stage: String, what: String, expected: Int, got: Int)
    case shapeMismatch(stage: String, what: String, expected: [Int], got: [Int])

    public var description: String {
        switch self {
        case let .invalidParameter(message):
            return message
        case let .sizeMismatch(stage, what, expected, got):
            return "\(stage): \(what) has \(got) values, expected \(expected)"
        case let .shapeMismatch(stage, what, expected, got):
            return "\(stage): \(what) has shape \(got), expected \(expected)"
        }
    }
}
