import ArgumentParser
import Foundation
import JSONText
import NeuralNet
import Pipelines
import Workflows

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

    public func run() throws {
        let bench = EngineBenchmark(repeats: repeats, gemmSize: gemmSize)
        let core = BLAS.coreName, threads = BLAS.threads
        let timeout = BLAS.threadTimeout
        print("OpenBLAS core \(core), \(threads) thread(s), idle threads spin "
              + (timeout.map { "2^\($0) cycles" } ?? "its default 2^28 cycles") + "; best of \(repeats) runs")
        let firstPeak = bench.sgemmPeak()
        print(String(format: "sgemm %dx%dx%d: %.1f GFLOP/s", gemmSize, gemmSize, gemmSize, firstPeak))
        var layers = try EngineBenchmark.convCases.map { try bench.measure($0, peak: firstPeak) }
        // Measured again at the end, the better figure being the peak: on a shared
        // machine one sgemm measurement can be caught by a burst of other work, and
        // an underestimated peak would flatter every layer's percentage.
        let lastPeak = bench.sgemmPeak()
        let peak = max(firstPeak, lastPeak)
        print(String(format: "sgemm again: %.1f GFLOP/s; peak used: %.1f GFLOP/s", lastPeak, peak))
        for i in layers.indices { layers[i].forwardPercentOfPeak = 100 * layers[i].forwardGFLOPs / peak }
        print("layer                           forward  GFLOP/s  %peak   backward  GFLOP/s")
        for f in layers {
            print(String(format: "%-30@ %7.2f ms %7.1f %5.0f%% %8.2f ms %7.1f", f.name, f.forwardMs, f.forwardGFLOPs,
                         f.forwardPercentOfPeak, f.backwardMs, f.backwardGFLOPs))
        }
        let resnet = try bench.measure(backbone: ResNet.default(), seed: 6, fused: false)
        print(String(format: "backbone %@ -> %@: %d parameters, %.2f GFLOPs forward; forward %.1f ms, forward+backward %.1f ms",
                     "\(resnet.inputShape)", "\(resnet.outputShape)", resnet.parameters, resnet.forwardGFLOPs,
                     resnet.forwardMs, resnet.forwardBackwardMs))
        let mobile = try bench.measure(backbone: EngineBenchmark.mobileNetBackbone(), seed: 9, fused: true)
        print(String(format: "mobilenet_v2 %@ -> %@: %d parameters, %.2f GFLOPs forward; forward %.1f ms (fused for inference %.1f ms), forward+backward %.1f ms",
                     "\(mobile.inputShape)", "\(mobile.outputShape)", mobile.parameters, mobile.forwardGFLOPs,
                     mobile.forwardMs, mobile.fusedForwardMs ?? 0, mobile.forwardBackwardMs))
        if json {
            let n = Self.number
            let layerJSON = layers.map { f in
                "{\"name\": \(JSONText.string(f.name)), \"forward_gflops\": \(n(f.forwardGFLOPs)), "
                    + "\"backward_gflops\": \(n(f.backwardGFLOPs)), \"forward_percent_of_peak\": \(n(f.forwardPercentOfPeak)), "
                    + "\"forward_ms\": \(n(f.forwardMs)), \"backward_ms\": \(n(f.backwardMs))}"
            }
            // Built by hand to keep the documented key order (sgemm_gflops, layers, …).
            print("{\"sgemm_gflops\": \(n(peak)), \"layers\": [\(layerJSON.joined(separator: ", "))], "
                  + "\"backbone_forward_backward_ms\": \(n(resnet.forwardBackwardMs)), "
                  + "\"backbone_forward_ms\": \(n(resnet.forwardMs)), "
                  + "\"backbone_forward_gflops\": \(n(resnet.forwardGFLOPs)), "
                  + "\"backbone_parameters\": \(resnet.parameters), "
                  + "\"mobilenet_v2_forward_ms\": \(n(mobile.forwardMs)), "
                  + "\"mobilenet_v2_inference_ms\": \(n(mobile.fusedForwardMs ?? .nan)), "
                  + "\"mobilenet_v2_forward_backward_ms\": \(n(mobile.forwardBackwardMs)), "
                  + "\"mobilenet_v2_forward_gflops\": \(n(mobile.forwardGFLOPs)), "
                  + "\"blas_core\": \(JSONText.string(core)), \"threads\": \(threads), "
                  + "\"blas_thread_timeout\": \(timeout.map(String.init) ?? "null")}")
        }
    }

    static func number(_ v: Double) -> String { v.isFinite ? String(format: "%.3f", v) : "null" }
}
