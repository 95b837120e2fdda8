import ArgumentParser
import Foundation
import Store
import Workflows

/// `detect merge`: shard stores of a sharded run into one store.
public struct MergeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge shard stores (detect run --shard K/N) into one store.",
        discussion: """
            Images (by content hash and path), categories, datasets, annotations, runs, detections and stage \
            timings of each shard are brought in, one shard at a time, each in one transaction. Shards of the \
            same logical run become one run; merging a shard again changes nothing. A shard from another schema \
            version, or a run of the same group with another pipeline or model, is refused.
            """)

    @Argument(help: ArgumentHelp("Shard stores to merge.", valueName: "shard.sqlite"))
    var shards: [String]

    @Option(help: ArgumentHelp("Store to merge into (created when missing).", valueName: "store"))
    var into: String

    @Flag(help: "End with one JSON line: rows added per table, per shard and in total.")
    var json = false

    public init() {}

    public func validate() throws {
        if shards.isEmpty { throw ValidationError("give at least one shard store") }
        for s in shards where !FileManager.default.fileExists(atPath: s) { throw ValidationError("\(s): no such store") }
    }

    public func run() throws {
        try reportingFailure {
            let store = try Store(path: into)
            let started = Date()
            var total: [String: Int] = [:]
            var skipped: [String: Int] = [:]
            var perShard: [[String: Any]] = []
            for shard in shards {
                let counts = try store.merge(shardAt: shard)
                for (t, n) in counts.rowsAdded { total[t, default: 0] += n }
                for (t, n) in counts.rowsSkipped { skipped[t, default: 0] += n }
                perShard.append(["shard": shard, "runs": counts.runsMerged, "rows_added": counts.rowsAdded,
                                 "rows_skipped": counts.rowsSkipped])
                print("\(shard): \(counts.runsMerged) run(s), \(counts.total) rows added")
                if counts.totalSkipped > 0 {
                    let list = counts.rowsSkipped.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                    printError("\(shard): \(counts.totalSkipped) row(s) not merged (\(list)): a NULL where a name, path or hash is needed, or a reference to such a row")
                }
            }
            let seconds = Date().timeIntervalSince(started)
            let rows = total.values.reduce(0, +)
            print("merged \(shards.count) shard(s) into \(into) in \(String(format: "%.2f", seconds)) s: \(rows) rows added")
            if json {
                print(jsonLine(["into": into, "shards": perShard, "rows_added": total, "total_rows_added": rows,
                                "rows_skipped": skipped, "total_rows_skipped": skipped.values.reduce(0, +), "seconds": seconds]))
            }
        }
    }
}
