import Foundation

/// Prints a progress note or a warning to standard error (standard output is
/// kept for results and the `--json` line).
public func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
