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
