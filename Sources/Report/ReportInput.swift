import Boxes
import Evaluation
import Foundation

/// Everything the HTML report shows, already measured: the report renders, it never
/// computes detections or timings itself, so the same input always gives the same file.
public struct ReportInput: Sendable {
    public var title: String
    public var generatedAt: Date
    /// Free text: CPU, cores, OS, BLAS kernel — whatever the caller knows.
    public var machine: String
    public var pipelines: [PipelineSummary]
    public var prCurves: [PRCurveSeries]
    public var gallery: [GalleryItem]
    public var reference: [ReferenceTiming]
    /// Class order for colours and tables; when empty, the sorted union of every
    /// class name mentioned in the input.
    public var classNames: [String]

    public init(title: String, generatedAt: Date, machine: String,
                pipelines: [PipelineSummary], prCurves: [PRCurveSeries] = [],
                gallery: [GalleryItem] = [], reference: [ReferenceTiming] = ReferenceTiming.classic,
                classNames: [String] = []) {
        self.title = title; self.generatedAt = generatedAt; self.machine = machine
        self.pipelines = pipelines; self.prCurves = prCurves; self.gallery = gallery
        self.reference = reference; self.classNames = classNames
    }

    /// The class order actually used: `classNames` first, then any other class met
    /// in the input, sorted, so an unexpected class still gets a colour.
    public var resolvedClassNames: [String] {
        var seen = Set(classNames)
        var extra = Set<String>()
        for p in pipelines { for c in p.perClassAP where !seen.contains(c.className) { extra.insert(c.className) } }
        for c in prCurves where !seen.contains(c.className) { extra.insert(c.className) }
        for g in gallery {
            for b in g.groundTruth where !seen.contains(b.className) { extra.insert(b.className) }
            for d in g.detections { for b in d.boxes where !seen.contains(b.className) { extra.insert(b.className) } }
        }
        seen.formUnion(extra)
        return classNames + extra.sorted()
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

/// One pipeline's run as the report shows it.
public struct PipelineSummary: Sendable, Equatable {
    /// "rcnn", "fast-rcnn", "faster-rcnn" (any name works; these are the ones the
    /// classic reference row knows).
    public var name: String
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

    public init(name: String, runID: Int64? = nil, images: Int, stages: [StageTiming], totalMs: Double? = nil,
                speedupOverRCNN: Double? = nil, ap50: Double? = nil, perClassAP: [ClassAP] = [],
                configuration: String = "") {
        self.name = name; self.runID = runID; self.images = images; self.stages = stages
        self.totalMs = totalMs ?? stages.reduce(0) { $0 + $1.meanMs }
        self.speedupOverRCNN = speedupOverRCNN; self.ap50 = ap50; self.perClassAP = perClassAP
        self.configuration = configuration
    }
}

/// One pipeline's precision–recall curve for one class.
public struct PRCurveSeries: Sendable, Equatable {
    public var pipeline: String
    public var className: String
    /// Points in detection order (highest score first), as `PRCurve` holds them.
    public var recall: [Double]
    public var precision: [Double]
    public var ap: Double?

    public init(pipeline: String, className: String, recall: [Double], precision: [Double], ap: Double?) {
        self.pipeline = pipeline; self.className = className
        self.recall = recall; self.precision = precision; self.ap = ap
    }

    public init(pipeline: String, className: String, curve: PRCurve, ap: Double?) {
        self.init(pipeline: pipeline, className: className, recall: curve.recall, precision: curve.precision, ap: ap)
    }
}

/// A box with its class and, for detections, its score.
public struct LabeledBox: Sendable, Equatable {
    public var box: Box
    public var className: String
    public var score: Float?

    public init(box: Box, className: String, score: Float? = nil) {
        self.box = box; self.className = className; self.score = score
    }
}

/// The detections one pipeline made on one gallery image.
public struct PipelineDetections: Sendable, Equatable {
    public var pipeline: String
    public var boxes: [LabeledBox]

    public init(pipeline: String, boxes: [LabeledBox]) { self.pipeline = pipeline; self.boxes = boxes }
}

/// One sample image with its ground truth and every pipeline's detections.
public struct GalleryItem: Sendable, Equatable {
    public var name: String
    /// JPEG bytes embedded as they are; they may be a downscaled copy.
    public var jpeg: Data
    /// Size of the image the boxes refer to (the original), not of `jpeg`: the
    /// picture is stretched to this size so the boxes need no rescaling.
    public var width: Int
    public var height: Int
    public var groundTruth: [LabeledBox]
    public var detections: [PipelineDetections]
    /// Detections below this score are not drawn (they clutter the picture and
    /// the PR curves already account for them).
    public var minimumScore: Float

    public init(name: String, jpeg: Data, width: Int, height: Int, groundTruth: [LabeledBox],
                detections: [PipelineDetections], minimumScore: Float = 0.5) {
        self.name = name; self.jpeg = jpeg; self.width = width; self.height = height
        self.groundTruth = groundTruth; self.detections = detections; self.minimumScore = minimumScore
    }
}

/// Published per-image time of a pipeline, for the "then" column next to our "now".
public struct ReferenceTiming: Sendable, Equatable {
    public var pipeline: String
    public var secondsPerImage: Double
    public var setting: String

    public init(pipeline: String, secondsPerImage: Double, setting: String) {
        self.pipeline = pipeline; self.secondsPerImage = secondsPerImage; self.setting = setting
    }

    /// The figures the three papers' lineage is usually summarised by (test time
    /// per image, VGG16, one K40 GPU, 2015; R-CNN's includes its CPU selective search).
    public static let classic: [ReferenceTiming] = [
        ReferenceTiming(pipeline: "rcnn", secondsPerImage: 50, setting: "K40 GPU, VGG16, 2015"),
        ReferenceTiming(pipeline: "fast-rcnn", secondsPerImage: 2, setting: "K40 GPU, VGG16, 2015"),
        ReferenceTiming(pipeline: "faster-rcnn", secondsPerImage: 0.2, setting: "K40 GPU, VGG16, 2015"),
    ]
}
