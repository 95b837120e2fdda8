/// One pipeline's run as the report shows it.
public struct PipelineSummary: Sendable, Equatable {
    /// The pipeline's name (any name).
    public var name: String
    /// "rcnn", "fast-rcnn" or "faster-rcnn": the reference rows and the
    /// speed-up over R-CNN go by it.
    public var architecture: String?
    public var runID: Int64?
    public var images: Int
    /// In pipeline order.
    public var stages: [StageTiming]
    /// Mean milliseconds per image for the whole pipeline. It can exceed the sum of
    /// the stages (glue between them), never the other way round in a sane run.
    public var totalMs: Double
    public var speedupOverRCNN: Double?
    public var ap50: Double?
    public var perClassAP: [ClassAP]
    /// The run configuration as stored (YAML), shown verbatim.
    public var configuration: String
    /// The model and how it was trained, one line each (`RunMeasurements.model`).
    public var model: [String] = []

    public init(name: String, architecture: String? = nil, runID: Int64? = nil, images: Int, stages: [StageTiming], totalMs: Double? = nil,
                speedupOverRCNN: Double? = nil, ap50: Double? = nil, perClassAP: [ClassAP] = [],
                configuration: String = "") {
        self.name = name; self.architecture = architecture; self.runID = runID; self.images = images; self.stages = stages
        self.totalMs = totalMs ?? stages.reduce(0) { $0 + $1.meanMs }
        self.speedupOverRCNN = speedupOverRCNN; self.ap50 = ap50; self.perClassAP = perClassAP
        self.configuration = configuration
    }
}

/// Mean and median wall time of one stage, per image.
public struct StageTiming: Sendable, Equatable {
    public var stage: String
    public var meanMs: Double
    public var medianMs: Double

    public init(stage: String, meanMs: Double, medianMs: Double) {
        self.stage = stage; self.meanMs = meanMs; self.medianMs = medianMs
    }
}

/// AP of one class for one pipeline; nil when the class has no ground truth.
public struct ClassAP: Sendable, Equatable {
    public var className: String
    public var ap: Double?

    public init(className: String, ap: Double?) { self.className = className; self.ap = ap }
}
