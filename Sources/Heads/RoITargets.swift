import Boxes
import Randomness

/// Fast R-CNN's minibatch sampling of RoIs for one training image (Girshick
/// 2015, section 2.3): the ground-truth boxes join the proposals; RoIs with IoU
/// ≥ `fg_iou_threshold` (0.5) against some object are foreground and take its
/// class; RoIs whose best IoU lies in [`bg_iou_low`, `bg_iou_high`) are
/// background (the paper's [0.1, 0.5); the default lower bound is
/// torchvision's 0, and fast-rcnn.yaml keeps 0.1); a fixed number is sampled
/// with at most `positive_fraction` (25 %) foreground. Foreground RoIs regress
/// to their object with deltas normalised by `box_coder_weights` (by default
/// (10, 10, 5, 5) = 1 / (0.1, 0.1, 0.2, 0.2)).
public struct RoITargets: Sendable {
    public var fgIouThreshold: Float
    public var bgIouHigh: Float
    public var bgIouLow: Float
    public var sampler: BalancedSampler
    public var boxCoder: BoxCoder

    public init(fgIouThreshold: Float, bgIouHigh: Float, bgIouLow: Float, sampler: BalancedSampler, boxCoder: BoxCoder) {
        self.fgIouThreshold = fgIouThreshold
        self.bgIouHigh = bgIouHigh
        self.bgIouLow = bgIouLow
        self.sampler = sampler
        self.boxCoder = boxCoder
    }

    public struct Sample {
        public var rois: [Box]
        /// 0 background, 1...K object classes.
        public var labels: [Int]
        /// Four deltas per RoI, zero for background.
        public var regressionTargets: [Float]
    }

    /// - Parameters:
    ///   - labels: class of each ground-truth box, 1...K.
    public func sample(proposals: [Box], groundTruth: [Box], labels gtLabels: [Int],
                       using rng: inout SeededGenerator) -> Sample {
        let candidates = proposals.filter { !$0.isDegenerate } + groundTruth.filter { !$0.isDegenerate }
        let gt = groundTruth.enumerated().filter { !$0.element.isDegenerate }
        let gtBoxes = gt.map(\.element)
        let (best, bestIndex) = Matcher.best(groundTruth: gtBoxes, predictions: candidates)
        // An image with no background RoI in [low, high) — e.g. one without
        // objects, where every IoU is 0 — takes its background from [0, high).
        let hasBackgroundBand = best.contains { $0 >= bgIouLow && $0 < bgIouHigh }
        let low = hasBackgroundBand ? bgIouLow : 0
        var labels = [Int](repeating: -1, count: candidates.count)
        for i in 0..<candidates.count {
            if best[i] >= fgIouThreshold, bestIndex[i] >= 0 { labels[i] = gtLabels[gt[bestIndex[i]].offset] }
            else if best[i] >= low && best[i] < bgIouHigh { labels[i] = 0 }
        }
        let (pos, neg) = sampler.sample(labels: labels, using: &rng)
        var sample = Sample(rois: [], labels: [], regressionTargets: [])
        for i in pos + neg {
            let isFg = labels[i] >= 1
            sample.rois.append(candidates[i])
            sample.labels.append(isFg ? labels[i] : 0)
            if isFg {
                let d = boxCoder.encode(gtBoxes[bestIndex[i]], relativeTo: candidates[i])
                sample.regressionTargets += [d[0], d[1], d[2], d[3]]
            } else {
                sample.regressionTargets += [0, 0, 0, 0]
            }
        }
        return sample
    }
}
