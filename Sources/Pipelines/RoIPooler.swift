import Boxes
import Heads
import NeuralNet

/// The RoI pooling stage, max pooling (Fast R-CNN) or RoIAlign (Mask R-CNN)
/// as the pipeline file chooses.
public final class RoIPooler {
    enum Kind { case pool(RoIPool), align(RoIAlign) }
    let kind: Kind
    public let outputSize: Int

    public init(config: PipelineConfig.RoIPoolingConfig, stride: Int) {
        outputSize = config.outputSize
        let scale = 1 / Float(stride)
        if config.type == .roiAlign {
            kind = .align(RoIAlign(outputSize: config.outputSize, spatialScale: scale, samplingRatio: config.samplingRatio))
        } else {
            kind = .pool(RoIPool(outputSize: config.outputSize, spatialScale: scale))
        }
    }

    /// `training: false` skips what only the backward pass needs.
    public func forward(features: Tensor, rois: [Box], training: Bool = true) throws -> Tensor {
        let r = rois.map { RegionOfInterest(imageIndex: 0, box: $0) }
        switch kind {
        case let .pool(p):
            p.recordsArgmax = training
            return try p.forward(features: features, rois: r)
        case let .align(a): return try a.forward(features: features, rois: r)
        }
    }

    public func backward(_ grad: Tensor, rois: [Box]) throws -> Tensor {
        let r = rois.map { RegionOfInterest(imageIndex: 0, box: $0) }
        switch kind {
        case let .pool(p): return try p.backward(grad, rois: r)
        case let .align(a): return try a.backward(grad, rois: r)
        }
    }
}
