import NeuralNet
import Randomness

/// The Fast R-CNN head on pooled RoI features: two fully connected layers
/// (fc6, fc7 with ReLU, torchvision's TwoMLPHead) and the sibling outputs,
/// a softmax classifier over K + 1 classes (background = 0) and per-class box
/// deltas (torchvision's FastRCNNPredictor).
public final class BoxHead {
    public let mlp: Sequential
    public let clsScore: Linear
    public let bboxPred: Linear
    public let numClasses: Int

    /// - Parameters:
    ///   - inFeatures: channels × pooled height × pooled width.
    ///   - numClasses: object classes, background excluded.
    public init(inFeatures: Int, representationSize: Int, numClasses: Int) {
        self.numClasses = numClasses
        mlp = Sequential([
            ("flatten", Flatten()),
            ("fc6", Linear(inFeatures, representationSize)),
            ("relu6", ReLU()),
            ("fc7", Linear(representationSize, representationSize)),
            ("relu7", ReLU()),
        ]).named("roi_heads.box_head")
        clsScore = Linear(representationSize, numClasses + 1).named("roi_heads.box_predictor.cls_score")
        bboxPred = Linear(representationSize, 4 * (numClasses + 1)).named("roi_heads.box_predictor.bbox_pred")
    }

    public var parameters: [Parameter] { mlp.parameters + clsScore.parameters + bboxPred.parameters }

    /// Random initialisation for training: Kaiming for fc6 and fc7, N(0, 0.01²) for
    /// the classifier and N(0, 0.001²) for box regression (Fast R-CNN), zero biases.
    public func initialise(using rng: inout SeededGenerator) throws {
        for p in mlp.parameters {
            if p.value.rank == 2 { try Initialisation.kaiming(p, using: &rng) } else { Initialisation.zero(p) }
        }
        Initialisation.gaussian(clsScore.weight, std: 0.01, using: &rng)
        Initialisation.gaussian(bboxPred.weight, std: 0.001, using: &rng)
        for bias in [clsScore.bias, bboxPred.bias].compactMap({ $0 }) { Initialisation.zero(bias) }
    }

    public var training: Bool {
        get { mlp.training }
        set {
            mlp.training = newValue; clsScore.training = newValue; bboxPred.training = newValue
            if newValue { inferenceMLP = nil }
        }
    }

    /// Rank of fc6's truncated SVD at detection time (Fast R-CNN, section 3.1);
    /// 0 keeps fc6 whole.
    public var svdRank = 0 { didSet { inferenceMLP = nil } }

    /// fc6 factorized at `svdRank`, the other layers shared; built at the first
    /// detection after training or loading.
    private var inferenceMLP: Sequential?

    /// Class logits `[R, K+1]` and box deltas `[R, 4(K+1)]` for pooled features `[R, C, h, w]`.
    public func forward(_ pooled: Tensor) throws -> (logits: Tensor, deltas: Tensor) {
        var net = mlp
        if !training && svdRank > 0 {
            if inferenceMLP == nil { inferenceMLP = try TruncatedSVD.replacing("fc6", in: mlp, rank: svdRank) ?? mlp }
            net = inferenceMLP!
        }
        let x = try net.forward(pooled)
        return (try clsScore.forward(x), try bboxPred.forward(x))
    }

    /// Gradient w.r.t. the pooled features.
    public func backward(gradLogits: Tensor, gradDeltas: Tensor) throws -> Tensor {
        var g = try clsScore.backward(gradLogits)
        try g.add(bboxPred.backward(gradDeltas))
        return try mlp.backward(g)
    }
}
