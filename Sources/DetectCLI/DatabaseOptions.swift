import ArgumentParser
import Foundation
import Store
@_exported import Workflows

/// `--db FILE`, shared by every command that reads or writes the store.
public struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store to use.", valueName: "file"))
    public var path: String = "detect.sqlite"

    public init() {}

    /// Opens the store, creating it when missing.
    public func open() throws -> Store { try Store(path: path) }

    /// Opens the store for reading only when the file exists, so read-only commands
    /// never leave an empty database behind and work on read-only files.
    public func openExisting() throws -> Store? {
        FileManager.default.fileExists(atPath: path) ? try Store.forReading(path: path) : nil
    }
}

extension AnnotationFormat: ExpressibleByArgument {}


/// Runs a command body, printing any failure as one plain line ("error: <file>: <problem>")
/// and turning it into a non-zero exit status.
func reportingFailure<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}

/// One JSON object on one line, keys sorted; the last line of a `--json` command.
func jsonLine(_ object: [String: Any]) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}
