import Foundation

/// Wall time of each named stage of one image, in the order the stages ran.
/// Stages that run more than once (e.g. per batch of regions) accumulate.
public struct StageTimer: Sendable {
    public private(set) var milliseconds: [(stage: String, ms: Double)] = []

    public init() {}

    /// Runs `body` and adds its wall time to `stage`.
    @discardableResult
    public mutating func time<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        add(stage, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        return result
    }

    public mutating func add(_ stage: String, _ ms: Double) {
        if let i = milliseconds.firstIndex(where: { $0.stage == stage }) {
            milliseconds[i].ms += ms
        } else {
            milliseconds.append((stage, ms))
        }
    }

    public var total: Double { milliseconds.reduce(0) { $0 + $1.ms } }
}
