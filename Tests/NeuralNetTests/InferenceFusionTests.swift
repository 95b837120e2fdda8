import XCTest
import TestSupport
@testable import NeuralNet

final class InferenceFusionTests: XCTestCase {
    /// The whole backbone with random weights and non-trivial BatchNorm statistics:
    /// the fused copy (BN folded into convolutions, ReLU as their epilogue) gives
    /// the same features as the original in inference mode, and cannot train.
    func testFusedBackboneMatchesTheOriginalInInferenceMode() throws {
        var rnd = TestRandom(seed: 81)
        let net = ResNet.default()
        for p in net.parameters + net.buffers {
            if p.value.rank == 4 { p.value = rnd.tensor(p.value.shape, -0.15, 0.15) }
            else if p.name.hasSuffix("running_var") { p.value = rnd.tensor(p.value.shape, 0.2, 3) }
            else if p.name.hasSuffix("running_mean") { p.value = rnd.tensor(p.value.shape, -0.5, 0.5) }
            else if p.name.hasSuffix(".weight") { p.value = rnd.tensor(p.value.shape, 0.5, 1.5) }   // BN gamma
            else { p.value = rnd.tensor(p.value.shape, -0.3, 0.3) }                                // BN beta
        }
        net.training = false
        let names = (net.parameters + net.buffers).map(\.name)
        let fused = InferenceFusion.fused(net)
        XCTAssertEqual((net.parameters + net.buffers).map(\.name), names, "fusing renamed the original's parameters")
        let x = rnd.tensor([1, 3, 96, 80], 0, 1)
        let expected = try net.forward(x), got = try fused.forward(x)
        XCTAssertEqual(got.shape, expected.shape)
        let scale = expected.data.map(abs).max()!
        XCTAssertGreaterThan(scale, 0.01)
        var worst: Float = 0
        for (a, b) in zip(got.data, expected.data) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThan(worst, 1e-4 * scale, "largest difference \(worst) on features up to \(scale)")
        // No BatchNorm and no stand-alone ReLU is left outside the residual adds.
        func layers(_ l: any Layer) -> [any Layer] {
            if let c = l as? LayerContainer { return c.children.flatMap { layers($0.layer) } }
            return [l]
        }
        let all = layers(fused)
        XCTAssertFalse(all.contains { $0 is BatchNorm2d })
        XCTAssertEqual(all.compactMap { $0 as? Conv2d }.filter(\.fusedReLU).count, 4)   // stem + first conv of each block
        XCTAssertThrowsError(try fused.backward(rnd.tensor(got.shape)))
        // The original is untouched and still trains.
        net.training = true
        XCTAssertNoThrow(try net.backward(rnd.tensor(try net.forward(x).shape)))
    }

    /// Layers that are not fused are shared, and keep their names.
    func testUnfusedLayersAreSharedWithTheirNames() throws {
        let conv = Conv2d(2, 3, kernel: 3, padding: 1)
        let stem = Sequential([("conv", conv as any Layer), ("relu", ReLU())])
        let body = Sequential([("conv1", Conv2d(3, 3, kernel: 1) as any Layer), ("bn1", BatchNorm2d(3))])
        let net = Sequential([("stem", stem as any Layer), ("block", Residual(body: body))])
        let names = net.parameters.map { $0.name }
        XCTAssertEqual(names, ["stem.conv.weight", "stem.conv.bias", "block.conv1.weight", "block.conv1.bias",
                               "block.bn1.weight", "block.bn1.bias"])
        let fused = InferenceFusion.fused(net)
        XCTAssertEqual(net.parameters.map { $0.name }, names)
        XCTAssertTrue(fused.parameters.contains { $0 === conv.weight }, "the unfused convolution is shared")
        net.training = false
        var rnd = TestRandom(seed: 5)
        let x = rnd.tensor([1, 2, 5, 4])
        let a = try net.forward(x), b = try fused.forward(x)
        for (u, v) in zip(a.data, b.data) { XCTAssertEqual(u, v, accuracy: 1e-5) }
    }

    /// Folding by hand: one channel, y = γ(w·x + b − μ)/√(σ²+ε) + β.
    func testFoldOfOneChannelByHand() throws {
        let conv = Conv2d(1, 1, kernel: 1, bias: true)
        conv.weight.value = Tensor(shape: [1, 1, 1, 1], data: [2])
        conv.bias!.value = Tensor(shape: [1], data: [1])
        let bn = BatchNorm2d(1)
        bn.weight.value = Tensor(shape: [1], data: [3])
        bn.bias.value = Tensor(shape: [1], data: [0.5])
        bn.runningMean.value = Tensor(shape: [1], data: [4])
        bn.runningVar.value = Tensor(shape: [1], data: [4 - bn.eps])   // √(σ²+ε) = 2
        let folded = InferenceFusion.fold(conv, bn)
        XCTAssertEqual(folded.weight.value.data[0], 3, accuracy: 1e-6)          // 2 · 3/2
        XCTAssertEqual(folded.bias!.value.data[0], -4, accuracy: 1e-6)          // (1 − 4) · 3/2 + 0.5
        let y = try folded.forward(Tensor(shape: [1, 1, 1, 2], data: [1, 5]))
        XCTAssertEqual(y.data, [-1, 11])                                        // 3x − 4
    }
}
