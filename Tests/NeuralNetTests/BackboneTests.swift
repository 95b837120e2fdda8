import XCTest
import TestSupport
@testable import NeuralNet

final class BackboneTests: XCTestCase {
    func testShapeNamesParametersAndFLOPs() throws {
        let net = ResNet.default()
        let count = try FLOPCounter.count(net, inputShape: [1, 3, 480, 640])
        XCTAssertEqual(count.outputShape, [1, ResNet.outChannels, 30, 40], "stride 16")

        // Hand count: 2·Cout·Ho·Wo·Cin·k² per convolution.
        func conv(_ cin: Int, _ cout: Int, _ k: Int, _ h: Int, _ w: Int) -> Int { 2 * cout * h * w * cin * k * k }
        let expected = conv(3, 64, 7, 240, 320)
            + 2 * conv(64, 64, 3, 120, 160)
            + conv(64, 128, 3, 60, 80) + conv(128, 128, 3, 60, 80) + conv(64, 128, 1, 60, 80)
            + conv(128, 256, 3, 30, 40) + conv(256, 256, 3, 30, 40) + conv(128, 256, 1, 30, 40)
        XCTAssertEqual(count.flops, expected)

        let convWeights = 64 * 3 * 49 + 2 * 64 * 64 * 9 + 128 * 64 * 9 + 128 * 128 * 9 + 128 * 64
            + 256 * 128 * 9 + 256 * 256 * 9 + 256 * 128
        let bnAffine = 2 * (64 + 64 + 64 + 128 + 128 + 128 + 256 + 256 + 256)
        XCTAssertEqual(net.parameterCount, convWeights + bnAffine)

        let keys = Set(net.stateDict.keys)
        for key in ["backbone.body.conv1.weight", "backbone.body.bn1.running_var",
                    "backbone.body.layer1.0.conv1.weight", "backbone.body.layer1.0.bn2.bias",
                    "backbone.body.layer2.0.downsample.0.weight", "backbone.body.layer3.0.downsample.1.running_mean"] {
            XCTAssertTrue(keys.contains(key), "missing \(key)")
        }
        XCTAssertEqual(keys.count, net.parameters.count + net.buffers.count, "names are unique")
    }

    func testSmallInputForwardBackwardIsConsistent() throws {
        // A real forward/backward through the whole backbone on a small image: the
        // output shape follows stride 16 and every trainable parameter receives gradient.
        var rnd = TestRandom(seed: 70)
        let net = ResNet.default()
        for p in net.parameters where p.name.hasSuffix("conv1.weight") || p.name.contains("conv2") || p.name.contains("downsample.0") {
            p.value = rnd.tensor(p.value.shape, -0.1, 0.1)
        }
        let x = rnd.tensor([2, 3, 64, 48], 0, 1)
        let y = try net.forward(x)
        XCTAssertEqual(y.shape, [2, 256, 4, 3])
        let dx = try net.backward(rnd.tensor(y.shape))
        XCTAssertEqual(dx.shape, x.shape)
        for p in net.parameters {
            XCTAssertTrue(p.grad.data.contains { $0 != 0 }, "\(p.name) got no gradient")
        }
    }
}
