import Boxes
import Imaging

/// What every detector does: detect objects in a decoded image, adding each
/// stage's wall time to `timer` under the pipeline file's stage names.
/// `proposals` (original-image pixels) come from selective search for R-CNN and
/// Fast R-CNN; Faster R-CNN makes its own and ignores them.
public protocol Detector: AnyObject {
    var config: PipelineConfig { get }
    var classes: [String] { get }
    func detect(_ image: Image, proposals: [Box]?, timer: inout StageTimer) throws -> [Detection]
    /// The detector as a model bundle (weights, classes, how it was trained).
    func bundle(info: [String: String]) throws -> ModelBundle
}

extension RCNNDetector: Detector {
    public func detect(_ image: Image, proposals: [Box]?, timer: inout StageTimer) throws -> [Detection] {
        try detect(image, proposals: proposals ?? [], timer: &timer)
    }
}

extension TwoStageDetector: Detector {}
