import Boxes
import NeuralNet

/// The RoI pooling stage: each RoI's features cut out of the map it is
/// pooled from, as an `outputSize × outputSize` grid. One map (Fast R-CNN)
/// or a pyramid of maps at strides 2^k, 2^(k+1), … (FPN), where
/// `RoILevelMapper` picks each RoI's level, as torchvision's
/// `MultiScaleRoIAlign` does. Pooling is max pooling over quantised bins
/// (Fast R-CNN's RoI pooling) or RoIAlign (Mask R-CNN), one instance per
/// level so each keeps what its own backward pass needs.
public final class RoIPooler {
    public enum Method: Sendable, Equatable {
        /// Fast R-CNN's max pooling over quantised bins.
        case pool
        /// RoIAlign: `samplingRatio`² bilinear samples per bin; `aligned`
        /// puts a cell's value at its centre (the half-pixel shift torchvision
        /// leaves out of `MultiScaleRoIAlign`).
        case align(samplingRatio: Int, aligned: Bool)
    }

    enum Kind { case pool(RoIPool), align(RoIAlign) }
    let kind: [Kind]
    public let outputSize: Int
    public let method: Method
    public let strides: [Int]
    /// Which level each RoI goes to; nil with a single map.
    public let mapper: RoILevelMapper?
    private var mapShapes: [[Int]] = []

    /// `strides`: of the maps `forward` will get, finest first, each twice the
    /// previous.
    public init(outputSize: Int, strides: [Int], method: Method,
                canonicalSize: Float = 224, canonicalLevel: Int = 4) throws {
        guard outputSize > 0, let first = strides.first, first > 0, first & (first - 1) == 0,
              strides.enumerated().allSatisfy({ $0.element == first << $0.offset }) else {
            throw TensorError.invalid("RoIPooler: output size \(outputSize), strides \(strides) (each twice the previous, powers of two)")
        }
        self.outputSize = outputSize
        self.method = method
        self.strides = strides
        kind = strides.map { stride in
            let scale = 1 / Float(stride)
            switch method {
            case .pool: return .pool(RoIPool(outputSize: outputSize, spatialScale: scale))
            case let .align(ratio, aligned):
                return .align(RoIAlign(outputSize: outputSize, spatialScale: scale, samplingRatio: ratio, aligned: aligned))
            }
        }
        let minLevel = first.trailingZeroBitCount
        mapper = strides.count == 1 ? nil
            : try RoILevelMapper(canonicalSize: canonicalSize, canonicalLevel: canonicalLevel,
                                 minLevel: minLevel, maxLevel: minLevel + strides.count - 1)
    }

    /// The index into `strides` of each RoI's map.
    public func levels(of rois: [Box]) -> [Int] {
        guard let mapper else { return [Int](repeating: 0, count: rois.count) }
        return rois.map { mapper.level(of: $0) - mapper.minLevel }
    }

    /// `[R, C, outputSize, outputSize]`, row r for `rois[r]` (input pixels).
    /// `training: false` skips what only the backward pass needs.
    public func forward(features: [Tensor], rois: [Box], training: Bool = true) throws -> Tensor {
        guard features.count == kind.count else {
            throw TensorError.invalid("RoIPooler: \(features.count) feature maps for \(kind.count) levels")
        }
        mapShapes = features.map(\.shape)
        if kind.count == 1 { return try pool(level: 0, features[0], rois, training: training) }
        let c = features[0].shape[1], cell = c * outputSize * outputSize
        var out = Tensor(zeros: [rois.count, c, outputSize, outputSize])
        for (level, members) in groups(rois) {
            let pooled = try pool(level: level, features[level], members.map { rois[$0] }, training: training)
            try pooled.checkShape([members.count, c, outputSize, outputSize], "RoIPooler level \(level)")
            pooled.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for (k, r) in members.enumerated() {
                        (dst.baseAddress! + r * cell).update(from: src.baseAddress! + k * cell, count: cell)
                    }
                }
            }
        }
        return out
    }

    /// The gradients w.r.t. each level's map of the last `forward` (zeros for
    /// a level no RoI went to).
    public func backward(_ grad: Tensor, rois: [Box]) throws -> [Tensor] {
        guard mapShapes.count == kind.count else { throw TensorError.invalid("RoIPooler.backward without a forward pass") }
        if kind.count == 1 { return [try unpool(level: 0, grad, rois)] }
        let cell = grad.count / max(1, rois.count)
        var out = mapShapes.map { Tensor(zeros: $0) }
        for (level, members) in groups(rois) {
            var part = Tensor(zeros: [members.count] + Array(grad.shape.dropFirst()))
            grad.withUnsafeBufferPointer { src in
                part.withUnsafeMutableBufferPointer { dst in
                    for (k, r) in members.enumerated() {
                        (dst.baseAddress! + k * cell).update(from: src.baseAddress! + r * cell, count: cell)
                    }
                }
            }
            out[level] = try unpool(level: level, part, members.map { rois[$0] })
        }
        return out
    }

    /// RoI indices per level, levels ascending.
    private func groups(_ rois: [Box]) -> [(level: Int, members: [Int])] {
        var members = [[Int]](repeating: [], count: kind.count)
        for (r, level) in levels(of: rois).enumerated() { members[level].append(r) }
        return members.enumerated().filter { !$0.element.isEmpty }.map { ($0.offset, $0.element) }
    }

    private func pool(level: Int, _ features: Tensor, _ rois: [Box], training: Bool) throws -> Tensor {
        let r = rois.map { RegionOfInterest(imageIndex: 0, box: $0) }
        switch kind[level] {
        case let .pool(p):
            p.recordsArgmax = training
            return try p.forward(features: features, rois: r)
        case let .align(a): return try a.forward(features: features, rois: r)
        }
    }

    private func unpool(level: Int, _ grad: Tensor, _ rois: [Box]) throws -> Tensor {
        let r = rois.map { RegionOfInterest(imageIndex: 0, box: $0) }
        switch kind[level] {
        case let .pool(p): return try p.backward(grad, rois: r)
        case let .align(a): return try a.backward(grad, rois: r)
        }
    }
}
