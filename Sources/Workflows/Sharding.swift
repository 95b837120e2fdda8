import Foundation
import Store

/// Splitting a run across machines. A file's shard is FNV-1a (64-bit) of its
/// key — its path relative to the folder given on the command line, or the
/// path exactly as given for a file or a `--files-from` line — modulo the
/// shard count. The key does not depend on where the folder is mounted, so
/// every machine puts every file in the same shard, and the N shards cover
/// each file exactly once.
public enum Sharding {
    /// `K/N` (0 ≤ K < N), `auto/N` (K from the environment) or `auto` (both
    /// from the environment): Kubernetes Indexed Jobs set `JOB_COMPLETION_INDEX`
    /// (N is the Job's `completions`, so give it: `auto/N`); Slurm job arrays
    /// set `SLURM_ARRAY_TASK_ID`. With `auto/N` the task id is K itself (arrays
    /// 0…N−1; a task resubmitted alone keeps its shard). With `auto`, N is
    /// `SLURM_ARRAY_TASK_COUNT` and K counts from `SLURM_ARRAY_TASK_MIN`, for
    /// arrays such as 1…N submitted whole.
    public static func parse(_ spec: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
        let parts = spec.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 2 else { throw WorkflowError.invalid("--shard '\(spec)': expected K/N, auto/N or auto") }
        func number(_ text: String, _ what: String) throws -> Int {
            // Digits only: Int() would also take "+1", which is no shard index anyone writes.
            let digits = text.trimmingCharacters(in: .whitespaces)
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n <= 1_000_000 else {
                throw WorkflowError.invalid("--shard '\(spec)': \(what) '\(text)' is not a whole number in 0...1000000")
            }
            return n
        }
        let count: Int
        if parts.count == 2 {
            count = try number(parts[1], "shard count")
        } else if let slurm = environment["SLURM_ARRAY_TASK_COUNT"] {
            count = try number(slurm, "SLURM_ARRAY_TASK_COUNT")
        } else {
            throw WorkflowError.invalid("--shard auto: no shard count in the environment (SLURM_ARRAY_TASK_COUNT); use auto/N")
        }
        guard count >= 1 else { throw WorkflowError.invalid("--shard '\(spec)': the shard count must be at least 1") }
        let index: Int
        if parts[0] == "auto" {
            if let k8s = environment["JOB_COMPLETION_INDEX"] {
                index = try number(k8s, "JOB_COMPLETION_INDEX")
            } else if let slurm = environment["SLURM_ARRAY_TASK_ID"] {
                let first = parts.count == 2 ? 0 : try environment["SLURM_ARRAY_TASK_MIN"].map { try number($0, "SLURM_ARRAY_TASK_MIN") } ?? 0
                let task = try number(slurm, "SLURM_ARRAY_TASK_ID")
                guard task >= first else {
                    throw WorkflowError.invalid("--shard '\(spec)': SLURM_ARRAY_TASK_ID \(task) is below SLURM_ARRAY_TASK_MIN \(first), so it names no shard in 0..<\(count)")
                }
                index = task - first
            } else {
                throw WorkflowError.invalid("--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set")
            }
        } else {
            index = try number(parts[0], "shard index")
        }
        guard index < count else {
            let source = parts[0] != "auto" ? "" : environment["JOB_COMPLETION_INDEX"] != nil ? " (from JOB_COMPLETION_INDEX)"
                : parts.count == 2 ? " (from SLURM_ARRAY_TASK_ID)" : " (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN)"
            throw WorkflowError.invalid("--shard '\(spec)': shard index \(index)\(source) is outside 0..<\(count)")
        }
        return Shard(index: index, count: count)
    }

    /// The logical run's group when the scheduler names it (Slurm's array job id).
    public static func group(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment["DETECT_RUN_GROUP"] ?? environment["SLURM_ARRAY_JOB_ID"].map { "slurm-\($0)" }
    }

    @inline(__always)
    public static func fnv1a(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    public static func shard(of key: String, count: Int) -> Int { Int(fnv1a(key) % UInt64(count)) }

    /// The files of one shard, in their original order.
    public static func select(_ files: [ImageFiles.File], shard: Shard?) -> [ImageFiles.File] {
        guard let shard else { return files }
        return files.filter { Self.shard(of: $0.key, count: shard.count) == shard.index }
    }
}
