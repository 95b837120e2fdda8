import Parallelism

extension Box {
    /// Intersection over union with `other`. Degenerate boxes have zero area, so
    /// their IoU with anything is 0 (never NaN, even for two empty boxes).
    @inline(__always)
    public func iou(_ other: Box) -> Float {
        let iw = min(x2, other.x2) - max(x1, other.x1)
        let ih = min(y2, other.y2) - max(y1, other.y1)
        guard iw > 0, ih > 0 else { return 0 }
        let inter = iw * ih
        let union = area + other.area - inter
        return union > 0 ? inter / union : 0
    }

    /// The overlapping region, or nil when the boxes do not overlap.
    public func intersection(_ other: Box) -> Box? {
        let b = Box(x1: max(x1, other.x1), y1: max(y1, other.y1),
                    x2: min(x2, other.x2), y2: min(y2, other.y2))
        return b.isDegenerate ? nil : b
    }
}

/// Pairwise IoU of every box in `a` (rows) with every box in `b` (columns),
/// row-major `[a.count × b.count]`.
///
/// The columns are first split into separate coordinate arrays (struct of
/// arrays) so the inner loop over `b` reads five unit-stride streams and the
/// compiler can vectorise it; rows are spread over the cores when the matrix is
/// large enough to pay for the dispatch.
public func iouMatrix(_ a: [Box], _ b: [Box]) -> [Float] {
    let n = a.count, m = b.count
    guard n > 0, m > 0 else { return [] }
    // Column streams [x1 | y1 | x2 | y2 | area] of `b`.
    var columns = [Float](repeating: 0, count: 5 * m)
    b.withUnsafeBufferPointer { bp in
        columns.withUnsafeMutableBufferPointer { cp in
            let c = cp.baseAddress!
            for j in 0..<m {
                let box = bp[j]
                c[j] = box.x1; c[m + j] = box.y1; c[2 * m + j] = box.x2; c[3 * m + j] = box.y2
                c[4 * m + j] = box.area
            }
        }
    }
    var result = [Float](repeating: 0, count: n * m)
    a.withUnsafeBufferPointer { ap in
    columns.withUnsafeBufferPointer { cp in
    result.withUnsafeMutableBufferPointer { out in
        let outBase = out.baseAddress!
        let x1s = cp.baseAddress!, y1s = x1s + m, x2s = y1s + m, y2s = x2s + m, areas = y2s + m
        // Chunks of at least 32K IoUs: a matrix under 64K entries stays on one thread.
        Parallel.forRanges(n, minPerChunk: max(1, 32_768 / m)) { rows in
            for i in rows {
                let box = ap[i]
                let ax1 = box.x1, ay1 = box.y1, ax2 = box.x2, ay2 = box.y2, aArea = box.area
                let row = outBase + i * m
                for j in 0..<m {
                    let iw = max(0, min(ax2, x2s[j]) - max(ax1, x1s[j]))
                    let ih = max(0, min(ay2, y2s[j]) - max(ay1, y1s[j]))
                    let inter = iw * ih
                    let union = aArea + areas[j] - inter
                    // Branch-free select keeps the loop vectorisable; a zero union
                    // only happens for two empty boxes, whose IoU is defined as 0.
                    row[j] = union > 0 ? inter / union : 0
                }
            }
        }
    }}}
    return result
}
