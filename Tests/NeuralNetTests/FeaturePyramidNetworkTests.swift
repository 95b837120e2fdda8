import NeuralNet
import TestSupport
import XCTest

/// The FPN neck and the pieces it is made of: parity with torchvision's
/// `FeaturePyramidNetwork`, finite-difference gradients, nearest-neighbour
/// resizing, shared convolutions and a backbone tapped at several depths.
final class FeaturePyramidNetworkTests: XCTestCase {
    func testMatchesTorchvisionFeaturePyramidNetworkWithMaxPoolLevel() throws {
        let fixture = try FixtureJSON.object(at: FixtureJSON.url("fpn_fixture.json", in: .module))
        let fpn = try FeaturePyramidNetwork(inChannels: FixtureJSON.ints(fixture["in_channels"]),
                                            channels: try XCTUnwrap(fixture["out_channels"] as? Int),
                                            maxPoolLevel: true, prefix: "")
        let state = try XCTUnwrap(fixture["state"] as? [String: [String: Any]])
        XCTAssertEqual(Set(fpn.parameters.map(\.name)), Set(state.keys), "torchvision's parameter names")
        for p in fpn.parameters {
            let t = try XCTUnwrap(state[p.name])
            p.value = FixtureJSON.tensor(t["values"], shape: t["shape"])
        }
        let inputs = try XCTUnwrap(fixture["inputs"] as? [[String: Any]]).map { FixtureJSON.tensor($0["values"], shape: $0["shape"]) }
        let expected = try XCTUnwrap(fixture["outputs"] as? [[String: Any]])
        fpn.training = false
        let outputs = try fpn.forward(inputs)
        XCTAssertEqual(outputs.count, 4, "P3-P5 and the max-pooled P6")
        for (out, want) in zip(outputs, expected) {
            XCTAssertEqual(out.shape, FixtureJSON.ints(want["shape"]), "level \(want["name"] ?? "")")
            assertClose(out.data, FixtureJSON.floats(want["values"]), tolerance: 1e-5, "level \(want["name"] ?? "")")
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        var rnd = TestRandom(seed: 41)
        let fpn = try FeaturePyramidNetwork(inChannels: [2, 3], channels: 2, maxPoolLevel: true, prefix: "fpn")
        for p in fpn.parameters { p.value = rnd.tensor(p.value.shape, -0.5, 0.5) }
        // 5×7 above 3×4: the top-down pathway enlarges by 2× − 1 in both directions.
        let inputs = [rnd.tensor([1, 2, 5, 7]), rnd.tensor([1, 3, 3, 4])]
        let probes = try fpn.forward(inputs).map { rnd.tensor($0.shape) }
        func loss() throws -> Double { zip(try fpn.forward(inputs), probes).reduce(0) { $0 + probeLoss($1.0, $1.1) } }
        for p in fpn.parameters { p.zeroGrad() }
        _ = try fpn.forward(inputs)
        let inputGrads = try fpn.backward(probes)
        for (k, input) in inputs.enumerated() {
            let numeric = try FiniteDifferences.gradient(of: { x in
                var moved = inputs
                moved[k] = x
                return zip(try fpn.forward(moved), probes).reduce(0) { $0 + probeLoss($1.0, $1.1) }
            }, at: input, step: 1e-2, indices: 0..<input.count)
            for (i, n) in numeric {
                XCTAssertEqual(Double(inputGrads[k].data[i]), n, accuracy: 1e-3 + 1e-3 * abs(n), "C\(k) element \(i)")
            }
        }
        for p in fpn.parameters {
            let numeric = try FiniteDifferences.gradient(of: { value in
                let saved = p.value
                p.value = value
                defer { p.value = saved }
                return try loss()
            }, at: p.value, step: 1e-2, indices: 0..<p.value.count)
            for (i, n) in numeric {
                XCTAssertEqual(Double(p.grad.data[i]), n, accuracy: 1e-3 + 1e-3 * abs(n), "\(p.name) element \(i)")
            }
        }
    }

    func testNearestUpsampleReadsFloorOfScaledIndexAndSumsGradients() throws {
        let x = Tensor(shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6])
        // 3 → 5 columns: ⌊j·3/5⌋ = 0, 0, 1, 1, 2; 2 → 3 rows: 0, 0, 1.
        let y = try NearestUpsample.forward(x, height: 3, width: 5)
        XCTAssertEqual(y.data, [1, 1, 2, 2, 3,  1, 1, 2, 2, 3,  4, 4, 5, 5, 6])
        let g = try NearestUpsample.backward(Tensor(shape: [1, 1, 3, 5], data: [Float](repeating: 1, count: 15)),
                                             inputHeight: 2, inputWidth: 3)
        XCTAssertEqual(g.data, [4, 4, 2, 2, 2, 1], "each input cell gets the gradients of the cells that copied it")
    }

    func testSharedConvolutionAccumulatesBothApplications() throws {
        var rnd = TestRandom(seed: 5)
        let conv = Conv2d(2, 3, kernel: 3, padding: 1)
        rnd.fill(conv)
        let twin = conv.sharingParameters()
        XCTAssertTrue(twin.weight === conv.weight && twin.bias === conv.bias)
        let a = rnd.tensor([1, 2, 4, 5]), b = rnd.tensor([1, 2, 3, 3])
        let ga = rnd.tensor([1, 3, 4, 5]), gb = rnd.tensor([1, 3, 3, 3])
        // Separately, on fresh gradients, then interleaved through the twin.
        conv.weight.zeroGrad()
        _ = try conv.forward(a); _ = try conv.backward(ga)
        let fromA = conv.weight.grad
        conv.weight.zeroGrad()
        _ = try conv.forward(b); _ = try conv.backward(gb)
        let fromB = conv.weight.grad
        conv.weight.zeroGrad()
        _ = try conv.forward(a); _ = try twin.forward(b)
        let dxB = try twin.backward(gb), dxA = try conv.backward(ga)
        assertClose(conv.weight.grad.data, zip(fromA.data, fromB.data).map { $0 + $1 }, tolerance: 1e-5, "weight gradient")
        XCTAssertEqual(dxA.shape, a.shape)
        XCTAssertEqual(dxB.shape, b.shape, "each application back-propagates its own input")
    }

    func testTappedSequentialReturnsIntermediateMapsAndJoinsTheirGradients() throws {
        var rnd = TestRandom(seed: 9)
        let layers: [any Layer] = [Conv2d(2, 3, kernel: 3, stride: 2, padding: 1), ReLU(),
                                   Conv2d(3, 4, kernel: 3, stride: 2, padding: 1)]
        for l in layers { rnd.fill(l) }
        let net = Sequential(layers)
        let x = rnd.tensor([1, 2, 8, 8])
        let maps = try net.forward(x, keepingOutputsOf: [1, 2])
        assertClose(maps[0].data, try layers[1].forward(layers[0].forward(x)).data, tolerance: 1e-6, "tap 1")
        assertClose(maps[1].data, try net.forward(x).data, tolerance: 1e-6, "the last child's output")
        let probes = maps.map { rnd.tensor($0.shape) }
        _ = try net.forward(x, keepingOutputsOf: [1, 2])
        let dx = try net.backward(probes, ofOutputsOf: [1, 2])
        let numeric = try FiniteDifferences.gradient(of: { input in
            zip(try net.forward(input, keepingOutputsOf: [1, 2]), probes).reduce(0) { $0 + probeLoss($1.0, $1.1) }
        }, at: x, step: 1e-2, indices: 0..<x.count)
        for (i, n) in numeric { XCTAssertEqual(Double(dx.data[i]), n, accuracy: 1e-3 + 1e-3 * abs(n), "element \(i)") }
        XCTAssertThrowsError(try net.forward(x, keepingOutputsOf: [1]), "taps must end at the last child")
    }
}
