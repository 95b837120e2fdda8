import Foundation
import XCTest
import SafeYAML
@testable import DetectCLI
import Workflows

/// The recipes a user copies agree with the CLI: the Indexed Job's shard count
/// is its `completions`, every `detect` argument list parses, and the Slurm
/// array matches its shard count. (`scripts/validate-deploy` checks the
/// manifests against the Kubernetes API schema.)
final class DeployRecipesTests: XCTestCase {
    var root: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }

    func testKubernetesIndexedJobAndMerge() throws {
        let text = try String(contentsOf: root.appendingPathComponent("deploy/kubernetes/indexed-job.yaml"), encoding: .utf8)
        let job = try XCTUnwrap(try SafeYAML.load(text) as? [String: Any])
        let spec = try XCTUnwrap(job["spec"] as? [String: Any])
        XCTAssertEqual(job["kind"] as? String, "Job")
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        let completions = try XCTUnwrap(spec["completions"] as? Int)
        let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        let args = try XCTUnwrap(container["args"] as? [String])
        XCTAssertEqual(args.first, "run")
        let shard = try XCTUnwrap(args.firstIndex(of: "--shard").map { args[$0 + 1] })
        XCTAssertEqual(try Sharding.parse(shard, environment: ["JOB_COMPLETION_INDEX": "0"]).count, completions)
        XCTAssertNoThrow(try RunCommand.parse(Array(args.dropFirst())))

        let merge = try String(contentsOf: root.appendingPathComponent("deploy/kubernetes/merge-job.yaml"), encoding: .utf8)
        XCTAssertTrue(merge.contains("detect merge /data/shards/shard-*.sqlite --into"))
    }

    func testSlurmArrayMatchesItsShardCount() throws {
        let text = try String(contentsOf: root.appendingPathComponent("deploy/slurm/detect-array.sbatch"), encoding: .utf8)
        let array = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("#SBATCH --array=") })
        let range = array.dropFirst("#SBATCH --array=".count).split(separator: "-").compactMap { Int($0) }
        XCTAssertEqual(range.first, 0)
        XCTAssertTrue(text.contains("--shard \"auto/${SHARD_COUNT:-\((range.last ?? -1) + 1)}\""), "array \(array) vs shard count")
        let merge = try String(contentsOf: root.appendingPathComponent("deploy/slurm/merge.sbatch"), encoding: .utf8)
        XCTAssertTrue(merge.contains("detect merge \"$SHARDS\"/shard-*.sqlite --into"))
    }
}
