import ArgumentParser
import Foundation
import NeuralNet
import Pipelines

/// `detect bench engine`: how close the NeuralNet engine gets to the BLAS peak.
///
/// Measures, in one process: the sgemm peak on square matrices, forward and
/// backward GFLOP/s of convolutions shaped like those of the default backbone at
/// 640×480, and one full training step (forward + backward) of that backbone.
/// Each figure is the best of `--repeats` runs after a warm-up run.
public struct BenchEngine: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure sgemm peak, convolution GFLOP/s and a backbone training step.")

    @Flag(help: "Also print the figures as one JSON object on the last line.")
    var json = false

    @Option(help: "Timed runs per measurement; the fastest is reported.")
    var repeats: Int = 3

    @Option(help: "Side of the square matrices used for the sgemm peak.")
    var gemmSize: Int = 2048

    public init() {}

    public func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard gemmSize >= 16 else { throw ValidationError("--gemm-size must be at least 16") }
    }

    /// A convolution typical of the backbone, benchmarked on a batch of one.
    struct ConvCase {
        let name: String
        let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, height: Int, width: Int
    }

    static let convCases: [ConvCase] = [
        ConvCase(name: "conv7x7/2 3->64 @640x480", inChannels: 3, outChannels: 64, kernel: 7, stride: 2, height: 480, width: 640),
        ConvCase(name: "conv3x3 64->64 @160x120", inChannels: 64, outChannels: 64, kernel: 3, stride: 1, height: 120, width: 160),
        ConvCase(name: "conv3x3/2 64->128 @160x120", inChannels: 64, outChannels: 128, kernel: 3, stride: 2, height: 120, width: 160),
        ConvCase(name: "conv3x3 128->128 @80x60", inChannels: 128, outChannels: 128, kernel: 3, stride: 1, height: 60, width: 80),
        ConvCase(name: "conv3x3 256->256 @40x30", inChannels: 256, outChannels: 256, kernel: 3, stride: 1, height: 30, width: 40),
        ConvCase(name: "conv1x1/2 64->128 @160x120", inChannels: 64, outChannels: 128, kernel: 1, stride: 2, height: 120, width: 160),
        ConvCase(name: "conv1x1 256->256 @40x30", inChannels: 256, outChannels: 256, kernel: 1, stride: 1, height: 30, width: 40),
    ]

    struct LayerFigures {
        let name: String
        let forwardGFLOPs: Double, backwardGFLOPs: Double, forwardPercentOfPeak: Double
        let forwardMs: Double, backwardMs: Double
    }

    /// Seconds of the fastest of `repeats` runs, after one untimed warm-up.
    func best(_ body: () throws -> Void) rethrows -> Double {
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
    static func fill(_ layer: any Layer, seed: UInt64) {
        var state = seed
        for p in layer.parameters where p.name.hasSuffix("weight") && p.value.rank > 1 {
            let fanIn = p.value.shape.dropFirst().reduce(1, *)
            let bound = Float(1 / Double(fanIn).squareRoot())
            p.value.withUnsafeMutableBufferPointer { b in
                for i in b.indices { b[i] = bound * (2 * uniform(&state) - 1) }
            }
        }
    }

    static func uniform(_ s: inout UInt64) -> Float {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float(Double((z ^ (z >> 31)) >> 11) / 9_007_199_254_740_992.0)
    }

    static func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var s = seed
        var t = Tensor(zeros: shape)
        t.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = 2 * uniform(&s) - 1 } }
        return t
    }

    func sgemmPeak() -> Double {
        let n = gemmSize
        let a = BenchEngine.randomTensor([n, n], seed: 1), b = BenchEngine.randomTensor([n, n], seed: 2)
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

    func measure(_ c: ConvCase, peak: Double) throws -> LayerFigures {
        let conv = Conv2d(c.inChannels, c.outChannels, kernel: c.kernel, stride: c.stride,
                          padding: c.kernel / 2, bias: false)
        BenchEngine.fill(conv, seed: 3)
        let inShape = [1, c.inChannels, c.height, c.width]
        let x = BenchEngine.randomTensor(inShape, seed: 4)
        let flops = Double(conv.forwardFLOPs(for: inShape))
        var y = try conv.forward(x)
        let fwd = try best { y = try conv.forward(x) }
        let g = BenchEngine.randomTensor(y.shape, seed: 5)
        // Backward = weight gradient + input gradient, each as much work as the forward.
        let bwd = try best { _ = try conv.backward(g) }
        return LayerFigures(name: c.name, forwardGFLOPs: flops / fwd / 1e9, backwardGFLOPs: 2 * flops / bwd / 1e9,
                            forwardPercentOfPeak: 100 * flops / fwd / 1e9 / peak,
                            forwardMs: fwd * 1e3, backwardMs: bwd * 1e3)
    }

    public func run() throws {
        let core = BLAS.coreName, threads = BLAS.threads
        print("OpenBLAS core \(core), \(threads) thread(s); best of \(repeats) runs")
        let firstPeak = sgemmPeak()
        print(String(format: "sgemm %dx%dx%d: %.1f GFLOP/s", gemmSize, gemmSize, gemmSize, firstPeak))

        var layers = try BenchEngine.convCases.map { try measure($0, peak: firstPeak) }
        // Measured again at the end, the better figure being the peak: on a shared
        // machine one sgemm measurement can be caught by a burst of other work, and
        // an underestimated peak would flatter every layer's percentage.
        let lastPeak = sgemmPeak()
        let peak = max(firstPeak, lastPeak)
        print(String(format: "sgemm again: %.1f GFLOP/s; peak used: %.1f GFLOP/s", lastPeak, peak))
        layers = layers.map {
            LayerFigures(name: $0.name, forwardGFLOPs: $0.forwardGFLOPs, backwardGFLOPs: $0.backwardGFLOPs,
                         forwardPercentOfPeak: 100 * $0.forwardGFLOPs / peak,
                         forwardMs: $0.forwardMs, backwardMs: $0.backwardMs)
        }
        print("layer                           forward  GFLOP/s  %peak   backward  GFLOP/s")
        for f in layers {
            print(String(format: "%-30@ %7.2f ms %7.1f %5.0f%% %8.2f ms %7.1f", f.name, f.forwardMs, f.forwardGFLOPs,
                         f.forwardPercentOfPeak, f.backwardMs, f.backwardGFLOPs))
        }

        let net = Backbone.default()
        BenchEngine.fill(net, seed: 6)
        let shape = [1, 3, 480, 640]
        let count = try FLOPCounter.count(net, inputShape: shape)
        let image = BenchEngine.randomTensor(shape, seed: 7)
        var out = try net.forward(image)
        let gradOut = BenchEngine.randomTensor(out.shape, seed: 8)
        let forwardOnly = try best { out = try net.forward(image) }
        let step = try best {
            net.zeroGrad()
            _ = try net.forward(image)
            _ = try net.backward(gradOut)
        }
        print(String(format: "backbone %@ -> %@: %d parameters, %.2f GFLOPs forward; forward %.1f ms, forward+backward %.1f ms",
                     "\(shape)", "\(count.outputShape)", net.parameterCount, Double(count.flops) / 1e9,
                     forwardOnly * 1e3, step * 1e3))

        // The pretrained pipelines' backbone as they train it: MobileNetV2 to
        // stride 16, batch norm frozen, stem and blocks 1-3 frozen.
        var mobileConfig = PipelineConfig.BackboneConfig()
        mobileConfig.type = "mobilenet_v2"
        mobileConfig.weights = "imagenet"
        mobileConfig.frozenStages = 4
        let mobile = try FeatureExtractor(mobileConfig).network
        BenchEngine.fill(mobile, seed: 9)
        let mobileCount = try FLOPCounter.count(mobile, inputShape: shape)
        var mobileOut = try mobile.forward(image)
        let mobileGrad = BenchEngine.randomTensor(mobileOut.shape, seed: 10)
        let mobileForward = try best { mobileOut = try mobile.forward(image) }
        let mobileFused = InferenceFusion.fused(mobile)
        let mobileInference = try best { mobileOut = try mobileFused.forward(image) }
        let mobileStep = try best {
            mobile.zeroGrad()
            _ = try mobile.forward(image)
            _ = try mobile.backward(mobileGrad)
        }
        print(String(format: "mobilenet_v2 %@ -> %@: %d parameters, %.2f GFLOPs forward; forward %.1f ms (fused for inference %.1f ms), forward+backward %.1f ms",
                     "\(shape)", "\(mobileCount.outputShape)", mobile.parameterCount, Double(mobileCount.flops) / 1e9,
                     mobileForward * 1e3, mobileInference * 1e3, mobileStep * 1e3))

        if json {
            let layerJSON = layers.map { f in
                "{\"name\": \(BenchEngine.quoted(f.name)), \"forward_gflops\": \(BenchEngine.number(f.forwardGFLOPs)), "
                    + "\"backward_gflops\": \(BenchEngine.number(f.backwardGFLOPs)), "
                    + "\"forward_percent_of_peak\": \(BenchEngine.number(f.forwardPercentOfPeak)), "
                    + "\"forward_ms\": \(BenchEngine.number(f.forwardMs)), \"backward_ms\": \(BenchEngine.number(f.backwardMs))}"
            }
            // Built by hand to keep the documented key order (sgemm_gflops, layers, …).
            print("{\"sgemm_gflops\": \(BenchEngine.number(peak)), \"layers\": [\(layerJSON.joined(separator: ", "))], "
                  + "\"backbone_forward_backward_ms\": \(BenchEngine.number(step * 1e3)), "
                  + "\"backbone_forward_ms\": \(BenchEngine.number(forwardOnly * 1e3)), "
                  + "\"backbone_forward_gflops\": \(BenchEngine.number(Double(count.flops) / 1e9)), "
                  + "\"backbone_parameters\": \(net.parameterCount), "
                  + "\"mobilenet_v2_forward_ms\": \(BenchEngine.number(mobileForward * 1e3)), "
                  + "\"mobilenet_v2_inference_ms\": \(BenchEngine.number(mobileInference * 1e3)), "
                  + "\"mobilenet_v2_forward_backward_ms\": \(BenchEngine.number(mobileStep * 1e3)), "
                  + "\"mobilenet_v2_forward_gflops\": \(BenchEngine.number(Double(mobileCount.flops) / 1e9)), "
                  + "\"blas_core\": \(BenchEngine.quoted(core)), \"threads\": \(threads)}")
        }
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "null" }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where ch.value < 0x20: out += String(format: "\\u%04x", ch.value)
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }
}
