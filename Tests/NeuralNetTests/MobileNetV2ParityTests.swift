import Foundation
import XCTest
import Imaging
@testable import NeuralNet
import WeightFormats

/// MobileNetV2 with torchvision's ImageNet weights (fetched and converted by
/// `scripts/fetch-weights`, which `scripts/bootstrap` runs) against torchvision
/// itself: `Fixtures/mobilenet_v2/make_fixture.py` wrote what torchvision
/// computes on the same pixels.
final class MobileNetV2ParityTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let weights = root.appendingPathComponent("models/imagenet/mobilenet_v2.safetensors").path
    static let mean: [Float] = [123.675, 116.28, 103.53], std: [Float] = [58.395, 57.12, 57.375]

    struct Expected: Decodable {
        struct Parity: Decodable {
            var photo: String, width: Int, height: Int
            var stride16_shape: [Int], stride16_step: Int, stride16: [Float]
            var stride32_shape: [Int], stride32_step: Int, stride32: [Float]
            var logits: [Float]
        }
        struct Top5: Decodable { var photo: String, classes: [Int], labels: [String] }
        var parity: [Parity]
        var top5: [Top5]
    }

    func fixtures() throws -> (URL, Expected) {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("mobilenet_v2") else {
            throw XCTSkip("fixtures missing from the test bundle")
        }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: dir.appendingPathComponent("expected.json")))
        return (dir, expected)
    }

    func network() throws -> Sequential {
        guard FileManager.default.fileExists(atPath: Self.weights) else {
            XCTFail("\(Self.weights) is missing: run scripts/fetch-weights (scripts/bootstrap does)")
            throw TensorError.invalid("no ImageNet weights")
        }
        let net = try MobileNetV2.classifier()
        let report = try MobileNetV2.loadPretrained(path: Self.weights, into: net)
        XCTAssertEqual(report.loaded.count, 262)
        net.training = false
        return net
    }

    func input(_ image: Image) -> Tensor {
        var t = Tensor(shape: [1, 3, image.height, image.width], data: image.pixels)
        let plane = image.width * image.height
        for c in 0..<3 { for i in 0..<plane { t.data[c * plane + i] = (t.data[c * plane + i] - Self.mean[c]) / Self.std[c] } }
        return t
    }

    /// max |a − b| over the largest |b|: the relative error of a whole output.
    func relativeError(_ got: [Float], _ expected: [Float]) -> Float {
        let scale = expected.map(abs).max() ?? 1
        return zip(got, expected).map { abs($0 - $1) }.max()! / scale
    }

    func testFeaturesAndLogitsEqualTorchvision() throws {
        let (dir, expected) = try fixtures()
        let net = try network()
        let children = net.children
        for case_ in expected.parity {
            let bytes = try Data(contentsOf: dir.appendingPathComponent(case_.photo))
            let plane = case_.width * case_.height
            XCTAssertEqual(bytes.count, 3 * plane)
            var pixels = [Float](repeating: 0, count: 3 * plane)
            for (i, v) in bytes.enumerated() { pixels[(i % 3) * plane + i / 3] = Float(v) }
            let x = input(Image(width: case_.width, height: case_.height, pixels: pixels))
            // Through the features block by block, reading the stride-16 map after block 13.
            guard let features = children[0].layer as? Sequential else { return XCTFail("features") }
            var y = x, f16 = x
            for (i, block) in features.layers.enumerated() {
                y = try block.forward(y)
                if i == 13 { f16 = y }
            }
            XCTAssertEqual(f16.shape, case_.stride16_shape)
            XCTAssertEqual(y.shape, case_.stride32_shape)
            let got16 = stride(from: 0, to: f16.count, by: case_.stride16_step).map { f16.data[$0] }
            let got32 = stride(from: 0, to: y.count, by: case_.stride32_step).map { y.data[$0] }
            XCTAssertLessThan(relativeError(got16, case_.stride16), 1e-4, "\(case_.photo) stride-16 features")
            XCTAssertLessThan(relativeError(got32, case_.stride32), 1e-4, "\(case_.photo) stride-32 features")
            let logits = try net.forward(x)
            XCTAssertEqual(logits.shape, [1, 1000])
            XCTAssertLessThan(relativeError(logits.data, case_.logits), 1e-4, "\(case_.photo) logits")
            // The inference copy (batch norm folded, ReLU6 fused) computes the same.
            let fused = try InferenceFusion.fused(net).forward(x)
            XCTAssertLessThan(relativeError(fused.data, case_.logits), 1e-4, "\(case_.photo) logits, fused network")
        }
    }

    /// Our JPEG decoder and resize against PIL's: the same five ImageNet classes.
    func testTopFiveClassesOfSamplePhotos() throws {
        let (_, expected) = try fixtures()
        let net = try network()
        let photos = Self.root.appendingPathComponent("Tests/ProposalsTests/Fixtures/natural")
        for case_ in expected.top5 {
            var image = try JPEG.decode(path: photos.appendingPathComponent(case_.photo).path)
                .resized(width: 224, height: 224, antialias: true)
            // PIL hands torchvision 8-bit pixels.
            image.pixels = image.pixels.map { min(max($0.rounded(), 0), 255) }
            let logits = try net.forward(input(image)).data
            let top = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(5)
            XCTAssertEqual(top.first, case_.classes.first, "\(case_.photo): top-1 \(top.first!) vs torchvision's \(case_.labels[0])")
            XCTAssertEqual(Set(top), Set(case_.classes), "\(case_.photo): top-5 \(Array(top)) vs torchvision's \(case_.classes) \(case_.labels)")
        }
    }
}
