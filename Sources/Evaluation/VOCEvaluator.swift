import Boxes

/// Pascal VOC detection AP: per class, detections sorted by score are matched
/// greedily to the unmatched ground truth of their image with the highest IoU;
/// IoU >= threshold is a true positive, `difficult` ground truth is neither a
/// true nor a false positive and is not counted in recall. Crowd boxes (a COCO
/// notion) are treated as difficult. IoU is plain continuous-coordinate IoU,
/// which equals the devkit's "+1" IoU on its 1-based inclusive coordinates.
public enum VOCEvaluator {
    public enum APMethod: String, Sendable {
        /// Area under the interpolated PR curve (VOC 2010 and later).
        case area
        /// 11-point interpolated AP (VOC 2007).
        case elevenPoint = "voc07"
    }

    public struct ClassResult: Sendable {
        public var categoryID: Int64
        /// nil when the class has no (non-difficult) ground truth.
        public var ap: Double?
        public var positives: Int
        public var detections: Int
        public var curve: PRCurve
    }

    public struct Result: Sendable {
        public var perClass: [ClassResult]
        /// Mean AP over classes that have ground truth.
        public var mAP: Double
    }

    public static func evaluate(groundTruth: [GroundTruthBox], detections: [ScoredDetection],
                                categoryIDs: [Int64]? = nil, method: APMethod = .area,
                                iouThreshold: Double = 0.5) -> Result {
        let cats = categoryIDs ?? Array(Set(groundTruth.map(\.categoryID)).union(detections.map(\.categoryID))).sorted()
        var results: [ClassResult] = []
        for cat in cats {
            results.append(evaluateClass(cat, groundTruth.filter { $0.categoryID == cat },
                                         detections.filter { $0.categoryID == cat },
                                         method: method, iouThreshold: iouThreshold))
        }
        let aps = results.compactMap(\.ap)
        return Result(perClass: results, mAP: aps.isEmpty ? 0 : aps.reduce(0, +) / Double(aps.count))
    }

    static func evaluateClass(_ cat: Int64, _ gts: [GroundTruthBox], _ dets: [ScoredDetection],
                              method: APMethod, iouThreshold: Double) -> ClassResult {
        struct GT { var box: Box; var ignored: Bool; var used = false }
        var byImage: [Int64: [GT]] = [:]
        var positives = 0
        for g in gts {
            let ignored = g.difficult || g.isCrowd
            byImage[g.imageID, default: []].append(GT(box: g.box, ignored: ignored))
            if !ignored { positives += 1 }
        }
        let order = stableDescendingOrder(dets.count) { dets[$0].score }
        var tp = 0.0, fp = 0.0
        var recall: [Double] = [], precision: [Double] = [], scores: [Float] = []
        for di in order {
            let d = dets[di]
            var best = -Double.infinity, bestIndex = -1
            if let candidates = byImage[d.imageID] {
                for (j, g) in candidates.enumerated() {
                    let o = iou64(d.box, g.box)
                    if o > 0 && o > best { best = o; bestIndex = j }
                }
            }
            if bestIndex >= 0 && best >= iouThreshold {
                if byImage[d.imageID]![bestIndex].ignored { continue }
                if !byImage[d.imageID]![bestIndex].used {
                    byImage[d.imageID]![bestIndex].used = true
                    tp += 1
                } else { fp += 1 }
            } else { fp += 1 }
            recall.append(positives > 0 ? tp / Double(positives) : 0)
            precision.append(tp / max(tp + fp, Double.ulpOfOne))
            scores.append(d.score)
        }
        let curve = PRCurve(recall: recall, precision: precision, scores: scores)
        let ap: Double? = positives == 0 ? nil : averagePrecision(recall: recall, precision: precision, method: method)
        return ClassResult(categoryID: cat, ap: ap, positives: positives, detections: recall.count, curve: curve)
    }

    /// AP of a PR curve given in detection order.
    public static func averagePrecision(recall: [Double], precision: [Double], method: APMethod) -> Double {
        switch method {
        case .elevenPoint:
            var ap = 0.0
            for k in 0...10 {
                let t = Double(k) * 0.1
                var p = 0.0
                for (r, pr) in zip(recall, precision) where r >= t { p = max(p, pr) }
                ap += p / 11
            }
            return ap
        case .area:
            let mrec = [0.0] + recall + [1.0]
            var mpre = [0.0] + precision + [0.0]
            for i in stride(from: mpre.count - 1, to: 0, by: -1) { mpre[i - 1] = max(mpre[i - 1], mpre[i]) }
            var ap = 0.0
            for i in 1..<mrec.count where mrec[i] != mrec[i - 1] {
                ap += (mrec[i] - mrec[i - 1]) * mpre[i]
            }
            return ap
        }
    }
}
