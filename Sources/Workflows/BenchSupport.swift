import Dispatch
import Foundation

/// Helpers shared by the benchmarks.
public enum BenchSupport {
    /// Median wall time in seconds of `body` over `repeats` runs.
    public static func medianSeconds(repeats: Int, _ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }

    /// "debug" or "release": benchmark figures only mean something for release builds.
    public static var buildConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }
}
