import Dispatch

/// Lets a closure that writes disjoint slots of a buffer cross into
/// `concurrentPerform`; the callers guarantee iterations never share a slot.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// Runs `body(i)` for `i in 0..<iterations` on all cores. The body must only
/// write state that no other iteration touches.
@inline(__always)
func parallelFor(iterations: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { escapable in
        let wrapped = UncheckedSendable(value: escapable)
        DispatchQueue.concurrentPerform(iterations: iterations) { wrapped.value($0) }
    }
}
