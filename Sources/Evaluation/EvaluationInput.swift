import Boxes

/// One ground-truth object as the evaluators see it.
public struct GroundTruthBox: Sendable, Equatable {
    public var imageID: Int64
    public var categoryID: Int64
    public var box: Box
    /// VOC: neither a true nor a false positive when matched; not counted in recall.
    public var difficult: Bool
    /// COCO: a crowd region; detections matching it are ignored, IoU is intersection over detection area.
    public var isCrowd: Bool
    /// COCO area used for the small/medium/large ranges (segmentation area in COCO files);
    /// nil means the box area.
    public var area: Double?

    public init(imageID: Int64, categoryID: Int64, box: Box, difficult: Bool = false,
                isCrowd: Bool = false, area: Double? = nil) {
        self.imageID = imageID; self.categoryID = categoryID; self.box = box
        self.difficult = difficult; self.isCrowd = isCrowd; self.area = area
    }
}

/// One scored detection. The order of an input array matters only between equal
/// scores: ties keep input order (stable sort), as pycocotools and the VOC devkit do.
public struct ScoredDetection: Sendable, Equatable {
    public var imageID: Int64
    public var categoryID: Int64
    public var box: Box
    public var score: Float

    public init(imageID: Int64, categoryID: Int64, box: Box, score: Float) {
        self.imageID = imageID; self.categoryID = categoryID; self.box = box; self.score = score
    }
}

/// A precision-recall curve: points in detection order (highest score first).
public struct PRCurve: Sendable, Equatable {
    public var recall: [Double]
    public var precision: [Double]
    public var scores: [Float]
}

/// IoU in float64 (the metrics are compared against float64 references).
@inline(__always)
func iou64(_ a: Box, _ b: Box, crowd: Bool = false) -> Double {
    let iw = min(Double(a.x2), Double(b.x2)) - max(Double(a.x1), Double(b.x1))
    let ih = min(Double(a.y2), Double(b.y2)) - max(Double(a.y1), Double(b.y1))
    if iw <= 0 || ih <= 0 { return 0 }
    let inter = iw * ih
    let areaA = (Double(a.x2) - Double(a.x1)) * (Double(a.y2) - Double(a.y1))
    if crowd { return areaA > 0 ? inter / areaA : 0 }
    let areaB = (Double(b.x2) - Double(b.x1)) * (Double(b.y2) - Double(b.y1))
    let union = areaA + areaB - inter
    return union > 0 ? inter / union : 0
}

@inline(__always)
func boxArea64(_ b: Box) -> Double {
    max(0, Double(b.x2) - Double(b.x1)) * max(0, Double(b.y2) - Double(b.y1))
}

/// Indices of `values` sorted by descending key, ties in input order (a stable sort).
func stableDescendingOrder(_ count: Int, key: (Int) -> Float) -> [Int] {
    Array(0..<count).sorted { i, j in
        let a = key(i), b = key(j)
        return a != b ? a > b : i < j
    }
}
