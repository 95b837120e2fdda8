import Foundation

/// What the iterations of a parallel loop reported, collected from any thread:
/// the tests check what was visited (each index once means the sorted log is
/// exactly 0..<count) and whether any of it ran off the calling thread.
final class Recorder<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [Element] = []
    private var offCaller = false

    func append(_ e: Element, onCaller: Bool = true) {
        lock.lock(); defer { lock.unlock() }
        log.append(e)
        if !onCaller { offCaller = true }
    }

    var all: [Element] { lock.lock(); defer { lock.unlock() }; return log }
    var allOnCaller: Bool { lock.lock(); defer { lock.unlock() }; return !offCaller }
}

extension Recorder where Element: Comparable {
    var sorted: [Element] { all.sorted() }
}
