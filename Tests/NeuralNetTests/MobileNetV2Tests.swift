import Foundation
import XCTest
import TestSupport
import Imaging
@testable import NeuralNet

/// Grouped/depthwise convolution, ReLU6, the inverted residual block, frozen
/// layers, and MobileNetV2 against torchvision with the real ImageNet weights.
final class MobileNetV2Tests: XCTestCase {
    /// The direct grouped kernel against a naive seven-loop convolution.
    func testGroupedKernelMatchesNaiveConvolution() throws {
        var rnd = TestRandom(seed: 5)
        for (cin, cout, groups, k, s, p, d) in [(6, 6, 6, 3, 1, 1, 1), (6, 6, 6, 3, 2, 1, 1), (4, 6, 2, 3, 1, 2, 2),
                                                 (6, 12, 3, 5, 2, 0, 1), (8, 8, 8, 3, 2, 0, 1)] {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, dilation: d, groups: groups, bias: true)
            rnd.fill(conv)
            let x = rnd.tensor([2, cin, 11, 9])
            let y = try conv.forward(x)
            let (oh, ow) = (y.shape[2], y.shape[3])
            let cinG = cin / groups, coutG = cout / groups
            var worst: Float = 0
            for b in 0..<2 {
                for co in 0..<cout {
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var acc = conv.bias!.value.data[co]
                            let g = co / coutG
                            for ci in 0..<cinG {
                                for ky in 0..<k {
                                    for kx in 0..<k {
                                        let iy = oy * s - p + ky * d, ix = ox * s - p + kx * d
                                        guard iy >= 0, iy < 11, ix >= 0, ix < 9 else { continue }
                                        acc += conv.weight.value.data[((co * cinG + ci) * k + ky) * k + kx]
                                            * x.data[((b * cin + g * cinG + ci) * 11 + iy) * 9 + ix]
                                    }
                                }
                            }
                            worst = max(worst, abs(acc - y.data[((b * cout + co) * oh + oy) * ow + ox]))
                        }
                    }
                }
            }
            XCTAssertLessThan(worst, 1e-5, "groups \(groups) kernel \(k) stride \(s) padding \(p) dilation \(d)")
        }
    }

    func testDepthwiseAndGroupedGradients() throws {
        var rnd = TestRandom(seed: 6)
        let cases: [Conv2d] = [
            Conv2d(4, 4, kernel: 3, stride: 1, padding: 1, groups: 4, bias: false),
            Conv2d(4, 4, kernel: 3, stride: 2, padding: 1, groups: 4, bias: true),
            Conv2d(4, 6, kernel: 3, stride: 1, padding: 2, dilation: 2, groups: 2, bias: true),
        ]
        for conv in cases {
            rnd.fill(conv)
            try checkGradients(conv, input: rnd.tensor([2, conv.inChannels, 7, 6]))
        }
    }

    func testReLU6ValuesAndGradient() throws {
        let layer = ReLU6()
        let y = try layer.forward(Tensor(shape: [1, 1, 1, 4], data: [-1, 3, 6.5, 0.5]))
        XCTAssertEqual(y.data, [0, 3, 6, 0.5])
        let g = try layer.backward(Tensor(shape: [1, 1, 1, 4], data: [1, 1, 1, 1]))
        XCTAssertEqual(g.data, [0, 1, 0, 1])
        var rnd = TestRandom(seed: 7)
        // Values away from both kinks (0 and 6).
        let x = Tensor(shape: [1, 2, 3, 3], data: (0..<18).map { i in [-2, 1.5, 3, 7.5, 0.8, 5][i % 6] + rnd.uniform(-0.2, 0.2) })
        try checkGradients(ReLU6(), input: x)
    }

    /// Both block shapes (with and without the residual add), frozen batch norm
    /// with non-trivial statistics, checked by finite differences.
    func testInvertedResidualGradients() throws {
        var rnd = TestRandom(seed: 8)
        for (cin, cout, stride) in [(4, 4, 1), (4, 6, 2)] {
            let block = MobileNetV2.invertedResidual(cin, cout, stride: stride, expansion: 3, frozenBatchNorm: true)
            for p in block.parameters + block.buffers {
                if p.value.rank == 4 { p.value = rnd.tensor(p.value.shape, -0.4, 0.4) }
                else if p.name.hasSuffix("running_var") { p.value = rnd.tensor(p.value.shape, 0.5, 2) }
                else { p.value = rnd.tensor(p.value.shape, -0.3, 0.3) }
            }
            XCTAssertEqual(block is Residual, stride == 1 && cin == cout)
            // Frozen batch norm: its affine parameters do not train.
            XCTAssertEqual(block.parameters.filter(\.requiresGrad).count, 3)
            try checkGradients(block, input: rnd.tensor([1, cin, 6, 5], -1, 1), tolerance: 1e-2)
        }
    }

    func testFrozenBlocksTakeNoGradientAndStayInEvaluationMode() throws {
        let net = try MobileNetV2.features(blocks: 4, frozenBlocks: 2)
        let frozen = net.parameters.filter { $0.name.hasPrefix("features.0.") || $0.name.hasPrefix("features.1.") }
        XCTAssertFalse(frozen.isEmpty)
        XCTAssertTrue(frozen.allSatisfy { !$0.requiresGrad })
        XCTAssertTrue(net.parameters.filter { $0.name.hasPrefix("features.2.") }.allSatisfy(\.requiresGrad))
        net.training = true
        var rnd = TestRandom(seed: 9)
        for p in net.parameters where p.value.rank == 4 { p.value = rnd.tensor(p.value.shape, -0.2, 0.2) }
        let x = rnd.tensor([2, 3, 32, 32], 0, 1)
        let mean0 = net.buffers.first { $0.name == "features.0.1.running_mean" }!.value
        let y = try net.forward(x)
        XCTAssertEqual(y.shape, [2, 24, 8, 8])
        // Batch statistics moved in the trainable blocks only.
        XCTAssertEqual(net.buffers.first { $0.name == "features.0.1.running_mean" }!.value, mean0)
        net.zeroGrad()
        let dx = try net.backward(rnd.tensor(y.shape))
        XCTAssertEqual(dx.data.allSatisfy { $0 == 0 }, true)
        XCTAssertTrue(frozen.allSatisfy { $0.grad.data.allSatisfy { $0 == 0 } })
        XCTAssertTrue(net.parameters.filter { $0.name.hasPrefix("features.3.") }.contains { $0.grad.data.contains { $0 != 0 } })
    }

    /// torchvision's state-dict keys, less the `num_batches_tracked` counters.
    func testParameterNamesAreTorchvisionKeys() throws {
        let net = try MobileNetV2.classifier()
        let names = Set((net.parameters + net.buffers).map(\.name))
        XCTAssertEqual(names.count, 262)
        for key in ["features.0.0.weight", "features.0.1.running_var", "features.1.conv.0.0.weight", "features.1.conv.1.weight",
                    "features.1.conv.2.bias", "features.2.conv.0.0.weight", "features.2.conv.1.0.weight", "features.2.conv.2.weight",
                    "features.17.conv.3.running_mean", "features.18.0.weight", "features.18.1.bias",
                    "classifier.1.weight", "classifier.1.bias"] {
            XCTAssertTrue(names.contains(key), key)
        }
        // Stem 3, block 1 six (no expansion), blocks 2–13 nine each.
        XCTAssertEqual(try MobileNetV2.features(blocks: 14).parameters.count, 3 + 6 + 12 * 9)
    }
}
