import Foundation
import XCTest
import GRDB

/// Issue 13's simulation: four shard processes started as a Kubernetes Indexed
/// Job starts them (JOB_COMPLETION_INDEX set, in parallel), one of them killed
/// midway and restarted, then `detect merge`: the same detections, to float
/// precision, and one stage-timing row per image and stage, as one
/// single-machine run of the same command; merging again adds nothing.
final class ShardedRunTests: XCTestCase {
    func testFourShardsMergedEqualOneRun() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        let photos = dir + "/photos"
        try FileManager.default.createDirectory(atPath: photos + "/sub", withIntermediateDirectories: true)
        let names = try String(contentsOfFile: Fixture.bccd + "/splits/test.txt", encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(16)
        for (i, stem) in names.enumerated() {
            try FileManager.default.copyItem(atPath: Fixture.bccd + "/images/\(stem).jpg",
                                             toPath: photos + (i % 3 == 0 ? "/sub/" : "/") + "\(stem).jpg")
        }
        let command = ["run", "photos", "--pipeline", "faster-rcnn", "--shard", "auto/4", "--json"]

        // Shard 0 first, killed once it has stored an image, then the four in parallel.
        let killed = try start(command + ["--db", "shard-0.sqlite"], index: 0, in: dir)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, try storedImages(dir + "/shard-0.sqlite") < 1 { Thread.sleep(forTimeInterval: 0.05) }
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        XCTAssertGreaterThanOrEqual(try storedImages(dir + "/shard-0.sqlite"), 1)
        let shards = try (0..<4).map { try start(command + ["--db", "shard-\($0).sqlite"], index: $0, in: dir) }
        var inShard = 0
        for (k, p) in shards.enumerated() {
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "shard \(k)")
            inShard += try storedImages(dir + "/shard-\(k).sqlite")
        }
        XCTAssertEqual(inShard, names.count, "the four shards cover every file exactly once")

        let merge = try DetectBinary.run(["merge"] + (0..<4).map { "shard-\($0).sqlite" } + ["--into", "merged.sqlite", "--json"], in: dir)
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let single = try DetectBinary.run(["run", "photos", "--pipeline", "faster-rcnn", "--db", "single.sqlite", "--json"], in: dir)
        XCTAssertEqual(single.status, 0, single.stderr)

        let merged = try results(dir + "/merged.sqlite"), alone = try results(dir + "/single.sqlite")
        XCTAssertEqual(merged.runs, 1)
        XCTAssertEqual(merged.detections.count, alone.detections.count)
        XCTAssertGreaterThan(alone.detections.count, 50)
        for (a, b) in zip(merged.detections, alone.detections) {
            XCTAssertEqual(a.key, b.key)
            for k in 0..<5 { XCTAssertEqual(a.values[k], b.values[k], accuracy: 1e-4, a.key) }
        }
        XCTAssertEqual(merged.timings, alone.timings)
        XCTAssertEqual(merged.timings.count, names.count * 7)
        XCTAssertEqual(Set(merged.timings).count, merged.timings.count, "duplicate stage-timing rows")

        let again = try DetectBinary.run(["merge"] + (0..<4).map { "shard-\($0).sqlite" } + ["--into", "merged.sqlite", "--json"], in: dir)
        XCTAssertEqual(again.json?["total_rows_added"] as? Int, 0, again.stdout)
        // detect eval reads the merged store unchanged: the same AP as the single run.
        var aps: [Double] = []
        for db in ["merged.sqlite", "single.sqlite"] {
            let imported = try DetectBinary.run(["annotations", "import", Fixture.bccd + "/annotations", "--format", "voc",
                                                 "--images", Fixture.bccd + "/images", "--dataset", "bccd", "--db", db], in: dir)
            XCTAssertEqual(imported.status, 0, imported.stderr)
            let eval = try DetectBinary.run(["eval", "--run", "1", "--dataset", "bccd", "--metric", "voc", "--db", db, "--json"], in: dir)
            XCTAssertEqual(eval.status, 0, eval.stderr)
            aps.append(try XCTUnwrap(eval.json?["mAP"] as? Double ?? eval.json?["map"] as? Double, eval.stdout))
        }
        XCTAssertEqual(aps[0], aps[1], accuracy: 1e-6)
        XCTAssertGreaterThan(aps[0], 0.3)
        // Evaluation and comparison tables read the merged store unchanged.
        let status = try DatabaseQueue(path: dir + "/merged.sqlite").read { db in
            (try String.fetchOne(db, sql: "SELECT status FROM runs"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_shards"),
             try String.fetchOne(db, sql: "PRAGMA integrity_check"))
        }
        XCTAssertEqual(status.0, "finished")
        XCTAssertEqual(status.1, 4)
        XCTAssertEqual(status.2, "ok")
    }

    /// One sharded command with two pipelines is two logical runs: merged,
    /// each pipeline's shards become its own run (one group each), and the
    /// merge refuses nothing.
    func testShardsOfSeveralPipelinesMergeIntoARunEach() throws {
        try Fixture.requireBCCD()
        let dir = try Fixture.temporaryDirectory(self)
        try FileManager.default.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        let names = try String(contentsOfFile: Fixture.bccd + "/splits/test.txt", encoding: .utf8)
            .split(whereSeparator: \.isNewline).prefix(4)
        for stem in names { try FileManager.default.copyItem(atPath: Fixture.bccd + "/images/\(stem).jpg", toPath: dir + "/photos/\(stem).jpg") }
        for k in 0..<2 {
            let r = try DetectBinary.run(["run", "photos", "--pipeline", "faster-rcnn", "--pipeline", "faster-rcnn-mobilenet",
                                          "--shard", "\(k)/2", "--run-group", "job7", "--db", "shard-\(k).sqlite", "--json"], in: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let merge = try DetectBinary.run(["merge", "shard-0.sqlite", "shard-1.sqlite", "--into", "merged.sqlite", "--json"], in: dir)
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let runs = try DatabaseQueue(path: dir + "/merged.sqlite").read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.pipeline, r.run_group, (SELECT COUNT(*) FROM run_shards s WHERE s.run_id = r.id),
                       (SELECT COUNT(*) FROM run_images i WHERE i.run_id = r.id) FROM runs r ORDER BY r.id
                """).map { [$0[0] as String, $0[1] as String, String($0[2] as Int), String($0[3] as Int)] }
        }
        XCTAssertEqual(runs, [["faster-rcnn", "job7/faster-rcnn", "2", "4"],
                              ["faster-rcnn-mobilenet", "job7/faster-rcnn-mobilenet", "2", "4"]])
    }

    func start(_ arguments: [String], index: Int, in dir: String) throws -> Process {
        let p = Process()
        p.executableURL = DetectBinary.url
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["JOB_COMPLETION_INDEX"] = String(index)
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    func storedImages(_ path: String) throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return (try? DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_images") ?? 0 }) ?? 0
    }

    struct Results {
        var runs: Int
        var detections: [(key: String, values: [Double])]
        var timings: [String]
    }

    func results(_ path: String) throws -> Results {
        try DatabaseQueue(path: path).read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT i.content_hash, c.name, d.score, d.x1, d.y1, d.x2, d.y2 FROM detections d
                JOIN images i ON i.id = d.image_id JOIN categories c ON c.id = d.category_id
                ORDER BY i.content_hash, c.name, d.score DESC, d.x1, d.y1
                """)
            let timings = try String.fetchAll(db, sql: """
                SELECT i.content_hash || ' ' || t.stage FROM stage_timings t JOIN images i ON i.id = t.image_id ORDER BY 1
                """)
            return Results(runs: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM runs") ?? 0,
                           detections: rows.map { r in ("\(r[0] as String) \(r[1] as String)", (2...6).map { r[$0] as Double }) },
                           timings: timings)
        }
    }
}
