import Dispatch
import Foundation

/// Work-splitting for the element-wise parts BLAS does not do (im2col, pooling,
/// normalisation, activations). Small jobs stay on the calling thread because a
/// dispatch round trip costs more than they do.
enum Parallel {
    /// Number of chunks to split a job into: a few per core so uneven chunks balance.
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` over disjoint sub-ranges covering 0..<count.
    @inline(__always)
    static func forRanges(_ count: Int, minPerChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(workers * 2, max(1, count / max(1, minPerChunk)))
        if chunks <= 1 { body(0..<count); return }
        forEach(chunks, costPerItem: Int.max / 2) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Runs `body(i)` for every i in 0..<count, spread over the cores when the
    /// whole job (count × costPerItem) is big enough to pay for it.
    @inline(__always)
    static func forEach(_ count: Int, costPerItem: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let (work, overflow) = count.multipliedReportingOverflow(by: costPerItem)
        if count == 1 || (!overflow && work < 16384) {
            for i in 0..<count { body(i) }
            return
        }
        // The bodies write through raw pointers to disjoint memory, which the
        // compiler cannot see; concurrentPerform returns only when all are done.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let run = escapable
            DispatchQueue.concurrentPerform(iterations: count) { i in run(i) }
        }
    }
}

