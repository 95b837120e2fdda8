import Boxes
import Heads
import NeuralNet
import TestSupport
import XCTest

/// RoI pooling from a feature pyramid: the FPN paper's level assignment,
/// parity with torchvision's `MultiScaleRoIAlign`, and the gradient each
/// level's map receives.
final class MultiScaleRoIPoolingTests: XCTestCase {
    func testLevelAssignmentFollowsTheFPNPaper() throws {
        let mapper = try RoILevelMapper(canonicalSize: 224, canonicalLevel: 4, minLevel: 3, maxLevel: 5)
        func level(_ side: Float) -> Int { mapper.level(of: Box(x1: 10, y1: 10, x2: 10 + side, y2: 10 + side)) }
        XCTAssertEqual(level(224), 4, "the canonical size goes to the canonical level")
        XCTAssertEqual(level(112), 3, "half the size, one level finer, exactly at the boundary")
        XCTAssertEqual(level(111), 3)
        XCTAssertEqual(level(223), 3)
        XCTAssertEqual(level(447), 4)
        XCTAssertEqual(level(448), 5)
        XCTAssertEqual(level(8), 3, "clamped to the finest level")
        XCTAssertEqual(level(2000), 5, "clamped to the coarsest level")
        // Area decides: a 448 × 112 box has √(wh) = 224.
        XCTAssertEqual(mapper.level(of: Box(x1: 0, y1: 0, x2: 448, y2: 112)), 4)
        XCTAssertEqual(mapper.level(of: Box(x1: 5, y1: 5, x2: 5, y2: 9)), 3, "an empty box goes to the finest level")
        XCTAssertThrowsError(try RoILevelMapper(minLevel: 5, maxLevel: 3))
    }

    func testMatchesTorchvisionMultiScaleRoIAlign() throws {
        let fixture = try FixtureJSON.object(at: FixtureJSON.url("multiscale_roialign_fixture.json", in: .module))
        let maps = try XCTUnwrap(fixture["maps"] as? [[String: Any]]).map { FixtureJSON.tensor($0["values"], shape: $0["shape"]) }
        let b = FixtureJSON.floats(fixture["boxes"])
        let boxes = stride(from: 0, to: b.count, by: 4).map { Box(x1: b[$0], y1: b[$0 + 1], x2: b[$0 + 2], y2: b[$0 + 3]) }
        let pooler = try RoIPooler(outputSize: try XCTUnwrap(fixture["output_size"] as? Int),
                                   strides: FixtureJSON.ints(fixture["strides"]),
                                   method: .align(samplingRatio: try XCTUnwrap(fixture["sampling_ratio"] as? Int), aligned: false),
                                   canonicalSize: 28, canonicalLevel: 4)
        XCTAssertEqual(pooler.levels(of: boxes), [0, 0, 1, 1, 2, 2, 0], "every level used, and the boundary box on the finer")
        let out = try pooler.forward(features: maps, rois: boxes, training: false)
        let expected = try XCTUnwrap(fixture["output"] as? [String: Any])
        XCTAssertEqual(out.shape, FixtureJSON.ints(expected["shape"]))
        assertClose(out.data, FixtureJSON.floats(expected["values"]), tolerance: 1e-5, "pooled features in RoI order")
    }

    func testEachLevelGetsTheGradientOfItsRoIs() throws {
        var rnd = TestRandom(seed: 77)
        let maps = [rnd.tensor([1, 2, 12, 16]), rnd.tensor([1, 2, 6, 8]), rnd.tensor([1, 2, 3, 4])]
        let boxes = [Box(x1: 4, y1: 6, x2: 30, y2: 28), Box(x1: 40, y1: 10, x2: 90, y2: 70),
                     Box(x1: 2, y1: 2, x2: 126, y2: 94), Box(x1: 60, y1: 50, x2: 75, y2: 66)]
        for method in [RoIPooler.Method.align(samplingRatio: 2, aligned: true), .pool] {
            let pooler = try RoIPooler(outputSize: 2, strides: [8, 16, 32], method: method, canonicalSize: 40, canonicalLevel: 4)
            XCTAssertEqual(Set(pooler.levels(of: boxes)), [0, 1, 2], "\(method): the RoIs span the pyramid")
            for level in 0..<3 {
                try checkGradient(forward: { map in
                    var moved = maps
                    moved[level] = map
                    return try pooler.forward(features: moved, rois: boxes)
                }, backward: { grad in try pooler.backward(grad, rois: boxes)[level] }, input: maps[level])
            }
            _ = try pooler.forward(features: maps, rois: [boxes[0]])
            let grads = try pooler.backward(Tensor(shape: [1, 2, 2, 2], data: [Float](repeating: 1, count: 8)), rois: [boxes[0]])
            XCTAssertEqual(grads.map(\.shape), maps.map(\.shape))
            XCTAssertEqual(grads[1].data.reduce(0, +) + grads[2].data.reduce(0, +), 0, "\(method): levels without RoIs get zeros")
        }
    }

    func testPyramidStridesMustDouble() {
        XCTAssertThrowsError(try RoIPooler(outputSize: 7, strides: [8, 24], method: .pool))
        XCTAssertThrowsError(try RoIPooler(outputSize: 7, strides: [12], method: .pool))
    }
}
