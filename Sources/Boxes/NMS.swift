import Parallelism

/// Indices of `scores` from the highest score down, among equal scores the lower
/// index first, so that results never depend on the sort algorithm. NaN scores
/// sort last (treated as −infinity). Every NMS here visits boxes in this order;
/// top-k selections should use it too.
public func descendingScoreOrder(_ scores: [Float]) -> [Int] {
    scores.withUnsafeBufferPointer { scoreOrder($0) }
}

@inline(__always)
func scoreOrder(_ scores: UnsafeBufferPointer<Float>) -> [Int] {
    let keys = [Float](unsafeUninitializedCapacity: scores.count) { kp, initialised in
        for i in scores.indices { kp[i] = scores[i].isNaN ? -.infinity : scores[i] }
        initialised = scores.count
    }
    var order = Array(scores.indices)
    keys.withUnsafeBufferPointer { k in
        order.sort { a, b in k[a] > k[b] || (k[a] == k[b] && a < b) }
    }
    return order
}

/// Greedy non-maximum suppression.
///
/// Visits the boxes from the highest score down and keeps a box unless an
/// already kept box overlaps it with IoU strictly greater than `iouThreshold`.
/// Returns the kept indices into `boxes`, sorted by decreasing score (ties: lower
/// index first), at most `maxOutput` of them.
///
/// The boxes are sorted once and copied into separate coordinate arrays; each
/// kept box then sweeps the remaining ones, computing IoU on the fly and setting
/// a suppression flag without branching, so the sweep vectorises. Memory stays
/// O(n) — no n×n matrix — which matters for the 12,000 pre-NMS RPN proposals.
public func nms(boxes: [Box], scores: [Float], iouThreshold: Float,
                maxOutput: Int = .max) -> [Int] {
    precondition(boxes.count == scores.count,
                 "nms: \(boxes.count) boxes but \(scores.count) scores")
    let n = boxes.count
    guard n > 0, maxOutput > 0 else { return [] }
    let order = scores.withUnsafeBufferPointer { scoreOrder($0) }
    if n == 1 { return order }

    // Five coordinate streams in visiting order: [x1 | y1 | x2 | y2 | area].
    var columns = [Float](repeating: 0, count: 5 * n)
    boxes.withUnsafeBufferPointer { bp in
    order.withUnsafeBufferPointer { op in
    columns.withUnsafeMutableBufferPointer { cp in
        let c = cp.baseAddress!
        for r in 0..<n {
            let b = bp[op[r]]
            c[r] = b.x1; c[n + r] = b.y1; c[2 * n + r] = b.x2; c[3 * n + r] = b.y2; c[4 * n + r] = b.area
        }
    }}}
    var suppressed = [Int32](repeating: 0, count: n)
    var keep: [Int] = []
    keep.reserveCapacity(min(n, maxOutput))
    columns.withUnsafeBufferPointer { cp in
    suppressed.withUnsafeMutableBufferPointer { sp in
    order.withUnsafeBufferPointer { op in
        let x1p = cp.baseAddress!, y1p = x1p + n, x2p = y1p + n, y2p = x2p + n, ap = y2p + n
        for i in 0..<n {
            if sp[i] != 0 { continue }
            keep.append(op[i])
            if keep.count >= maxOutput { break }
            let ix1 = x1p[i], iy1 = y1p[i], ix2 = x2p[i], iy2 = y2p[i], iArea = ap[i]
            // An empty box overlaps nothing, so it cannot suppress anything.
            if iArea <= 0 { continue }
            var j = i + 1
            while j < n {
                let w = max(0, min(ix2, x2p[j]) - max(ix1, x1p[j]))
                let h = max(0, min(iy2, y2p[j]) - max(iy1, y1p[j]))
                let inter = w * h
                // IoU > t tested as inter > t·union: no division in the sweep.
                // A zero union means zero intersection, which never suppresses.
                let union = iArea + ap[j] - inter
                sp[j] |= inter > iouThreshold * union ? 1 : 0
                j += 1
            }
        }
    }}}
    return keep
}

/// NMS run separately for each class: boxes of different classes never
/// suppress each other. Returns, for each class present, the kept indices into
/// `boxes` in decreasing score order (ties: lower index first).
public func perClassNMS(boxes: [Box], scores: [Float], classes: [Int],
                        iouThreshold: Float, maxOutputPerClass: Int = .max) -> [Int: [Int]] {
    precondition(boxes.count == scores.count && boxes.count == classes.count,
                 "perClassNMS: \(boxes.count) boxes, \(scores.count) scores, \(classes.count) classes")
    var members: [Int: [Int]] = [:]
    for (i, c) in classes.enumerated() { members[c, default: []].append(i) }
    let labels = members.keys.sorted()
    var kept = [[Int]](repeating: [], count: labels.count)
    let work = { (k: Int) -> [Int] in
        let idx = members[labels[k]]!
        let sub = nms(boxes: idx.map { boxes[$0] }, scores: idx.map { scores[$0] },
                      iouThreshold: iouThreshold, maxOutput: maxOutputPerClass)
        // Member lists are ascending, so mapping back preserves the tie order.
        return sub.map { idx[$0] }
    }
    // A class of m boxes compares up to m² pairs; the mean class size stands
    // in for every class.
    let perClass = boxes.count / max(1, labels.count)
    kept.withUnsafeMutableBufferPointer { kp in
        let base = kp.baseAddress!
        Parallel.forEach(labels.count, costPerItem: perClass * perClass) { k in
            base[k] = work(k)
        }
    }
    var result: [Int: [Int]] = [:]
    for (k, c) in labels.enumerated() { result[c] = kept[k] }
    return result
}

/// NMS over boxes of several classes in one call, each class suppressed on its
/// own, with the survivors merged into one list sorted by decreasing score (ties:
/// lower index first) and cut to `maxOutput`.
///
/// torchvision's `batched_nms` gets the same result by shifting each class's
/// boxes by `class × (max coordinate + 1)` so that classes cannot overlap and one
/// NMS suffices. We loop over classes instead: in float32 a large offset rounds
/// the coordinates (at an offset of 80,000 the spacing is ~0.008 px), which can
/// move an IoU across the threshold, and the per-class loop also compares fewer
/// pairs and runs the classes in parallel.
public func batchedNMS(boxes: [Box], scores: [Float], classes: [Int],
                       iouThreshold: Float, maxOutput: Int = .max) -> [Int] {
    let perClass = perClassNMS(boxes: boxes, scores: scores, classes: classes,
                               iouThreshold: iouThreshold, maxOutputPerClass: maxOutput)
    var merged = perClass.values.flatMap { $0 }
    merged.sort { a, b in
        let sa = scores[a].isNaN ? -Float.infinity : scores[a]
        let sb = scores[b].isNaN ? -Float.infinity : scores[b]
        return sa > sb || (sa == sb && a < b)
    }
    if merged.count > maxOutput { merged.removeLast(merged.count - maxOutput) }
    return merged
}
