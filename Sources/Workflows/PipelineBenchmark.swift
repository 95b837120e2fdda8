import Foundation
import Imaging
import Pipelines

/// `detect bench pipelines` as a library call: seconds per 640×480 image,
/// stage by stage, for a loaded pipeline, after one untimed warm-up image
/// (decode is timed; the resize to 640×480 is not).
public struct PipelineBenchmark {
    public static let width = 640, height = 480
    public var repeats: Int

    public init(repeats: Int) { self.repeats = repeats }

    public struct Result: Sendable {
        public var stages: [(stage: String, seconds: Double)]
        public var total: Double { stages.reduce(0) { $0 + $1.seconds } }
    }

    public func measure(_ detector: DetectionPipeline, files: [String]) throws -> Result {
        guard let first = files.first else { throw WorkflowError.invalid("no JPEG images to measure") }
        var sums: [(stage: String, ms: Double)] = detector.config.stages.map { ($0, 0) }
        var count = 0
        _ = try stageTimes(detector, path: first)   // warm-up: caches, allocator, BLAS threads
        for _ in 0..<repeats {
            for file in files {
                for (stage, ms) in try stageTimes(detector, path: file) {
                    if let i = sums.firstIndex(where: { $0.stage == stage }) { sums[i].ms += ms } else { sums.append((stage, ms)) }
                }
                count += 1
            }
        }
        return Result(stages: sums.map { (stage: $0.stage, seconds: $0.ms / 1000 / Double(max(count, 1))) })
    }

    /// Stage milliseconds of one image at 640×480.
    func stageTimes(_ detector: DetectionPipeline, path: String) throws -> [(stage: String, ms: Double)] {
        var timer = StageTimer()
        var image = try timer.time("decode") { try JPEG.decode(path: path) }
        if image.width != Self.width || image.height != Self.height {
            image = image.resized(width: Self.width, height: Self.height, antialias: true)
        }
        _ = try detector.detect(image, timer: &timer)
        return timer.milliseconds
    }
}
