import Foundation

/// Reusable float buffers for per-call workspaces (im2col columns). A fresh
/// multi-megabyte allocation per convolution costs page faults on every page
/// touched, which at 640×480 took longer than the matrix product itself; buffers
/// handed back here are reused by the next call instead.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()

    private let lock = NSLock()
    private var free: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    /// Idle buffers kept; more would only hold memory.
    private let keep = 4

    func withBuffer<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(max(count, 1))
        defer { giveBack(buffer) }
        return try body(buffer.pointer)
    }

    private func take(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let i = free.indices.filter({ free[$0].capacity >= count }).min(by: { free[$0].capacity < free[$1].capacity }) {
            return free.remove(at: i)
        }
        if let i = free.indices.max(by: { free[$0].capacity < free[$1].capacity }) {
            // Too small for this call: replace it rather than keep a useless buffer.
            free.remove(at: i).pointer.deallocate()
        }
        return (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
    }

    private func giveBack(_ buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)) {
        lock.lock()
        defer { lock.unlock() }
        free.append(buffer)
        if free.count > keep {
            let i = free.indices.min(by: { free[$0].capacity < free[$1].capacity })!
            free.remove(at: i).pointer.deallocate()
        }
    }
}
