import Foundation
import Imaging
import XCTest
import TestSupport
@testable import NeuralNet
import WeightFormats

/// The engine end to end on real data: a small CNN, trained from a seeded
/// initialisation with our layers, losses and optimizer, learns to tell the
/// three BCCD cell types apart from crops of their annotated boxes, and is
/// judged on crops from images it never saw (the dataset's own test split).
final class TinyCNNTrainingTests: XCTestCase {
    static let classes = ["RBC", "WBC", "Platelets"]
    static let side = 32

    struct Annotation {
        var imageID: String
        var classIndex: Int
        /// 0-based, x2/y2 exclusive, in the 640×480 image.
        var box: BoxCorners
    }

    static var datasetRoot: URL {
        // Tests/NeuralNetTests/<this file> → package root → datasets/bccd
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/bccd").standardized
    }

    /// Boxes of one VOC annotation file, converted from VOC's 1-based inclusive
    /// pixel indices to 0-based exclusive corners; degenerate boxes are dropped.
    static func annotations(imageID: String) throws -> [Annotation] {
        let url = datasetRoot.appendingPathComponent("annotations/\(imageID).xml")
        let xml = try String(contentsOf: url, encoding: .utf8)
        func value(_ tag: String, in s: Substring) -> Substring? {
            guard let a = s.range(of: "<\(tag)>"), let b = s.range(of: "</\(tag)>", range: a.upperBound..<s.endIndex) else { return nil }
            return s[a.upperBound..<b.lowerBound]
        }
        var out: [Annotation] = []
        var rest = xml[...]
        while let open = rest.range(of: "<object>"), let close = rest.range(of: "</object>", range: open.upperBound..<rest.endIndex) {
            let object = rest[open.upperBound..<close.lowerBound]
            rest = rest[close.upperBound...]
            guard let name = value("name", in: object)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  let k = classes.firstIndex(of: name) else { continue }
            let coords = ["xmin", "ymin", "xmax", "ymax"].compactMap {
                value($0, in: object).flatMap { Float($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            guard coords.count == 4 else { continue }
            let box: BoxCorners = (coords[0] - 1, coords[1] - 1, coords[2], coords[3])
            guard box.x2 - box.x1 >= 4, box.y2 - box.y1 >= 4 else { continue }
            out.append(Annotation(imageID: imageID, classIndex: k, box: box))
        }
        return out
    }

    static func split(_ name: String) throws -> [String] {
        try String(contentsOf: datasetRoot.appendingPathComponent("splits/\(name).txt"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Keeps every WBC and platelet and as many RBCs (seeded choice): RBCs
    /// outnumber the other classes 11 to 1 and would otherwise dominate.
    static func balanced(_ all: [Annotation], rng: inout SeededGenerator) -> [Annotation] {
        let minority = all.filter { $0.classIndex != 0 }
        var rbc = all.filter { $0.classIndex == 0 }
        rng.shuffle(&rbc)
        let keep = max(all.filter { $0.classIndex == 1 }.count, all.filter { $0.classIndex == 2 }.count)
        return minority + rbc.prefix(keep)
    }

    /// Crops warped to side×side, as one [N, 3, side, side] tensor of raw 0…255
    /// values, and their labels. Images are decoded at half size (DCT scaling):
    /// the crops are small, and the lower resolution also lessens aliasing.
    static func crops(_ annotations: [Annotation]) throws -> (Tensor, [Int]) {
        let byImage = Dictionary(grouping: annotations, by: \.imageID)
        let per = 3 * side * side
        var data = [Float](repeating: 0, count: annotations.count * per)
        var labels: [Int] = []
        let warp = RegionWarp(size: side, padding: 0, fill: SIMD3(repeating: 128))
        var n = 0
        for id in byImage.keys.sorted() {
            let list = byImage[id]!
            let path = datasetRoot.appendingPathComponent("images/\(id).jpg").path
            let image = try JPEG.decode(path: path, minimumSize: (320, 240))
            let sx = Float(image.width) / 640, sy = Float(image.height) / 480
            let boxes = list.map { a -> BoxCorners in (a.box.x1 * sx, a.box.y1 * sy, a.box.x2 * sx, a.box.y2 * sy) }
            data.withUnsafeMutableBufferPointer { buf in
                warp.warp(image, boxes: boxes, into: UnsafeMutableBufferPointer(rebasing: buf[(n * per)...]))
            }
            labels += list.map(\.classIndex)
            n += list.count
        }
        return (Tensor(shape: [n, 3, side, side], data: data), labels)
    }

    static func makeNetwork() -> Sequential {
        Sequential([
            Conv2d(3, 16, kernel: 3, padding: 1), ReLU(), MaxPool2d(kernel: 2),     // 16×16
            Conv2d(16, 32, kernel: 3, padding: 1), ReLU(), MaxPool2d(kernel: 2),    // 8×8
            Conv2d(32, 32, kernel: 3, padding: 1), ReLU(), MaxPool2d(kernel: 2),    // 4×4
            Flatten(), Linear(32 * 4 * 4, 3),
        ])
    }

    /// Rows `indices` of an NCHW tensor, optionally mirrored left–right.
    static func batch(_ x: Tensor, _ indices: ArraySlice<Int>, flip: [Bool]) -> Tensor {
        let per = x.count / x.shape[0]
        var out = Tensor(zeros: [indices.count] + x.shape.dropFirst())
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (j, i) in indices.enumerated() {
                    let s = src.baseAddress! + i * per, d = dst.baseAddress! + j * per
                    if !flip[j] {
                        d.update(from: s, count: per)
                    } else {
                        for row in 0..<(per / side) {
                            for col in 0..<side { d[row * side + col] = s[row * side + side - 1 - col] }
                        }
                    }
                }
            }
        }
        return out
    }

    static func predict(_ net: Sequential, _ x: Tensor) throws -> [Int] {
        net.training = false
        var out: [Int] = []
        let n = x.shape[0]
        for start in stride(from: 0, to: n, by: 256) {
            let logits = try net.forward(batch(x, Array(start..<min(start + 256, n))[...], flip: .init(repeating: false, count: min(256, n - start))))
            let c = logits.shape[1]
            for i in 0..<logits.shape[0] {
                let row = logits.data[(i * c)..<((i + 1) * c)]
                out.append(row.indices.max { row[$0] < row[$1] }! - i * c)
            }
        }
        return out
    }

    func testTinyCNNClassifiesHeldOutBCCDCells() throws {
        guard FileManager.default.fileExists(atPath: Self.datasetRoot.appendingPathComponent("splits/test.txt").path) else {
            throw NSError(domain: "BCCD dataset not found at \(Self.datasetRoot.path) (datasets/bccd belongs to the repository)", code: 1)
        }
        var rng = SeededGenerator(seed: 2026)
        let trainAll = try Self.split("trainval").flatMap(Self.annotations)
        let testAll = try Self.split("test").flatMap(Self.annotations)
        XCTAssertTrue(Set(try Self.split("trainval")).isDisjoint(with: try Self.split("test")))

        let loadStart = Date()
        var (trainX, trainY) = try Self.crops(Self.balanced(trainAll, rng: &rng))
        var (testX, testY) = try Self.crops(testAll)
        let loadSeconds = Date().timeIntervalSince(loadStart)

        // Normalise with the training crops' per-channel mean and overall std.
        let plane = Self.side * Self.side
        var mean = [Float](repeating: 0, count: 3)
        for i in 0..<trainY.count { for c in 0..<3 { for p in 0..<plane { mean[c] += trainX.data[(i * 3 + c) * plane + p] } } }
        mean = mean.map { $0 / Float(trainY.count * plane) }
        var variance: Float = 0
        for i in 0..<trainX.count { let d = trainX.data[i] - mean[(i / plane) % 3]; variance += d * d }
        let scale = 1 / (variance / Float(trainX.count)).squareRoot()
        for x in [0, 1] {
            var t = x == 0 ? trainX : testX
            t.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = (b[i] - mean[(i / plane) % 3]) * scale } }
            if x == 0 { trainX = t } else { testX = t }
        }

        let net = Self.makeNetwork()
        try TestInitialisation.initialise(net, using: &rng)
        (net.layers[0] as? Conv2d)?.propagatesGradient = false
        // Untrained, the network must not already pass: the test can fail.
        let before = try Self.predict(net, testX)
        var hitsBefore = [Int](repeating: 0, count: 3), countBefore = [Int](repeating: 0, count: 3)
        for (p, y) in zip(before, testY) {
            countBefore[y] += 1
            if p == y { hitsBefore[y] += 1 }
        }
        var chanceBalanced = 0.0
        for k in 0..<3 { chanceBalanced += Double(hitsBefore[k]) / Double(max(countBefore[k], 1)) / 3 }
        XCTAssertLessThan(chanceBalanced, 0.7, "an untrained network should be near chance")
        let epochs = 8, batchSize = 32
        let stepsPerEpoch = (trainY.count + batchSize - 1) / batchSize
        let schedule = LinearWarmup(CosineLR(base: 0.05, totalSteps: epochs * stepsPerEpoch), warmupSteps: stepsPerEpoch, startFactor: 0.1)
        let sgd = try SGD(parameters: net.parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true)
        let loss = SoftmaxCrossEntropyLoss()

        let trainStart = Date(), trainCPUStart = clock()
        var step = 0
        var lastEpochLoss = 0.0
        for _ in 0..<epochs {
            net.training = true
            var order = Array(0..<trainY.count)
            rng.shuffle(&order)
            var epochLoss = 0.0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let idx = order[start..<min(start + batchSize, order.count)]
                let flips = idx.map { _ in rng.next() & 1 == 1 }
                let x = Self.batch(trainX, idx, flip: flips)
                sgd.zeroGrad()
                let logits = try net.forward(x)
                let r = try loss(logits: logits, targets: idx.map { trainY[$0] })
                _ = try net.backward(r.gradient)
                clipGradientNorm(net.parameters, maxNorm: 10)
                sgd.learningRate = schedule.learningRate(at: step)
                try sgd.step()
                step += 1
                epochLoss += Double(r.value) * Double(idx.count)
            }
            lastEpochLoss = epochLoss / Double(trainY.count)
        }
        let trainSeconds = Date().timeIntervalSince(trainStart)
        // CPU time of all threads: on a shared machine wall time alone says little.
        let trainCPUSeconds = Double(clock() - trainCPUStart) / Double(CLOCKS_PER_SEC)

        let predicted = try Self.predict(net, testX)
        var correct = [Int](repeating: 0, count: 3), total = [Int](repeating: 0, count: 3)
        for (p, y) in zip(predicted, testY) { total[y] += 1; if p == y { correct[y] += 1 } }
        let recall = (0..<3).map { Double(correct[$0]) / Double(max(total[$0], 1)) }
        let balancedAccuracy = recall.reduce(0, +) / 3
        let accuracy = Double(correct.reduce(0, +)) / Double(testY.count)
        print(String(format: "tiny CNN on BCCD crops: %d train crops (balanced), %d test crops %@; load %.1f s, train %.1f s wall / %.1f s CPU (%d epochs, final loss %.3f); untrained balanced accuracy %.3f; test accuracy %.3f, balanced %.3f, recall RBC %.3f WBC %.3f Platelets %.3f",
                     trainY.count, testY.count, total.description, loadSeconds, trainSeconds, trainCPUSeconds, epochs, lastEpochLoss,
                     chanceBalanced, accuracy, balancedAccuracy, recall[0], recall[1], recall[2]))
        XCTAssertGreaterThanOrEqual(accuracy, 0.90, "overall held-out accuracy")
        XCTAssertGreaterThanOrEqual(balancedAccuracy, 0.90, "mean per-class recall on held-out crops")
        XCTAssert(recall.allSatisfy { $0 >= 0.8 }, "every class recognised: \(recall)")
    }
}

/// Same seed, same data → bit-identical weights after training steps; another
/// seed → different weights. This is what makes a training run reproducible.
final class TrainingReproducibilityTests: XCTestCase {
    private func train(seed: UInt64) throws -> [Float] {
        var rng = SeededGenerator(seed: seed)
        let net = TinyCNNTrainingTests.makeNetwork()
        try TestInitialisation.initialise(net, using: &rng)
        let x = Initialisation.normal(shape: [8, 3, 32, 32], std: 1, using: &rng)
        let y = (0..<8).map { _ in Int(rng.next() % 3) }
        let opt = try SGD(parameters: net.parameters, learningRate: 1e-2, momentum: 0.9, weightDecay: 1e-4)
        for _ in 0..<3 {
            opt.zeroGrad()
            let r = try SoftmaxCrossEntropyLoss()(logits: net.forward(x), targets: y)
            _ = try net.backward(r.gradient)
            try opt.step()
        }
        return net.parameters.flatMap(\.value.data)
    }

    func testTrainingIsReproducibleGivenSeed() throws {
        let a = try train(seed: 99), b = try train(seed: 99), c = try train(seed: 100)
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
        XCTAssertNotEqual(a, c)
    }
}

final class NetworkWeightsFileTests: XCTestCase {
    /// A network saved to safetensors and loaded into a freshly built one computes
    /// the same outputs; the keys are the torchvision-style names the containers give.
    func testNetworkRoundTripsThroughSafeTensors() throws {
        var rng = SeededGenerator(seed: 4)
        let net = TinyCNNTrainingTests.makeNetwork()
        try TestInitialisation.initialise(net, using: &rng)
        let x = Initialisation.normal(shape: [2, 3, 32, 32], std: 1, using: &rng)
        net.training = false
        let expected = try net.forward(x)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-cnn-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try StateDict.save(net, to: file, metadata: ["seed": "4"])
        XCTAssertEqual(Set(try SafeTensors.load(path: file).keys),
                       ["0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias", "10.weight", "10.bias"])

        let fresh = TinyCNNTrainingTests.makeNetwork()
        fresh.training = false
        XCTAssertNotEqual(try fresh.forward(x), expected)
        let report = try StateDict.load(path: file, into: fresh)
        XCTAssertEqual(report.loaded.count, 8)
        XCTAssertEqual(try fresh.forward(x), expected)
    }
}
