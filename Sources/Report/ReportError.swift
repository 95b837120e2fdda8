/// Why a report could not be assembled. Each case names what was missing or unreadable.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// No runs were given (an unknown comparison id, an empty --run list).
    case noRuns
    /// A gallery image could not be read or decoded.
    case unreadableImage(path: String, reason: String)
    /// Writing the HTML file failed.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .noRuns: return "no runs to report on"
        case let .unreadableImage(path, reason): return "\(path): cannot use as a gallery image: \(reason)"
        case let .writeFailed(path, reason): return "\(path): cannot write the report: \(reason)"
        }
    }
}
