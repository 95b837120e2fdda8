import Evaluation

/// One stored run as the assembler needs it: raw per-image measurements, not summaries.
public struct RunMeasurements: Sendable {
    public var pipeline: String
    /// `rcnn`, `fast-rcnn` or `faster-rcnn`: which paper's detector the run
    /// is (the speed-up and the reference rows go by it, not by the name).
    public var architecture: String?
    public var runID: Int64?
    public var configuration: String
    /// The model the run used and, when its file could be read, how it was
    /// trained ("model …", "dataset …", "command …"), one line each.
    public var model: [String] = []
    /// Per stage, in pipeline order, one wall time per image.
    public var stageSamples: [(stage: String, ms: [Double])]
    /// Whole-pipeline wall time per image when it was measured separately; nil uses
    /// the sum of the stage means.
    public var totalSamples: [Double]?
    /// The images the run finished, in order.
    public var imageIDs: [Int64]
    public var detections: [ScoredDetection]

    public init(pipeline: String, architecture: String? = nil, runID: Int64? = nil, configuration: String = "",
                stageSamples: [(stage: String, ms: [Double])], totalSamples: [Double]? = nil,
                imageIDs: [Int64], detections: [ScoredDetection]) {
        self.pipeline = pipeline; self.architecture = architecture; self.runID = runID; self.configuration = configuration
        self.stageSamples = stageSamples; self.totalSamples = totalSamples
        self.imageIDs = imageIDs; self.detections = detections
    }
}
