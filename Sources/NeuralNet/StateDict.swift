/// What matching a file's named tensors against a model's parameters found.
public struct StateDictReport: Sendable, Equatable, CustomStringConvertible {
    public struct ShapeMismatch: Sendable, Equatable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// Parameters the file has no tensor for (left unchanged).
    public var missing: [String] = []
    /// Tensors in the file that no parameter takes (ignored).
    public var unexpected: [String] = []
    /// Names present on both sides with different shapes (left unchanged).
    public var shapeMismatches: [ShapeMismatch] = []
    /// Parameters that received values.
    public var loaded: [String] = []

    public var isExactMatch: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty }

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys \(missing)") }
        if !unexpected.isEmpty { parts.append("unexpected keys \(unexpected)") }
        if !shapeMismatches.isEmpty {
            parts.append("shape mismatches " + shapeMismatches.map { "\($0.name): model \($0.expected), file \($0.found)" }.joined(separator: "; "))
        }
        return parts.isEmpty ? "\(loaded.count) tensors loaded" : parts.joined(separator: ", ")
    }
}

/// Named weights that do not fit the model: strict loading found missing,
/// unexpected or mis-shaped keys (`path` names where the weights came from).
public struct StateDictMismatch: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var report: StateDictReport

    public init(path: String, report: StateDictReport) {
        self.path = path
        self.report = report
    }

    public var description: String { "\(path): weights do not match the model: \(report)" }
}

/// Moving a model's parameters (and buffers) to and from named tensors, keyed
/// by `Parameter.name` (torchvision state-dict keys where a layer has an equivalent).
public enum StateDict {
    /// Snapshot of the parameters' current values by name.
    public static func tensors(of parameters: [Parameter]) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for p in parameters {
            guard out[p.name] == nil else {
                throw TensorError.invalid("two parameters share the name '\(p.name)'")
            }
            out[p.name] = p.value
        }
        return out
    }

    /// Copies matching tensors into the parameters. With `strict`, any missing,
    /// unexpected or mis-shaped key throws `StateDictMismatch`
    /// and no parameter is changed; otherwise every matching key is loaded, the
    /// rest is reported (e.g. a backbone loaded into a detector whose heads have
    /// another number of classes).
    @discardableResult
    public static func load(_ tensors: [String: Tensor], into parameters: [Parameter],
                            strict: Bool = true, path: String = "<memory>") throws -> StateDictReport {
        var report = StateDictReport()
        var seen = Set<String>()
        var assignments: [(Parameter, Tensor)] = []
        for p in parameters {
            guard seen.insert(p.name).inserted else {
                throw TensorError.invalid("two parameters share the name '\(p.name)'")
            }
            guard let t = tensors[p.name] else { report.missing.append(p.name); continue }
            guard t.shape == p.value.shape else {
                report.shapeMismatches.append(.init(name: p.name, expected: p.value.shape, found: t.shape))
                continue
            }
            assignments.append((p, t))
        }
        report.unexpected = tensors.keys.filter { !seen.contains($0) }.sorted()
        if strict && !report.isExactMatch {
            throw StateDictMismatch(path: path, report: report)
        }
        for (p, t) in assignments {
            p.value = t
            report.loaded.append(p.name)
        }
        return report
    }
}
