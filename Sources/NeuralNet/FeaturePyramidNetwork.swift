/// The Feature Pyramid Network of Lin et al. (CVPR 2017): from a backbone's
/// maps C₁ … C_L (shallowest first, each stride twice the previous), one map
/// per level with the same channels. A lateral 1×1 convolution brings each
/// Cᵢ to `channels`; the top-down pathway enlarges the coarser result to
/// Cᵢ's size (nearest neighbour) and adds it; a 3×3 convolution smooths each
/// sum into the output Pᵢ. With `maxPoolLevel`, P_{L+1} is P_L subsampled by
/// a 1×1 max pool of stride 2 (the paper's P6, for the RPN).
///
/// Parameter names are torchvision's `FeaturePyramidNetwork` under `prefix`
/// (`backbone.fpn.inner_blocks.0.0.weight`, `….layer_blocks.0.0.weight`).
public final class FeaturePyramidNetwork {
    /// The lateral 1×1 convolutions, one per input map.
    public let innerBlocks: [Conv2d]
    /// The 3×3 output convolutions, one per input map.
    public let layerBlocks: [Conv2d]
    let maxPool: MaxPool2d?
    public let channels: Int
    private var lateralSizes: [(h: Int, w: Int)] = []

    public init(inChannels: [Int], channels: Int, maxPoolLevel: Bool, prefix: String = "backbone.fpn") throws {
        guard !inChannels.isEmpty, inChannels.allSatisfy({ $0 > 0 }), channels > 0 else {
            throw TensorError.invalid("FeaturePyramidNetwork: input channels \(inChannels), channels \(channels)")
        }
        self.channels = channels
        let sep = prefix.isEmpty ? "" : prefix + "."
        innerBlocks = inChannels.enumerated().map { i, c in
            Conv2d(c, channels, kernel: 1).named("\(sep)inner_blocks.\(i).0")
        }
        layerBlocks = inChannels.indices.map { i in
            Conv2d(channels, channels, kernel: 3, padding: 1).named("\(sep)layer_blocks.\(i).0")
        }
        maxPool = maxPoolLevel ? MaxPool2d(kernel: 1, stride: 2) : nil
    }

    /// Levels out: one per input map, plus the max-pooled one.
    public var levelCount: Int { innerBlocks.count + (maxPool == nil ? 0 : 1) }

    public var parameters: [Parameter] {
        innerBlocks.flatMap(\.parameters) + layerBlocks.flatMap(\.parameters)
    }

    public var training: Bool = true {
        didSet { for conv in innerBlocks + layerBlocks { conv.training = training } }
    }

    /// torchvision's initialisation: Kaiming uniform with a = 1 (bound
    /// √(3 / fan_in)), zero biases.
    public func initialise(using rng: inout SeededGenerator) throws {
        for conv in innerBlocks + layerBlocks {
            conv.weight.value = try Initialisation.kaimingUniform(shape: conv.weight.value.shape, mode: .fanIn,
                                                                  nonlinearity: .leakyReLU(negativeSlope: 1), using: &rng)
            conv.bias?.value = Tensor(zeros: [channels])
        }
    }

    /// P₁ … P_L (and P_{L+1}) from C₁ … C_L.
    public func forward(_ maps: [Tensor]) throws -> [Tensor] {
        guard maps.count == innerBlocks.count else {
            throw TensorError.invalid("FeaturePyramidNetwork: \(maps.count) maps for \(innerBlocks.count) lateral convolutions")
        }
        let top = maps.count - 1
        var last = try innerBlocks[top].forward(maps[top])
        var lateralSizes = [(h: Int, w: Int)](repeating: (0, 0), count: maps.count)
        lateralSizes[top] = (last.shape[2], last.shape[3])
        var outputs = [Tensor](repeating: Tensor(zeros: [0]), count: maps.count)
        outputs[top] = try layerBlocks[top].forward(last)
        for i in stride(from: top - 1, through: 0, by: -1) {
            var lateral = try innerBlocks[i].forward(maps[i])
            lateralSizes[i] = (lateral.shape[2], lateral.shape[3])
            try lateral.add(NearestUpsample.forward(last, height: lateral.shape[2], width: lateral.shape[3]))
            last = lateral
            outputs[i] = try layerBlocks[i].forward(last)
        }
        self.lateralSizes = lateralSizes
        if let maxPool { outputs.append(try maxPool.forward(outputs[top])) }
        return outputs
    }

    /// Gradients w.r.t. C₁ … C_L from those w.r.t. every output level.
    public func backward(_ gradients: [Tensor]) throws -> [Tensor] {
        guard gradients.count == levelCount, lateralSizes.count == innerBlocks.count else {
            throw TensorError.invalid("FeaturePyramidNetwork.backward: \(gradients.count) gradients for \(levelCount) levels (or no forward pass)")
        }
        let top = innerBlocks.count - 1
        var outputGrads = Array(gradients.prefix(innerBlocks.count))
        if let maxPool { try outputGrads[top].add(maxPool.backward(gradients[top + 1])) }
        // The sum at level i feeds its own output and, enlarged, the sum at
        // level i − 1: finest first, each level's gradient is complete when reached.
        var inputGrads: [Tensor] = []
        var fromFiner: Tensor?
        for i in 0...top {
            var g = try layerBlocks[i].backward(outputGrads[i])
            if let fromFiner {
                try g.add(NearestUpsample.backward(fromFiner, inputHeight: lateralSizes[i].h, inputWidth: lateralSizes[i].w))
            }
            inputGrads.append(try innerBlocks[i].backward(g))
            fromFiner = g
        }
        return inputGrads
    }
}
