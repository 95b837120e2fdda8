import XCTest
import TestSupport
import Boxes
import NeuralNet
@testable import Heads

final class RoIPoolingTests: XCTestCase {
    /// 1x1x4x4 map holding 0...15 row by row.
    let ramp = Tensor(shape: [1, 1, 4, 4], data: (0..<16).map(Float.init))

    func testRoIPoolHandComputed() throws {
        let pool = RoIPool(outputSize: 2, spatialScale: 1)
        let whole = try pool.forward(features: ramp, rois: [RegionOfInterest(box: Box(x1: 0, y1: 0, x2: 4, y2: 4))])
        XCTAssertEqual(whole.data, [5, 7, 13, 15])
        let inner = try pool.forward(features: ramp, rois: [RegionOfInterest(box: Box(x1: 1, y1: 1, x2: 3, y2: 3))])
        XCTAssertEqual(inner.data, [5, 6, 9, 10])
        // Stride 2: image box (2, 2, 8, 8) covers cells 1..<4.
        let pool2 = RoIPool(outputSize: 1, spatialScale: 0.5)
        let s = try pool2.forward(features: ramp, rois: [RegionOfInterest(box: Box(x1: 2, y1: 2, x2: 8, y2: 8))])
        XCTAssertEqual(s.data, [15])
    }

    func testRoIAlignLinearRamp() throws {
        // Value = column index; aligned sampling of (0,0,4,4) into 2x2 with 2x2 samples
        // samples columns {0,1} and {2,3} → 0.5 and 2.5.
        let cols = Tensor(shape: [1, 1, 4, 4], data: (0..<16).map { Float($0 % 4) })
        let align = RoIAlign(outputSize: 2, spatialScale: 1, samplingRatio: 2)
        let out = try align.forward(features: cols, rois: [RegionOfInterest(box: Box(x1: 0, y1: 0, x2: 4, y2: 4))])
        for (a, b) in zip(out.data, [0.5, 2.5, 0.5, 2.5] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // A constant map stays constant for a box inside it.
        let flat = Tensor(shape: [1, 2, 5, 6], repeating: 3)
        let o2 = try RoIAlign(outputSize: 3, spatialScale: 0.5, samplingRatio: 0)
            .forward(features: flat, rois: [RegionOfInterest(box: Box(x1: 1.3, y1: 2.2, x2: 9.1, y2: 7.7))])
        for v in o2.data { XCTAssertEqual(v, 3, accuracy: 1e-5) }
    }

    func testBatchIndexSelectsImage() throws {
        var data = [Float](repeating: 1, count: 16) + [Float](repeating: 9, count: 16)
        data[0] = 1
        let two = Tensor(shape: [2, 1, 4, 4], data: data)
        let rois = [RegionOfInterest(imageIndex: 1, box: Box(x1: 0, y1: 0, x2: 4, y2: 4)),
                    RegionOfInterest(imageIndex: 0, box: Box(x1: 0, y1: 0, x2: 4, y2: 4))]
        XCTAssertEqual(try RoIPool(outputSize: 1, spatialScale: 1).forward(features: two, rois: rois).data, [9, 1])
        XCTAssertThrowsError(try RoIPool(outputSize: 1, spatialScale: 1)
            .forward(features: two, rois: [RegionOfInterest(imageIndex: 2, box: Box(x1: 0, y1: 0, x2: 1, y2: 1))]))
    }

    func testRoIPoolGradient() throws {
        var gen = SeededGenerator(seed: 3)
        // Distinct values keep the arg-max stable under the finite-difference step.
        var values = (0..<(2 * 3 * 9 * 11)).map { Float($0) * 0.05 }
        for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, Int(gen.next() % UInt64(i + 1))) }
        let x = Tensor(shape: [2, 3, 9, 11], data: values)
        let rois = [RegionOfInterest(imageIndex: 0, box: Box(x1: 3, y1: 2, x2: 30, y2: 25)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: 0, y1: 0, x2: 44, y2: 36)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: 10.5, y1: 7.2, x2: 13.1, y2: 9.9))]
        let pool = RoIPool(outputSize: 3, spatialScale: 0.25)
        try checkGradient(forward: { try pool.forward(features: $0, rois: rois) },
                          backward: { try pool.backward($0, rois: rois) }, input: x)
    }

    func testRoIAlignGradient() throws {
        var gen = SeededGenerator(seed: 5)
        let x = Tensor(shape: [2, 3, 9, 11], data: (0..<(2 * 3 * 9 * 11)).map { _ in gen.nextUnitFloat() })
        let rois = [RegionOfInterest(imageIndex: 0, box: Box(x1: 3, y1: 2, x2: 30, y2: 25)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: -4, y1: -3, x2: 50, y2: 40)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: 10.5, y1: 7.2, x2: 13.1, y2: 9.9))]
        for ratio in [2, 0] {
            let align = RoIAlign(outputSize: 3, spatialScale: 0.25, samplingRatio: ratio)
            try checkGradient(forward: { try align.forward(features: $0, rois: rois) },
                              backward: { try align.backward($0, rois: rois) }, input: x)
        }
    }
}

final class RoIPoolReferenceTests: XCTestCase {
    /// The pooled maxima and their positions equal a direct plane-by-plane
    /// computation of the paper's definition on random maps and boxes.
    func testMatchesDirectDefinition() throws {
        var gen = SeededGenerator(seed: 9)
        let (n, c, h, w) = (2, 5, 13, 17)
        // Quantised values make ties common: the first maximum in scan order must win.
        let x = Tensor(shape: [n, c, h, w], data: (0..<(n * c * h * w)).map { _ in Float(Int(gen.nextUnitFloat() * 6)) })
        var rois: [RegionOfInterest] = []
        for _ in 0..<40 {
            let a = gen.nextUnitFloat() * 70 - 3, b = gen.nextUnitFloat() * 55 - 3
            rois.append(RegionOfInterest(imageIndex: Int(gen.next() % 2),
                                         box: Box(x1: a, y1: b, x2: a + 1 + gen.nextUnitFloat() * 40, y2: b + 1 + gen.nextUnitFloat() * 30)))
        }
        let pool = RoIPool(outputSize: 3, spatialScale: 0.25)
        let out = try pool.forward(features: x, rois: rois)
        let g = try pool.backward(Tensor(shape: out.shape, data: (0..<out.count).map { Float($0 % 7) + 1 }), rois: rois)
        var expectedGrad = [Float](repeating: 0, count: x.count)
        for (k, roi) in rois.enumerated() {
            let (xs, xe) = RoIPool.cellRange(roi.box.x1, roi.box.x2, scale: 0.25, limit: w)
            let (ys, ye) = RoIPool.cellRange(roi.box.y1, roi.box.y2, scale: 0.25, limit: h)
            for ch in 0..<c {
                for py in 0..<3 {
                    for px in 0..<3 {
                        let y0 = ys + Int((Float(py) * Float(ye - ys) / 3).rounded(.down))
                        let y1 = ys + Int((Float(py + 1) * Float(ye - ys) / 3).rounded(.up))
                        let x0 = xs + Int((Float(px) * Float(xe - xs) / 3).rounded(.down))
                        let x1 = xs + Int((Float(px + 1) * Float(xe - xs) / 3).rounded(.up))
                        var best = -Float.infinity, at = -1
                        for yy in y0..<y1 { for xx in x0..<x1 {
                            let i = ((roi.imageIndex * c + ch) * h + yy) * w + xx
                            if x.data[i] > best { best = x.data[i]; at = i }
                        } }
                        let o = ((k * c + ch) * 3 + py) * 3 + px
                        XCTAssertEqual(out.data[o], best, "RoI \(k) channel \(ch) bin (\(py), \(px))")
                        expectedGrad[at] += Float(o % 7) + 1
                    }
                }
            }
        }
        XCTAssertEqual(g.data, expectedGrad)
    }
}

extension RoIPoolReferenceTests {
    func testInferenceWithoutArgmaxGivesTheSameOutput() throws {
        var gen = SeededGenerator(seed: 4)
        // Two images, negative values, RoIs inside, past the borders, smaller than the grid.
        let x = Tensor(shape: [2, 5, 8, 9], data: (0..<(2 * 5 * 8 * 9)).map { _ in gen.nextUnitFloat() - 0.7 })
        let rois = [RegionOfInterest(box: Box(x1: 1, y1: 2, x2: 30, y2: 25)), RegionOfInterest(box: Box(x1: 0, y1: 0, x2: 36, y2: 32)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: -8, y1: 20, x2: 50, y2: 60)),
                    RegionOfInterest(imageIndex: 1, box: Box(x1: 13, y1: 13, x2: 14, y2: 14))]
        let pool = RoIPool(outputSize: 3, spatialScale: 0.25)
        let trained = try pool.forward(features: x, rois: rois)
        pool.recordsArgmax = false
        XCTAssertEqual(try pool.forward(features: x, rois: rois), trained)
        XCTAssertThrowsError(try pool.backward(trained, rois: rois), "no backward without the arg-max")
    }
}
