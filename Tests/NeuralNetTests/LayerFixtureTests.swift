import Foundation
import XCTest
import TestSupport
@testable import NeuralNet

/// Forward values against references computed by Fixtures/gen_layer_fixtures.py
/// (numpy, direct window sums rather than im2col).
final class LayerFixtureTests: XCTestCase {
    struct ConvCase: Decodable {
        let in_channels: Int, out_channels: Int, kernel: [Int], stride: [Int], padding: [Int], dilation: [Int], groups: Int
        let input_shape: [Int], input: [Float], weight: [Float], bias: [Float]?, output_shape: [Int], output: [Float]
    }
    struct PoolCase: Decodable {
        let kernel: Int, stride: Int, padding: Int, ceil_mode: Bool
        let input_shape: [Int], input: [Float], output_shape: [Int], output: [Float]
    }
    struct AdaptiveCase: Decodable {
        let output_size: [Int], input_shape: [Int], input: [Float], output_shape: [Int], output: [Float]
    }
    struct BNCase: Decodable {
        let momentum: Float, eps: Float, input_shape: [Int], input: [Float], weight: [Float], bias: [Float]
        let running_mean: [Float], running_var: [Float], train_output: [Float]
        let running_mean_after: [Float], running_var_after: [Float], eval_output_after: [Float]
    }
    struct LinearCase: Decodable {
        let in_features: Int, out_features: Int, input_shape: [Int], input: [Float], weight: [Float], bias: [Float], output: [Float]
    }
    struct Fixtures: Decodable {
        let conv2d: [ConvCase], maxpool2d: [PoolCase], adaptive_avgpool2d: [AdaptiveCase]
        let batchnorm2d: [BNCase], linear: [LinearCase]
    }

    static func load() throws -> Fixtures {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw TensorError.invalid("Fixtures folder missing from the test bundle")
        }
        let data = try Data(contentsOf: dir.appendingPathComponent("layer_fixtures.json"))
        return try JSONDecoder().decode(Fixtures.self, from: data)
    }

    func testConv2dMatchesNumpy() throws {
        let cases = try Self.load().conv2d
        XCTAssertEqual(cases.count, 5)
        for (i, c) in cases.enumerated() {
            let conv = Conv2d(c.in_channels, c.out_channels, kernel: (c.kernel[0], c.kernel[1]),
                              stride: (c.stride[0], c.stride[1]), padding: (c.padding[0], c.padding[1]),
                              dilation: (c.dilation[0], c.dilation[1]), groups: c.groups, bias: c.bias != nil)
            conv.weight.value = Tensor(shape: conv.weight.value.shape, data: c.weight)
            if let b = c.bias { conv.bias!.value = Tensor(shape: [c.out_channels], data: b) }
            let y = try conv.forward(Tensor(shape: c.input_shape, data: c.input))
            XCTAssertEqual(y.shape, c.output_shape, "case \(i)")
            assertClose(y.data, c.output, tolerance: 1e-5, "conv case \(i)")
        }
    }

    func testPoolsMatchNumpy() throws {
        let f = try Self.load()
        for (i, c) in f.maxpool2d.enumerated() {
            let y = try MaxPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding, ceilMode: c.ceil_mode)
                .forward(Tensor(shape: c.input_shape, data: c.input))
            XCTAssertEqual(y.shape, c.output_shape, "maxpool case \(i)")
            XCTAssertEqual(y.data, c.output, "maxpool case \(i)")
        }
        for (i, c) in f.adaptive_avgpool2d.enumerated() {
            let y = try AdaptiveAvgPool2d((c.output_size[0], c.output_size[1])).forward(Tensor(shape: c.input_shape, data: c.input))
            XCTAssertEqual(y.shape, c.output_shape, "adaptive case \(i)")
            assertClose(y.data, c.output, tolerance: 1e-6, "adaptive case \(i)")
        }
    }

    func testBatchNormMatchesNumpy() throws {
        for (i, c) in try Self.load().batchnorm2d.enumerated() {
            let ch = c.input_shape[1]
            let bn = BatchNorm2d(ch, eps: c.eps, momentum: c.momentum)
            bn.weight.value = Tensor(shape: [ch], data: c.weight)
            bn.bias.value = Tensor(shape: [ch], data: c.bias)
            bn.runningMean.value = Tensor(shape: [ch], data: c.running_mean)
            bn.runningVar.value = Tensor(shape: [ch], data: c.running_var)
            let x = Tensor(shape: c.input_shape, data: c.input)
            assertClose(try bn.forward(x).data, c.train_output, tolerance: 1e-5, "bn train \(i)")
            assertClose(bn.runningMean.value.data, c.running_mean_after, tolerance: 1e-6, "running mean \(i)")
            assertClose(bn.runningVar.value.data, c.running_var_after, tolerance: 1e-6, "running var \(i)")
            bn.training = false
            assertClose(try bn.forward(x).data, c.eval_output_after, tolerance: 1e-5, "bn eval \(i)")
        }
    }

    func testLinearMatchesNumpy() throws {
        for (i, c) in try Self.load().linear.enumerated() {
            let fc = Linear(c.in_features, c.out_features)
            fc.weight.value = Tensor(shape: [c.out_features, c.in_features], data: c.weight)
            fc.bias!.value = Tensor(shape: [c.out_features], data: c.bias)
            assertClose(try fc.forward(Tensor(shape: c.input_shape, data: c.input)).data, c.output, tolerance: 1e-5, "linear \(i)")
        }
    }
}
