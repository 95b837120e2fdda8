import Dispatch
import Foundation
import NeuralNet
import Pipelines
import Randomness

/// `detect bench engine` as a library call: the sgemm peak, forward and
/// backward GFLOP/s of convolutions shaped like the ResNet backbone's at
/// 640×480, and a whole forward and training step of both backbones. Each
/// figure is the fastest of `repeats` runs after a warm-up run.
public struct EngineBenchmark {
    public var repeats: Int
    public var gemmSize: Int

    public init(repeats: Int, gemmSize: Int) {
        self.repeats = repeats
        self.gemmSize = gemmSize
    }

    /// A convolution typical of the backbone, benchmarked on a batch of one.
    public struct ConvCase: Sendable {
        public let name: String
        let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, height: Int, width: Int
    }

    public static let convCases: [ConvCase] = [
        ConvCase(name: "conv7x7/2 3->64 @640x480", inChannels: 3, outChannels: 64, kernel: 7, stride: 2, height: 480, width: 640),
        ConvCase(name: "conv3x3 64->64 @160x120", inChannels: 64, outChannels: 64, kernel: 3, stride: 1, height: 120, width: 160),
        ConvCase(name: "conv3x3/2 64->128 @160x120", inChannels: 64, outChannels: 128, kernel: 3, stride: 2, height: 120, width: 160),
        ConvCase(name: "conv3x3 128->128 @80x60", inChannels: 128, outChannels: 128, kernel: 3, stride: 1, height: 60, width: 80),
        ConvCase(name: "conv3x3 256->256 @40x30", inChannels: 256, outChannels: 256, kernel: 3, stride: 1, height: 30, width: 40),
        ConvCase(name: "conv1x1/2 64->128 @160x120", inChannels: 64, outChannels: 128, kernel: 1, stride: 2, height: 120, width: 160),
        ConvCase(name: "conv1x1 256->256 @40x30", inChannels: 256, outChannels: 256, kernel: 1, stride: 1, height: 30, width: 40),
    ]

    public struct LayerFigures: Sendable {
        public var name: String
        public var forwardGFLOPs: Double, backwardGFLOPs: Double, forwardPercentOfPeak: Double
        public var forwardMs: Double, backwardMs: Double
    }

    public struct BackboneFigures: Sendable {
        public var inputShape: [Int], outputShape: [Int]
        public var parameters: Int
        public var forwardGFLOPs: Double
        public var forwardMs: Double, forwardBackwardMs: Double
        /// The inference copy (batch norm folded, activations fused).
        public var fusedForwardMs: Double?
    }

    /// Seconds of the fastest of `repeats` runs, after one untimed warm-up.
    public func best(_ body: () throws -> Void) rethrows -> Double {
        try body()
        var fastest = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    /// Deterministic weights of fan-in scale, so activations stay in a normal float
    /// range (denormals would make the timings meaningless).
    public static func fill(_ layer: any Layer, seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for p in layer.parameters where p.name.hasSuffix("weight") && p.value.rank > 1 {
            let fanIn = p.value.shape.dropFirst().reduce(1, *)
            let bound = Float(1 / Double(fanIn).squareRoot())
            p.value.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] = rng.nextUniform(-bound, bound) }
            }
        }
    }

    public static func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = rng.nextUniform(-1, 1) } }
        return t
    }

    public func sgemmPeak() -> Double {
        let n = gemmSize
        let a = Self.randomTensor([n, n], seed: 1), b = Self.randomTensor([n, n], seed: 2)
        var c = Tensor(zeros: [n, n])
        let seconds = best {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        BLAS.sgemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n,
                                   beta: 0, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return 2 * Double(n) * Double(n) * Double(n) / seconds / 1e9
    }

    public func measure(_ c: ConvCase, peak: Double) throws -> LayerFigures {
        let conv = Conv2d(c.inChannels, c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.kernel / 2, bias: false)
        Self.fill(conv, seed: 3)
        let inShape = [1, c.inChannels, c.height, c.width]
        let x = Self.randomTensor(inShape, seed: 4)
        let flops = Double(conv.forwardFLOPs(for: inShape))
        var y = try conv.forward(x)
        let fwd = try best { y = try conv.forward(x) }
        let g = Self.randomTensor(y.shape, seed: 5)
        // Backward = weight gradient + input gradient, each as much work as the forward.
        let bwd = try best { _ = try conv.backward(g) }
        return LayerFigures(name: c.name, forwardGFLOPs: flops / fwd / 1e9, backwardGFLOPs: 2 * flops / bwd / 1e9,
                            forwardPercentOfPeak: 100 * flops / fwd / 1e9 / peak, forwardMs: fwd * 1e3, backwardMs: bwd * 1e3)
    }

    /// A backbone's forward (and, when `fused`, its inference copy's) and training step at 640×480.
    public func measure(backbone net: Sequential, seed: UInt64, fused: Bool) throws -> BackboneFigures {
        Self.fill(net, seed: seed)
        let shape = [1, 3, 480, 640]
        let count = try FLOPCounter.count(net, inputShape: shape)
        let image = Self.randomTensor(shape, seed: 7)
        var out = try net.forward(image)
        let gradOut = Self.randomTensor(out.shape, seed: 8)
        let forwardOnly = try best { out = try net.forward(image) }
        var fusedMs: Double?
        if fused {
            let copy = InferenceFusion.fused(net)
            fusedMs = try best { out = try copy.forward(image) } * 1e3
        }
        let step = try best {
            net.zeroGrad()
            _ = try net.forward(image)
            _ = try net.backward(gradOut)
        }
        return BackboneFigures(inputShape: shape, outputShape: count.outputShape, parameters: net.parameterCount,
                               forwardGFLOPs: Double(count.flops) / 1e9, forwardMs: forwardOnly * 1e3,
                               forwardBackwardMs: step * 1e3, fusedForwardMs: fusedMs)
    }

    /// The pretrained pipelines' backbone as they train it: MobileNetV2 to
    /// stride 16, batch norm frozen, stem and blocks 1–3 frozen.
    public static func mobileNetBackbone() throws -> Sequential {
        var config = PipelineConfig.BackboneConfig()
        config.type = .mobilenetV2
        config.weights = "imagenet"
        config.frozenStages = 4
        return try FeatureExtractor(config).network
    }
}
