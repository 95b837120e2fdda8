import Evaluation

/// An image the runs saw, with its ground truth (empty when it has none).
public struct ReportImage: Sendable {
    public var id: Int64
    public var path: String
    /// Size the boxes refer to.
    public var width: Int
    public var height: Int
    public var groundTruth: [GroundTruthBox]

    public init(id: Int64, path: String, width: Int, height: Int, groundTruth: [GroundTruthBox]) {
        self.id = id; self.path = path; self.width = width; self.height = height; self.groundTruth = groundTruth
    }
}
