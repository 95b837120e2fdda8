import Boxes

/// COCO box detection metrics, defined exactly as pycocotools' COCOeval
/// (iouType "bbox"): IoU thresholds 0.50:0.05:0.95, 101 recall points,
/// maxDets 1/10/100 per image and category, area ranges all/small/medium/large
/// on the ground truth's `area` (box area when absent) and the detection's box
/// area, crowd ground truth matched by intersection over detection area and
/// ignored. Arithmetic is float64 like the reference.
public enum COCOEvaluator {
    public struct Result: Sendable {
        /// AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl;
        /// -1 where undefined (as pycocotools prints).
        public var stats: [Double]
        /// AP@[.5:.95] per category (area all, maxDets 100); -1 when undefined.
        public var perClass: [Int64: Double]
        public var ap: Double { stats[0] }
    }

    public static let iouThresholds: [Double] = linspace(0.5, 0.95, 10)
    public static let recallThresholds: [Double] = linspace(0, 1, 101)
    public static let maxDets = [1, 10, 100]
    /// all, small, medium, large
    public static let areaRanges: [(Double, Double)] = [
        (0, 1e10), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e10),
    ]

    /// numpy.linspace semantics: start + i*step, last value exactly `stop`.
    static func linspace(_ start: Double, _ stop: Double, _ n: Int) -> [Double] {
        let step = (stop - start) / Double(n - 1)
        var v = (0..<n).map { start + Double($0) * step }
        v[n - 1] = stop
        return v
    }

    /// One image x category evaluation at one area range (pycocotools' evaluateImg).
    struct ImageEval {
        var dtScores: [Double]        // sorted descending, at most maxDets.last
        var dtMatched: [[Bool]]       // [T][D]
        var dtIgnore: [[Bool]]        // [T][D]
        var gtIgnore: [Bool]
    }

    /// - Parameters:
    ///   - imageIDs: the images evaluated (all images of the dataset, including
    ///     those without ground truth); detections on other images are dropped.
    ///   - categoryIDs: the categories evaluated (the dataset's categories).
    public static func evaluate(groundTruth: [GroundTruthBox], detections: [ScoredDetection],
                                imageIDs: [Int64], categoryIDs: [Int64]) -> Result {
        let images = imageIDs.sorted()
        let cats = categoryIDs.sorted()
        let imageSet = Set(images)
        struct Key: Hashable { var image: Int64; var cat: Int64 }
        var gts: [Key: [GroundTruthBox]] = [:]
        var dts: [Key: [ScoredDetection]] = [:]
        for g in groundTruth where imageSet.contains(g.imageID) { gts[Key(image: g.imageID, cat: g.categoryID), default: []].append(g) }
        for d in detections where imageSet.contains(d.imageID) { dts[Key(image: d.imageID, cat: d.categoryID), default: []].append(d) }

        let T = iouThresholds.count, R = recallThresholds.count
        let K = cats.count, A = areaRanges.count, M = maxDets.count
        // precision[t][r][k][a][m], recall[t][k][a][m]; -1 = undefined.
        var precision = [Double](repeating: -1, count: T * R * K * A * M)
        var recall = [Double](repeating: -1, count: T * K * A * M)
        @inline(__always) func pIndex(_ t: Int, _ r: Int, _ k: Int, _ a: Int, _ m: Int) -> Int { (((t * R + r) * K + k) * A + a) * M + m }
        @inline(__always) func rIndex(_ t: Int, _ k: Int, _ a: Int, _ m: Int) -> Int { ((t * K + k) * A + a) * M + m }

        for (k, cat) in cats.enumerated() {
            // IoUs per image once (detections sorted by score, capped at maxDets.last).
            var perImage: [(gt: [GroundTruthBox], dt: [ScoredDetection], ious: [[Double]])] = []
            for image in images {
                let key = Key(image: image, cat: cat)
                let g = gts[key] ?? []
                var d = dts[key] ?? []
                if g.isEmpty && d.isEmpty { continue }
                let order = stableDescendingOrder(d.count) { d[$0].score }
                d = order.prefix(maxDets.last!).map { d[$0] }
                let ious = d.map { det in g.map { iou64(det.box, $0.box, crowd: $0.isCrowd) } }
                perImage.append((g, d, ious))
            }
            for (a, range) in areaRanges.enumerated() {
                let evals = perImage.map { evaluateImage(gt: $0.gt, dt: $0.dt, ious: $0.ious, range: range) }
                for (m, maxDet) in maxDets.enumerated() {
                    accumulate(evals, maxDet: maxDet) { t, rc, q in
                        recall[rIndex(t, k, a, m)] = rc
                        for r in 0..<R { precision[pIndex(t, r, k, a, m)] = q[r] }
                    }
                }
            }
        }

        func summarizeAP(iou: Double?, area: Int, maxDet: Int, category: Int? = nil) -> Double {
            let m = maxDets.firstIndex(of: maxDet)!
            var sum = 0.0, n = 0
            for t in 0..<T where iou == nil || iouThresholds[t] == iou! {
                for r in 0..<R { for k in 0..<K where category == nil || category! == k {
                    let v = precision[pIndex(t, r, k, area, m)]
                    if v > -1 { sum += v; n += 1 }
                } }
            }
            return n == 0 ? -1 : sum / Double(n)
        }
        func summarizeAR(area: Int, maxDet: Int) -> Double {
            let m = maxDets.firstIndex(of: maxDet)!
            var sum = 0.0, n = 0
            for t in 0..<T { for k in 0..<K {
                let v = recall[rIndex(t, k, area, m)]
                if v > -1 { sum += v; n += 1 }
            } }
            return n == 0 ? -1 : sum / Double(n)
        }
        let stats = [
            summarizeAP(iou: nil, area: 0, maxDet: 100),
            summarizeAP(iou: 0.5, area: 0, maxDet: 100),
            summarizeAP(iou: 0.75, area: 0, maxDet: 100),
            summarizeAP(iou: nil, area: 1, maxDet: 100),
            summarizeAP(iou: nil, area: 2, maxDet: 100),
            summarizeAP(iou: nil, area: 3, maxDet: 100),
            summarizeAR(area: 0, maxDet: 1),
            summarizeAR(area: 0, maxDet: 10),
            summarizeAR(area: 0, maxDet: 100),
            summarizeAR(area: 1, maxDet: 100),
            summarizeAR(area: 2, maxDet: 100),
            summarizeAR(area: 3, maxDet: 100),
        ]
        var perClass: [Int64: Double] = [:]
        for (k, cat) in cats.enumerated() { perClass[cat] = summarizeAP(iou: nil, area: 0, maxDet: 100, category: k) }
        return Result(stats: stats, perClass: perClass)
    }

    /// Greedy matching of one image and category at every IoU threshold.
    static func evaluateImage(gt gtIn: [GroundTruthBox], dt: [ScoredDetection], ious iousIn: [[Double]],
                              range: (Double, Double)) -> ImageEval {
        let ignoreIn = gtIn.map { g -> Bool in
            let area = g.area ?? boxArea64(g.box)
            return g.isCrowd || area < range.0 || area > range.1
        }
        // Ground truth in scope first, ignored last (stable).
        let gOrder = (0..<gtIn.count).filter { !ignoreIn[$0] } + (0..<gtIn.count).filter { ignoreIn[$0] }
        let gtIgnore = gOrder.map { ignoreIn[$0] }
        let crowd = gOrder.map { gtIn[$0].isCrowd }
        let T = iouThresholds.count, D = dt.count, G = gOrder.count
        var dtMatched = [[Bool]](repeating: [Bool](repeating: false, count: D), count: T)
        var dtIgnore = dtMatched
        for t in 0..<T {
            var gtMatched = [Bool](repeating: false, count: G)
            for d in 0..<D {
                var best = min(iouThresholds[t], 1 - 1e-10)
                var m = -1
                for g in 0..<G {
                    if gtMatched[g] && !crowd[g] { continue }
                    if m > -1 && !gtIgnore[m] && gtIgnore[g] { break }
                    let o = iousIn[d][gOrder[g]]
                    if o < best { continue }
                    best = o; m = g
                }
                if m == -1 { continue }
                dtIgnore[t][d] = gtIgnore[m]
                dtMatched[t][d] = true
                gtMatched[m] = true
            }
        }
        for d in 0..<D {
            let area = boxArea64(dt[d].box)
            if area < range.0 || area > range.1 {
                for t in 0..<T where !dtMatched[t][d] { dtIgnore[t][d] = true }
            }
        }
        return ImageEval(dtScores: dt.map { Double($0.score) }, dtMatched: dtMatched, dtIgnore: dtIgnore, gtIgnore: gtIgnore)
    }

    /// pycocotools' accumulate for one category, area range and maxDet;
    /// calls `store(t, recall, precisionAtRecallThresholds)` when defined.
    static func accumulate(_ evals: [ImageEval], maxDet: Int, store: (Int, Double, [Double]) -> Void) {
        if evals.isEmpty { return }
        var scores: [Double] = []
        var source: [(e: Int, d: Int)] = []
        var npig = 0
        for (ei, e) in evals.enumerated() {
            for d in 0..<min(maxDet, e.dtScores.count) { scores.append(e.dtScores[d]); source.append((ei, d)) }
            npig += e.gtIgnore.filter { !$0 }.count
        }
        if npig == 0 { return }
        let order = Array(0..<scores.count).sorted { i, j in scores[i] != scores[j] ? scores[i] > scores[j] : i < j }
        let R = recallThresholds.count
        for t in 0..<iouThresholds.count {
            var tp = 0.0, fp = 0.0
            var rc: [Double] = [], pr: [Double] = []
            rc.reserveCapacity(order.count); pr.reserveCapacity(order.count)
            for i in order {
                let (e, d) = source[i]
                // Ignored detections still take a position in the cumulative arrays.
                if evals[e].dtIgnore[t][d] {
                } else if evals[e].dtMatched[t][d] { tp += 1 } else { fp += 1 }
                rc.append(tp / Double(npig))
                pr.append(tp / (fp + tp + Double.ulpOfOne))
            }
            let recallValue = rc.last ?? 0
            for i in stride(from: pr.count - 1, to: 0, by: -1) where pr[i] > pr[i - 1] { pr[i - 1] = pr[i] }
            var q = [Double](repeating: 0, count: R)
            // searchsorted(rc, thr, side: left) = first index with rc >= thr.
            var p = 0
            for (r, thr) in recallThresholds.enumerated() {
                while p < rc.count && rc[p] < thr { p += 1 }
                if p >= rc.count { break }
                q[r] = pr[p]
            }
            store(t, recallValue, q)
        }
    }
}
