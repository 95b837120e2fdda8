import Foundation
import Yams

/// YAML read so that no small file can grow without bound: a size cap, no
/// anchors or aliases (a 360-byte "billion laughs" file of nested aliases
/// expands to gigabytes when aliases are copied), and a cap on nodes. Pipeline
/// files and dataset YAMLs are a few dozen lines and never need anchors.
public enum SafeYAML {
    public static let maximumBytes = 1 << 20
    public static let maximumNodes = 100_000

    /// Why a text was refused, with a 1-based line (and column) where known.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var location: String
        public var reason: String
        public var description: String { "\(location): \(reason)" }
    }

    /// The single document of `text` as a node tree (nil when empty), checked.
    /// The parser is returned too: anchors are weak references it owns.
    public static func compose(_ text: String) throws -> (root: Node?, parser: Parser) {
        let bytes = text.utf8.count
        guard bytes <= maximumBytes else {
            throw Failure(location: "file", reason: "\(bytes) bytes is more than a YAML file here may hold (\(maximumBytes))")
        }
        let parser: Parser, root: Node?
        do {
            parser = try Parser(yaml: text)
            root = try parser.singleRoot()
        } catch {
            throw failure(error)
        }
        if let root {
            try withExtendedLifetime(parser) {
                var budget = maximumNodes
                try check(root, budget: &budget)
            }
        }
        return (root, parser)
    }

    /// Plain values (`[String: Any]`, `[Any]`, `String`, `Int`, `Double`, `Bool`,
    /// `NSNull`) of a checked text, as `Yams.load` gives them.
    public static func load(_ text: String) throws -> Any? {
        _ = try compose(text)
        do { return try Yams.load(yaml: text) } catch { throw failure(error) }
    }

    /// "line N, " for a node's position, "" when unknown.
    public static func line(_ node: Node) -> String {
        node.mark.map { "line \($0.line), " } ?? ""
    }

    static func check(_ node: Node, budget: inout Int) throws {
        budget -= 1
        guard budget >= 0 else {
            throw Failure(location: "file", reason: "more than \(maximumNodes) YAML nodes")
        }
        var isAlias = false
        if case .alias = node { isAlias = true }
        if isAlias || node.anchor != nil {
            throw Failure(location: "\(line(node))anchor",
                          reason: "YAML anchors and aliases (&name, *name) are not supported")
        }
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                // Yams traps on a mapping or sequence used as a key (`? {a: 1}`; found by fuzzing).
                guard case .scalar = key else {
                    throw Failure(location: "\(line(key))key", reason: "mapping keys must be plain values, not mappings or lists")
                }
                try check(key, budget: &budget)
                try check(value, budget: &budget)
            }
        case let .sequence(sequence):
            for child in sequence { try check(child, budget: &budget) }
        case .scalar, .alias:
            break
        }
    }

    static func failure(_ error: Error) -> Failure {
        var location = "file"
        switch error as? YamlError {
        case let .scanner(_, _, mark, _)?, let .parser(_, _, mark, _)?, let .composer(_, _, mark, _)?:
            location = "line \(mark.line), column \(mark.column)"
        default:
            break
        }
        // The description's first line is the message; the rest is a snippet of the file.
        let message = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        return Failure(location: location, reason: "invalid YAML: \(message)")
    }
}
