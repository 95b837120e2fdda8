import Foundation
import XCTest
import Store
@testable import DetectCLI
import Workflows

final class ShardingTests: XCTestCase {
    func testShardSpecsFromTheCommandLineAndTheSchedulers() throws {
        XCTAssertEqual(try Sharding.parse("2/4", environment: [:]), Shard(index: 2, count: 4))
        XCTAssertEqual(try Sharding.parse("auto/8", environment: ["JOB_COMPLETION_INDEX": "5"]), Shard(index: 5, count: 8))
        // Slurm arrays may count from 1 (sbatch --array=1-4).
        XCTAssertEqual(try Sharding.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1",
                                                                 "SLURM_ARRAY_TASK_COUNT": "4"]), Shard(index: 2, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "a/b", "1/2/3", "auto", "+1/2", "1/+2", " /2"] {
            XCTAssertThrowsError(try Sharding.parse(bad, environment: [:]), bad)
        }
        // Issue 20: a scheduler index outside 0..<N is an error naming the variables, not shard -5/4.
        XCTAssertThrowsError(try Sharding.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "6",
                                                                       "SLURM_ARRAY_TASK_COUNT": "4"])) { error in
            XCTAssertTrue("\(error)".contains("SLURM_ARRAY_TASK_ID 1 is below SLURM_ARRAY_TASK_MIN 6"), "\(error)")
        }
        XCTAssertThrowsError(try Sharding.parse("auto/4", environment: ["JOB_COMPLETION_INDEX": "4"])) { error in
            XCTAssertTrue("\(error)".contains("4 (from JOB_COMPLETION_INDEX) is outside 0..<4"), "\(error)")
        }
        // auto/N: the task id is the shard, so a task resubmitted alone keeps it.
        XCTAssertEqual(try Sharding.parse("auto/8", environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "5",
                                                                   "SLURM_ARRAY_TASK_COUNT": "1"]), Shard(index: 5, count: 8))
        XCTAssertEqual(Sharding.group(environment: ["SLURM_ARRAY_JOB_ID": "991"]), "slurm-991")
    }

    /// Every file lands in exactly one of N shards, the same one on every
    /// machine (FNV-1a of the relative path is fixed), and shards are balanced.
    func testShardsCoverEveryFileOnceAndStayBalanced() {
        let files = (0..<10_000).map { ImageFiles.File(path: "/mnt/x/\($0).jpg", key: "dir\($0 % 7)/img_\($0).jpg") }
        let n = 8
        let parts = (0..<n).map { Sharding.select(files, shard: Shard(index: $0, count: n)) }
        XCTAssertEqual(parts.map(\.count).reduce(0, +), files.count)
        XCTAssertEqual(Set(parts.flatMap { $0.map(\.path) }).count, files.count)
        XCTAssertLessThan(parts.map(\.count).max()! - parts.map(\.count).min()!, 300)
        XCTAssertEqual(Sharding.fnv1a("a"), 0xaf63_dc4c_8601_ec8c)   // the published FNV-1a 64 test vector
    }
}
