import Dispatch
import Foundation

/// The toolkit's one way to spread a loop over the cores: the element-wise work
/// BLAS does not do (im2col, pooling, normalisation, resizing, region warping,
/// IoU matrices) and the independent jobs of selective search.
///
/// Bodies run concurrently and must write only memory no other iteration
/// touches; every function returns only when all iterations have finished, so
/// a body may use pointers that are valid for the duration of the call.
///
/// Everything is `@inlinable`: the callers' bodies are hot loops in other
/// modules, and inlining lets the compiler fold the closure into the serial
/// path and keep its context on the stack.
public enum Parallel {
    /// Cores this process may use, read once: the value does not change while
    /// we run and the property is not free to query.
    @usableFromInline
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Jobs smaller than this (count × costPerItem, in element operations) stay
    /// on the calling thread: waking the pool costs more than they do.
    public static let serialWork = 16_384

    /// `forRanges` makes at most this many chunks per core, so that chunks
    /// delayed by other work on the machine are balanced by the rest.
    @usableFromInline
    static let chunksPerWorker = 4

    /// `forEach` hands out at most this many blocks of items per core: enough
    /// that uneven items (regions of different sizes, planes at image edges)
    /// still balance.
    @usableFromInline
    static let itemBlocksPerWorker = 16

    /// Runs `body(i)` for every i in 0..<count, spread over the cores when the
    /// whole job (count × costPerItem) is big enough to pay for the dispatch,
    /// on the calling thread otherwise. `costPerItem` is a rough count of the
    /// element operations one iteration does; a product that overflows `Int`
    /// counts as big.
    @inlinable @inline(__always)
    public static func forEach(_ count: Int, costPerItem: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let (work, overflow) = count.multipliedReportingOverflow(by: costPerItem)
        if count == 1 || (!overflow && work < serialWork) {
            for i in 0..<count { body(i) }
            return
        }
        // concurrentPerform hands out one iteration per atomic increment on a
        // shared counter; with tens of thousands of tiny items (a depthwise
        // filter over R-CNN's 3 × 3 maps, 64 regions × 960 channels) that
        // traffic costs more than the items. Blocks of consecutive items,
        // still several per core for balance, keep the counter cold.
        let blocks = min(count, workers * itemBlocksPerWorker)
        concurrently(blocks) { c in
            for i in (count * c / blocks)..<(count * (c + 1) / blocks) { body(i) }
        }
    }

    /// Runs `body` over disjoint, non-empty ranges that together cover
    /// 0..<count: a few per core, each of at least `minPerChunk` items, or one
    /// range on the calling thread when the job is too small to split.
    @inlinable @inline(__always)
    public static func forRanges(_ count: Int, minPerChunk: Int, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = min(workers * chunksPerWorker, max(1, count / max(1, minPerChunk)))
        if chunks == 1 { body(0..<count); return }
        // chunks <= count, so no range is empty.
        concurrently(chunks) { c in
            body((count * c / chunks)..<(count * (c + 1) / chunks))
        }
    }

    /// `[body(0), body(1), …, body(count - 1)]`, each element computed on
    /// whichever core is free. Meant for a handful of large independent jobs,
    /// so it always dispatches when there are at least two.
    @inlinable
    public static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        if count <= 1 { return count == 1 ? [body(0)] : [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            // Each iteration initialises only its own slot.
            nonisolated(unsafe) let slots = buffer.baseAddress!
            concurrently(count) { i in (slots + i).initialize(to: body(i)) }
            initialized = count
        }
    }

    /// `concurrentPerform` over a non-escaping, non-Sendable body. Both are safe
    /// here: the iterations write disjoint memory, which the compiler cannot
    /// see, and concurrentPerform returns only after all of them, so the body
    /// never outlives the call.
    @inlinable
    static func concurrently(_ iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let run = escapable
            DispatchQueue.concurrentPerform(iterations: iterations) { i in run(i) }
        }
    }
}
