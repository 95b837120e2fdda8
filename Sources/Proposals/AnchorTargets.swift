import Boxes

/// Training targets of the region proposal network for one image: which anchors
/// are objects, which are background, which are left out of the loss, and the
/// box deltas the positives should regress to.
///
/// Faster R-CNN's recipe, with torchvision's defaults: an anchor is positive
/// when its IoU with some ground-truth box is at least 0.7, or when it is a
/// ground-truth box's best anchor (ties included); negative below 0.3; ignored
/// in between. 256 anchors are then sampled per image with at most half
/// positive, and only those enter the loss. Regression targets use the RPN box
/// coder, weights (1, 1, 1, 1).
///
/// py-faster-rcnn also ignores every anchor that crosses the image border
/// (allowed border 0), which drops most large anchors near the edges;
/// torchvision keeps them. `borderAllowance` chooses: nil keeps all anchors,
/// a number ignores anchors reaching more than that many pixels outside.
public struct AnchorTargets: Sendable, Equatable {
    public var matcher: Matcher
    public var sampler: BalancedSampler
    public var boxCoder: BoxCoder
    public var borderAllowance: Float?

    public init(matcher: Matcher, sampler: BalancedSampler, boxCoder: BoxCoder, borderAllowance: Float? = nil) {
        self.matcher = matcher
        self.sampler = sampler
        self.boxCoder = boxCoder
        self.borderAllowance = borderAllowance
    }

    /// The targets of one image.
    public struct Assignment: Sendable, Equatable {
        /// Per anchor: 1 sampled positive, 0 sampled negative, −1 not in the loss.
        public var labels: [Int]
        /// Per anchor `(dx, dy, dw, dh)`, `anchors.count × 4`; set for sampled
        /// positives, zero elsewhere.
        public var regressionTargets: [Float]
        /// Per anchor, the index of the matched ground-truth box, or −1 for
        /// anchors that are not positive (before sampling).
        public var matchedGroundTruth: [Int]
        /// Sampled anchor indices, ascending.
        public var positive: [Int]
        public var negative: [Int]
    }

    /// Assigns `anchors` to `groundTruth` for an image of the given size (the
    /// network input's size, in which both are expressed). An image without
    /// ground truth has only negatives. The generator makes the sampling
    /// reproducible.
    public func assign(anchors: [Box], groundTruth: [Box], imageWidth: Float, imageHeight: Float,
                       using generator: inout SeededGenerator) -> Assignment {
        let n = anchors.count
        // Only anchors inside the allowed border take part in matching, so a
        // ground truth's "best anchor" is chosen among them too.
        var inside: [Int]
        if let allowance = borderAllowance {
            inside = []
            inside.reserveCapacity(n)
            anchors.withUnsafeBufferPointer { ap in
                for i in ap.indices {
                    let b = ap[i]
                    if b.x1 >= -allowance && b.y1 >= -allowance &&
                        b.x2 <= imageWidth + allowance && b.y2 <= imageHeight + allowance {
                        inside.append(i)
                    }
                }
            }
        } else {
            inside = Array(0..<n)
        }
        let candidates = inside.count == n ? anchors : inside.map { anchors[$0] }
        let matches = matcher.match(groundTruth: groundTruth, predictions: candidates)

        var labels = [Int](repeating: -1, count: n)
        var matched = [Int](repeating: -1, count: n)
        for (k, i) in inside.enumerated() {
            let m = matches[k]
            if m >= 0 { labels[i] = 1; matched[i] = m }
            else if m == Matcher.belowLowThreshold { labels[i] = 0 }
        }
        let (positive, negative) = sampler.sample(labels: labels, using: &generator)

        var sampledLabels = [Int](repeating: -1, count: n)
        var targets = [Float](repeating: 0, count: n * 4)
        for i in negative { sampledLabels[i] = 0 }
        for i in positive {
            sampledLabels[i] = 1
            let d = boxCoder.encode(groundTruth[matched[i]], relativeTo: anchors[i])
            targets[4 * i] = d[0]; targets[4 * i + 1] = d[1]
            targets[4 * i + 2] = d[2]; targets[4 * i + 3] = d[3]
        }
        return Assignment(labels: sampledLabels, regressionTargets: targets,
                          matchedGroundTruth: matched, positive: positive, negative: negative)
    }
}
