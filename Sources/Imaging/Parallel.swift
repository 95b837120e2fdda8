import Dispatch
import Foundation

/// Carries a non-Sendable value (a raw pointer into a buffer the caller keeps
/// alive, a closure over such pointers) into `concurrentPerform`. Safe here
/// because every parallel loop writes disjoint ranges and returns only after
/// all iterations finish.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// Splits `0..<count` into a few ranges per core and runs `body` on each in
/// parallel, returning when all are done. Ranges hold at least
/// `minimumPerChunk` items so small jobs stay on one thread.
func parallelRanges(_ count: Int, minimumPerChunk: Int, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    let chunks = max(1, min(cores * 4, count / max(1, minimumPerChunk)))
    if chunks == 1 { body(0..<count); return }
    withoutActuallyEscaping(body) { escaping in
        let work = UncheckedSendable(value: escaping)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            work.value((chunk * count / chunks)..<((chunk + 1) * count / chunks))
        }
    }
}
