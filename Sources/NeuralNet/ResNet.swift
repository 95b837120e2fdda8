/// The toolkit's own backbone (`backbone.type: resnet`): a small ResNet (one basic block per stage)
/// sized to train on two CPU cores.
///
/// 640×480 input → conv 7×7/2 (64) → max pool 3×3/2 → layer1 64 ch @160×120 →
/// layer2 128 ch @80×60 → layer3 256 ch @40×30: stride 16, 256 output channels,
/// the resolution Faster R-CNN's C4 models put the RPN on. Names are torchvision's
/// ResNet keys under `backbone.body.` so ResNet weights map onto it where shapes agree.
public enum ResNet {
    public static let outChannels = 256
    public static let stride = 16

    /// ResNet basic block: two 3×3 convolutions with batch norm, added to the
    /// (projected, when shape changes) input, then ReLU.
    public static func basicBlock(_ inChannels: Int, _ outChannels: Int, stride: Int = 1,
                                  frozenBatchNorm: Bool = false) -> Residual {
        let body = Sequential([
            ("conv1", Conv2d(inChannels, outChannels, kernel: 3, stride: stride, padding: 1, bias: false)),
            ("bn1", BatchNorm2d(outChannels, frozen: frozenBatchNorm)),
            ("relu", ReLU()),
            ("conv2", Conv2d(outChannels, outChannels, kernel: 3, padding: 1, bias: false)),
            ("bn2", BatchNorm2d(outChannels, frozen: frozenBatchNorm)),
        ])
        var shortcut: (any Layer)?
        if stride != 1 || inChannels != outChannels {
            shortcut = Sequential([
                Conv2d(inChannels, outChannels, kernel: 1, stride: stride, bias: false),
                BatchNorm2d(outChannels, frozen: frozenBatchNorm),
            ])
        }
        return Residual(body: body, shortcut: shortcut, activation: ReLU())
    }

    /// The default backbone, its parameters named `prefix.conv1.weight`, `prefix.layer1.0.conv1.weight`, ….
    public static func `default`(prefix: String = "backbone.body", frozenBatchNorm: Bool = false) -> Sequential {
        let stem = Conv2d(3, 64, kernel: 7, stride: 2, padding: 3, bias: false)
        // The image needs no gradient: skip the largest input-gradient product.
        stem.propagatesGradient = false
        let net = Sequential([
            ("conv1", stem),
            ("bn1", BatchNorm2d(64, frozen: frozenBatchNorm)),
            ("relu", ReLU()),
            ("maxpool", MaxPool2d(kernel: 3, stride: 2, padding: 1)),
            ("layer1", Sequential([basicBlock(64, 64, frozenBatchNorm: frozenBatchNorm)])),
            ("layer2", Sequential([basicBlock(64, 128, stride: 2, frozenBatchNorm: frozenBatchNorm)])),
            ("layer3", Sequential([basicBlock(128, 256, stride: 2, frozenBatchNorm: frozenBatchNorm)])),
        ])
        return net.named(prefix)
    }
}
