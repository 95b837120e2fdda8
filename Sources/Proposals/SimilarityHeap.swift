/// A binary max-heap of candidate merges keyed by similarity. Hierarchical
/// grouping never removes entries when regions merge: an entry naming a region
/// that no longer exists is dropped when it reaches the top (lazy invalidation),
/// so each merge costs O(neighbours · log n) instead of a full re-sort.
struct SimilarityHeap {
    struct Entry {
        var similarity: Float
        var a: Int32
        var b: Int32
    }

    private var entries: [Entry] = []

    init(capacity: Int) { entries.reserveCapacity(capacity) }

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func push(_ similarity: Float, _ a: Int32, _ b: Int32) {
        entries.append(Entry(similarity: similarity, a: a, b: b))
        entries.withUnsafeMutableBufferPointer { h in
            var i = h.count - 1
            let item = h[i]
            while i > 0 {
                let parent = (i - 1) >> 1
                if !SimilarityHeap.before(item, h[parent]) { break }
                h[i] = h[parent]
                i = parent
            }
            h[i] = item
        }
    }

    mutating func pop() -> Entry? {
        guard let last = entries.popLast() else { return nil }
        if entries.isEmpty { return last }
        var top = last
        entries.withUnsafeMutableBufferPointer { h in
            top = h[0]
            let n = h.count
            var i = 0
            while true {
                let l = 2 * i + 1
                if l >= n { break }
                var c = l
                if l + 1 < n && SimilarityHeap.before(h[l + 1], h[l]) { c = l + 1 }
                if !SimilarityHeap.before(h[c], last) { break }
                h[i] = h[c]
                i = c
            }
            h[i] = last
        }
        return top
    }

    /// Higher similarity first; ties broken by region ids so the grouping is
    /// deterministic whatever the insertion order.
    @inline(__always)
    static func before(_ x: Entry, _ y: Entry) -> Bool {
        if x.similarity != y.similarity { return x.similarity > y.similarity }
        if x.a != y.a { return x.a < y.a }
        return x.b < y.b
    }
}
