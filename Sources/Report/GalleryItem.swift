import Boxes
import Foundation

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
