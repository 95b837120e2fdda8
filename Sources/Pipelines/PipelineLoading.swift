import Foundation
import Imaging
import SafeYAML
import InputFiles

/// Reading a pipeline: a YAML file with its `base:` chain merged underneath,
/// or the JSON a trained model carries; every key left out takes its default
/// from the schema, every value is then validated.
extension PipelineConfig {
    /// Loads a pipeline file. A `base:` is looked up next to the file that
    /// names it, then in `baseDirectories` (the toolkit's own pipelines), so
    /// a user's file anywhere can build on a bundled pipeline by its name.
    public static func load(path: String, baseDirectories: [String] = []) throws -> PipelineConfig {
        return try parse(try readText(path, what: nil), path: path, baseDirectories: baseDirectories)
    }

    /// A pipeline file's text: a regular file (a FIFO is refused, not waited
    /// on) no larger than a YAML file may be, as UTF-8.
    public static func text(ofFile path: String) throws -> String { try readText(path, what: nil) }

    static func readText(_ path: String, what: String?) throws -> String {
        let prefix = what.map { $0 + ": " } ?? ""
        let data: Data
        do { data = try InputFile.read(path, maximumBytes: SafeYAML.maximumBytes) } catch {
            guard case let InputFileError.unreadable(_, reason) = error else { throw error }
            throw PipelineError.unreadable(path: path, reason: prefix + reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError.unreadable(path: path, reason: prefix + "not UTF-8 text")
        }
        return text
    }

    public static func parse(_ yaml: String, path: String = "<memory>", baseDirectories: [String] = []) throws -> PipelineConfig {
        let user = try resolvedMapping(yaml, path: path, chain: [], baseDirectories: baseDirectories)
        return try decode(user, path: path)
    }

    /// The resolved configuration as one JSON object (snake_case keys, sorted):
    /// what a trained model carries, so the model alone can be run.
    public func jsonText() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonText()` back, with every check a pipeline file gets; keys a
    /// later version added are refused by name, left-out keys take defaults.
    public static func parseJSON(_ text: String, path: String) throws -> PipelineConfig {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), let mapping = object as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "the pipeline configuration is not a JSON object")
        }
        return try decode(mapping, path: path)
    }

    /// The file's mapping with its `base:` (another pipeline file, relative to
    /// this one's folder, else a file of that name in `baseDirectories`; `.yaml`
    /// may be left out) merged underneath, recursively: keys of the file win,
    /// mappings merge key by key (detectron2's `_BASE_`). So Fast R-CNN can be
    /// Faster R-CNN with another proposal stage in a few lines.
    static func resolvedMapping(_ yaml: String, path: String, chain: [String], baseDirectories: [String] = []) throws -> [String: Any] {
        let loaded: Any?
        do { loaded = try SafeYAML.load(yaml) } catch {
            throw PipelineError.invalid(path: path, reason: "\(error)")
        }
        guard var user = loaded as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "the top level must be a mapping")
        }
        guard let base = user.removeValue(forKey: "base") else { return user }
        guard let baseName = base as? String, !baseName.isEmpty else {
            throw PipelineError.invalid(path: path, reason: "base must name another pipeline file")
        }
        let folder = path == "<memory>" ? FileManager.default.currentDirectoryPath : (path as NSString).deletingLastPathComponent
        let fileName = baseName.hasSuffix(".yaml") || baseName.hasSuffix(".yml") ? baseName : baseName + ".yaml"
        let candidates = baseName.hasPrefix("/") ? [fileName]
            : ([folder] + baseDirectories).map { ($0 as NSString).appendingPathComponent(fileName) }
        let basePath = ((candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]) as NSString).standardizingPath
        guard chain.count < 8, !chain.contains(basePath), basePath != (path as NSString).standardizingPath else {
            throw PipelineError.invalid(path: path, reason: "base: '\(baseName)' makes a cycle or a chain deeper than 8 files")
        }
        let text = try readText(basePath, what: "base of \(path)")
        var below = try resolvedMapping(text, path: basePath, chain: chain + [path], baseDirectories: baseDirectories)
        // A file is its own pipeline: it never takes its base's name, and a file
        // with its own stages is not bound by the base's (older) `proposals:` key.
        below.removeValue(forKey: "name")
        if user["stages"] != nil { below.removeValue(forKey: "proposals") }
        return overlay(user, on: below)
    }

    /// `top` over `bottom`: mappings merged key by key, anything else replaced.
    static func overlay(_ top: [String: Any], on bottom: [String: Any]) -> [String: Any] {
        var out = bottom
        for (k, v) in top {
            if let t = v as? [String: Any], let b = bottom[k] as? [String: Any] { out[k] = overlay(t, on: b) } else { out[k] = v }
        }
        return out
    }

    static func decode(_ file: [String: Any], path: String) throws -> PipelineConfig {
        var user = file
        if user["name"] == nil {
            guard path != "<memory>" else { throw PipelineError.invalid(path: path, reason: "name: the pipeline needs a name") }
            user["name"] = Self.fileStem(path)
        }
        guard user["name"] is String else { throw PipelineError.invalid(path: path, reason: "name must be a string") }
        // Older files state the proposal stage as well as listing it; the stages
        // decide, and a stated key must agree with them.
        let statedProposals = user.removeValue(forKey: "proposals")
        // `neck: fpn` is short for `neck: {type: fpn}`.
        if let neck = user["neck"] as? String { user["neck"] = ["type": neck] }
        // Every key left out takes its default: merge the file over the defaults'
        // own encoding, refusing keys the defaults do not have (typos).
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let defaults = try JSONSerialization.jsonObject(with: encoder.encode(PipelineConfig(name: "")))
        let merged = try merge(user, over: defaults, at: "", path: path)
        try refuseNonFinite(merged, at: "", path: path)
        try refuseNegativeUnsigned(merged, path: path)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let config = try decoder.decode(PipelineConfig.self, from: JSONSerialization.data(withJSONObject: merged))
            try config.validate(path: path)
            if let statedProposals {
                guard let raw = statedProposals as? String, let stated = ProposalStage(rawValue: raw) else {
                    throw PipelineError.invalid(path: path, reason: "proposals = '\(statedProposals)' is not one of \(ProposalStage.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                if stated != config.proposals {
                    throw PipelineError.invalid(path: path, reason: "proposals = \(raw), but the stages make it a \(config.architecture.title) pipeline, whose proposals come from \(config.proposals.rawValue) (the stages decide; leave the key out)")
                }
            }
            return config
        } catch let e as PipelineError {
            throw e
        } catch let DecodingError.dataCorrupted(ctx) where !ctx.codingPath.isEmpty {
            throw PipelineError.invalid(path: path, reason: "\(codingPath(ctx.codingPath)) = \(ctx.debugDescription)")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx),
                let DecodingError.dataCorrupted(ctx) {
            throw PipelineError.invalid(path: path, reason: "wrong type at \(codingPath(ctx.codingPath))")
        } catch {
            throw PipelineError.invalid(path: path, reason: "\(error)")
        }
    }

    static func merge(_ value: Any, over base: Any, at key: String, path: String) throws -> Any {
        guard let baseDict = base as? [String: Any] else { return value }
        guard let dict = value as? [String: Any] else {
            throw PipelineError.invalid(path: path, reason: "\(key) must be a mapping")
        }
        var out = baseDict
        for (k, v) in dict {
            let full = key.isEmpty ? k : key + "." + k
            guard let b = baseDict[k] else {
                throw PipelineError.invalid(path: path, reason: "unknown key '\(full)'")
            }
            out[k] = try merge(v, over: b, at: full, path: path)
        }
        return out
    }

    /// NaN and infinities (YAML's `.nan`, `.inf`) are no parameter's value.
    static func refuseNonFinite(_ value: Any, at key: String, path: String) throws {
        switch value {
        case let d as [String: Any]:
            for (k, v) in d { try refuseNonFinite(v, at: key.isEmpty ? k : key + "." + k, path: path) }
        case let a as [Any]:
            for (i, v) in a.enumerated() { try refuseNonFinite(v, at: "\(key)[\(i)]", path: path) }
        case let x as Double where !x.isFinite:
            throw PipelineError.invalid(path: path, reason: "\(key) = \(x): must be a finite number")
        case let x as Float where !x.isFinite:
            throw PipelineError.invalid(path: path, reason: "\(key) = \(x): must be a finite number")
        default:
            break
        }
    }

    /// Keys decoded as unsigned integers. Foundation's decoder reports a
    /// negative value there without its key ("wrong type at top level"), so
    /// they are checked by name first.
    static let unsignedKeys = [["training", "seed"]]

    static func refuseNegativeUnsigned(_ merged: Any, path: String) throws {
        for keys in unsignedKeys {
            var value: Any? = merged
            for k in keys { value = (value as? [String: Any])?[k] }
            guard let value, !(value is Bool), let number = value as? NSNumber else { continue }
            let d = number.doubleValue
            guard d >= 0, d == d.rounded(), d < 18_446_744_073_709_551_616 else {
                throw PipelineError.invalid(path: path, reason: "\(keys.joined(separator: ".")) = \(number) is outside the whole numbers 0...\(UInt64.max)")
            }
        }
    }

    /// The key as the file spells it (snake_case), e.g. `roi_pooling.type`.
    static func codingPath(_ path: [CodingKey]) -> String {
        guard !path.isEmpty else { return "top level" }
        return path.map { key in
            if let index = key.intValue { return "[\(index)]" }
            return key.stringValue.reduce(into: "") { out, c in
                if c.isUppercase { out += "_" + c.lowercased() } else { out.append(c) }
            }
        }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// `dir/name.yaml` → `name`.
    static func fileStem(_ path: String) -> String {
        let file = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) { return String(file.dropLast(ext.count)) }
        return file
    }
}
