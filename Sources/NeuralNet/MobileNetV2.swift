/// MobileNetV2 (Sandler et al., CVPR 2018) as torchvision builds it, with
/// torchvision's parameter names (`features.3.conv.1.0.weight`,
/// `classifier.1.bias`), so its ImageNet weights load by name.
///
/// `features` is 19 blocks: a 3×3/2 stem, 17 inverted residual blocks
/// (1×1 expansion, 3×3 depthwise, linear 1×1 projection; a residual add when
/// the shape is kept) and a 1×1 convolution to 1,280 channels. Cut after
/// block 13 it gives 96 channels at stride 16, the resolution Faster R-CNN's
/// single-map models pool from; whole, 1,280 channels at stride 32.
public enum MobileNetV2 {
    /// (expansion t, output channels c, repeats n, first stride s) per stage, as in the paper's Table 2.
    static let stages: [(t: Int, c: Int, n: Int, s: Int)] = [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ]
    public static let stemChannels = 32
    public static let lastChannels = 1280
    public static let blockCount = 19

    /// Blocks kept and channels out for a feature stride of 16 or 32.
    public static func cut(stride: Int) throws -> (blocks: Int, channels: Int) {
        switch stride {
        case 16: return (14, 96)
        case 32: return (blockCount, lastChannels)
        default: throw TensorError.invalid("MobileNetV2: feature stride must be 16 or 32, got \(stride)")
        }
    }

    /// The last block at each stride among the first `blocks`, with its
    /// output channels: where a feature pyramid taps the network.
    public static func stageOutputs(blocks: Int) -> [(block: Int, stride: Int, channels: Int)] {
        var out: [(block: Int, stride: Int, channels: Int)] = []
        var block = 1, stride = 2, channels = stemChannels
        func record() { if out.last?.stride == stride { out.removeLast() }; out.append((block - 1, stride, channels)) }
        record()
        for stage in stages {
            for i in 0..<stage.n where block < blocks {
                if i == 0 { stride *= stage.s }
                channels = stage.c
                block += 1
                record()
            }
        }
        if block < blocks { channels = lastChannels; block += 1; record() }
        return out.filter { $0.stride >= 4 }
    }

    /// Convolution, batch norm, ReLU6 (torchvision's Conv2dNormActivation): children 0, 1, 2.
    static func convBNReLU6(_ cin: Int, _ cout: Int, kernel: Int, stride: Int = 1, groups: Int = 1,
                            frozenBatchNorm: Bool) -> Sequential {
        Sequential([
            Conv2d(cin, cout, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
            BatchNorm2d(cout, frozen: frozenBatchNorm),
            ReLU6(),
        ])
    }

    /// The inverted residual block: its layers under `conv.`, the input added
    /// back when stride is 1 and the channel count is kept.
    public static func invertedResidual(_ cin: Int, _ cout: Int, stride: Int, expansion: Int,
                                        frozenBatchNorm: Bool = false) -> any Layer {
        let hidden = cin * expansion
        var layers: [any Layer] = []
        if expansion != 1 { layers.append(convBNReLU6(cin, hidden, kernel: 1, frozenBatchNorm: frozenBatchNorm)) }
        layers.append(convBNReLU6(hidden, hidden, kernel: 3, stride: stride, groups: hidden, frozenBatchNorm: frozenBatchNorm))
        layers.append(Conv2d(hidden, cout, kernel: 1, bias: false))
        layers.append(BatchNorm2d(cout, frozen: frozenBatchNorm))
        let body = Sequential([("conv", Sequential(layers))])
        return stride == 1 && cin == cout ? Residual(body: body) : body
    }

    /// The first `blocks` blocks of `features`, the first `frozenBlocks` of them
    /// frozen (no gradient, evaluation mode), named `features.0…`.
    public static func features(blocks: Int = blockCount, frozenBlocks: Int = 0,
                                frozenBatchNorm: Bool = false) throws -> Sequential {
        guard (1...blockCount).contains(blocks), (0...blocks).contains(frozenBlocks) else {
            throw TensorError.invalid("MobileNetV2: blocks must be in 1...\(blockCount) and frozen blocks in 0...blocks (got \(blocks), \(frozenBlocks))")
        }
        let stem = convBNReLU6(3, stemChannels, kernel: 3, stride: 2, frozenBatchNorm: frozenBatchNorm)
        // The image needs no gradient.
        (stem.layers[0] as? Conv2d)?.propagatesGradient = false
        var all: [any Layer] = [stem]
        var cin = stemChannels
        for stage in stages {
            for i in 0..<stage.n {
                all.append(invertedResidual(cin, stage.c, stride: i == 0 ? stage.s : 1, expansion: stage.t,
                                            frozenBatchNorm: frozenBatchNorm))
                cin = stage.c
            }
        }
        all.append(convBNReLU6(cin, lastChannels, kernel: 1, frozenBatchNorm: frozenBatchNorm))
        let kept = all.prefix(blocks).enumerated().map { i, block -> (String, any Layer) in
            (String(i), i < frozenBlocks ? Frozen(block) : block)
        }
        return Sequential([("features", Sequential(kept))])
    }

    /// The ImageNet classifier: features, global average pooling, dropout 0.2 and
    /// a 1,000-way linear layer (`classifier.1`). Used to check imported weights.
    public static func classifier(classes: Int = 1000) throws -> Sequential {
        let head = Sequential([Dropout(p: 0.2), Linear(lastChannels, classes)]).named("classifier")
        let net = Sequential(sharing: try features().children + [
            (name: "pool", layer: AdaptiveAvgPool2d(1)), (name: "flatten", layer: Flatten()), (name: "classifier", layer: head),
        ])
        net.training = false
        return net
    }
}

extension MobileNetV2 {
    /// Loads torchvision-named MobileNetV2 weights (`features.…`, `classifier.…`,
    /// e.g. the ImageNet checkpoint imported by `detect weights import`, read
    /// from `path`) into `layer`, whose parameters carry `prefix` before those
    /// names. Tensors the layer has no use for (the classifier, blocks cut off,
    /// batch counters) are skipped; a parameter the weights lack or have in
    /// another shape is an error.
    @discardableResult
    public static func loadPretrained(_ tensors: [String: Tensor], path: String, into layer: any Layer,
                                      prefix: String = "") throws -> StateDictReport {
        let state = layer.parameters + layer.buffers
        let wanted = Set(state.map(\.name))
        var renamed: [String: Tensor] = [:]
        for (key, value) in tensors {
            let name = prefix.isEmpty ? key : prefix + "." + key
            if wanted.contains(name) { renamed[name] = value }
        }
        let report = try StateDict.load(renamed, into: state, strict: false, path: path)
        guard report.missing.isEmpty, report.shapeMismatches.isEmpty else {
            throw StateDictMismatch(path: path, report: report)
        }
        return report
    }
}
