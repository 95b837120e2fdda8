import Foundation
import Boxes
import Imaging
import Pipelines
import Proposals

/// Selective search proposals of training images, computed once and kept in a
/// JSON file next to the model so that an interrupted or repeated training run
/// does not search again (the paper's pipelines precomputed them the same way).
public enum ProposalCache {
    public static func proposals(for paths: [String], config: PipelineConfig.SelectiveSearchConfig,
                          cachePath: String) throws -> [String: [Box]] {
        let key = "r\(SelectiveSearch.revision)|\(config.mode)|\(config.maxSide)|\(config.minBoxSide)|\(config.maxProposals)"
        var cache: [String: [Box]] = [:]
        if let data = FileManager.default.contents(atPath: cachePath),
           let stored = try? JSONDecoder().decode(Stored.self, from: data), stored.key == key {
            cache = stored.boxes
        }
        let search = DetectionPipeline.selectiveSearch(config)
        let missing = paths.filter { cache[$0] == nil }
        if missing.isEmpty { return cache }
        let start = Date()
        for (n, path) in missing.enumerated() {
            do {
                cache[path] = search.proposals(for: try JPEG.decode(path: path))
            } catch {
                FileHandle.standardError.write("skipping \(path): \(error)\n".data(using: .utf8)!)
                cache[path] = []
            }
            if (n + 1) % 20 == 0 || n + 1 == missing.count {
                let rate = Date().timeIntervalSince(start) / Double(n + 1)
                FileHandle.standardError.write(String(format: "selective search %d/%d (%.2f s/image)\n", n + 1, missing.count, rate).data(using: .utf8)!)
                let data = try JSONEncoder().encode(Stored(key: key, boxes: cache))
                try data.write(to: URL(fileURLWithPath: cachePath), options: .atomic)
            }
        }
        return cache
    }

    struct Stored: Codable {
        var key: String
        var boxes: [String: [Box]]
    }
}
