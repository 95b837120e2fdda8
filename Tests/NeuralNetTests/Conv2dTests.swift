import XCTest
import TestSupport
@testable import NeuralNet

final class Conv2dTests: XCTestCase {
    func testHandComputedSmallCases() throws {
        // 3×3 image 1…9, 2×2 kernel of ones: each output is the sum of a 2×2 window.
        let conv = Conv2d(1, 1, kernel: 2, bias: true)
        conv.weight.value = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        conv.bias!.value = Tensor(shape: [1], data: [0.5])
        let x = Tensor(shape: [1, 1, 3, 3], data: (1...9).map(Float.init))
        let y = try conv.forward(x)
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.data, [12.5, 16.5, 24.5, 28.5])

        // Padding 1, stride 2, 3×3 kernel with only the centre tap: picks pixels (0,0),(0,2),(2,0),(2,2).
        let picker = Conv2d(1, 1, kernel: 3, stride: 2, padding: 1, bias: false)
        var w = Tensor(zeros: [1, 1, 3, 3]); w.data[4] = 2
        picker.weight.value = w
        XCTAssertEqual(try picker.forward(x).data, [2, 6, 14, 18])

        // Dilation 2: a 2×2 kernel of ones touches the four corners.
        let dilated = Conv2d(1, 1, kernel: 2, dilation: 2, bias: false)
        dilated.weight.value = Tensor(shape: [1, 1, 2, 2], repeating: 1)
        XCTAssertEqual(try dilated.forward(x).data, [1 + 3 + 7 + 9])

        // Groups 2: each output channel sees only its own input channel.
        let grouped = Conv2d(2, 2, kernel: 1, groups: 2, bias: false)
        grouped.weight.value = Tensor(shape: [2, 1, 1, 1], data: [10, -1])
        let x2 = Tensor(shape: [1, 2, 1, 2], data: [1, 2, 3, 4])
        XCTAssertEqual(try grouped.forward(x2).data, [10, 20, -3, -4])
    }

    func testGradientsPlain() throws {
        var rnd = TestRandom(seed: 1)
        let conv = Conv2d(3, 4, kernel: 3, padding: 1)
        rnd.fill(conv)
        try checkGradients(conv, input: rnd.tensor([2, 3, 5, 6]))
    }

    func testGradientsStrideDilationPaddingGroups() throws {
        var rnd = TestRandom(seed: 2)
        let conv = Conv2d(4, 6, kernel: (3, 2), stride: (2, 1), padding: (2, 1), dilation: (2, 1), groups: 2)
        rnd.fill(conv)
        try checkGradients(conv, input: rnd.tensor([2, 4, 7, 5]))
    }

    func testGradientsPointwiseAndStridedPointwise() throws {
        var rnd = TestRandom(seed: 3)
        let pw = Conv2d(5, 3, kernel: 1)
        rnd.fill(pw)
        try checkGradients(pw, input: rnd.tensor([2, 5, 3, 4]))
        let strided = Conv2d(3, 2, kernel: 1, stride: 2, bias: false)
        rnd.fill(strided)
        try checkGradients(strided, input: rnd.tensor([1, 3, 5, 5]))
    }

    /// A pointwise layer over a batch of small planes runs as one product over
    /// the whole batch (channel-major copies in and out); image by image, batch
    /// 1 takes the per-image product. Both must give the same outputs, input
    /// gradients and summed weight gradients, and the finite differences.
    func testBatchedPointwiseMatchesImageByImage() throws {
        var rnd = TestRandom(seed: 8)
        let conv = Conv2d(5, 7, kernel: 1)
        rnd.fill(conv)
        let (n, h, w) = (3, 3, 2)
        XCTAssertTrue(BatchedPointwise.applies(batch: n, plane: h * w))
        XCTAssertFalse(BatchedPointwise.applies(batch: 1, plane: h * w))
        let x = rnd.tensor([n, 5, h, w]), g = rnd.tensor([n, 7, h, w])
        conv.zeroGrad()
        let y = try conv.forward(x)
        let dx = try conv.backward(g)
        let dw = conv.weight.grad.data
        conv.zeroGrad()
        var ySingles: [Float] = [], dxSingles: [Float] = []
        for b in 0..<n {
            let xi = Tensor(shape: [1, 5, h, w], data: Array(x.data[(b * 5 * h * w)..<((b + 1) * 5 * h * w)]))
            let gi = Tensor(shape: [1, 7, h, w], data: Array(g.data[(b * 7 * h * w)..<((b + 1) * 7 * h * w)]))
            ySingles += try conv.forward(xi).data
            dxSingles += try conv.backward(gi).data
        }
        assertClose(y.data, ySingles, tolerance: 1e-5, "forward")
        assertClose(dx.data, dxSingles, tolerance: 1e-5, "input gradient")
        assertClose(dw, conv.weight.grad.data, tolerance: 1e-5, "weight gradient")
        try checkGradients(conv, input: x)
    }

    /// Large layers are unrolled a band of output rows at a time; with one-row bands
    /// the results must match the single-band computation and the finite differences.
    /// Stride 2 folds columns back for the input gradient; stride 1 uses the
    /// transposed convolution, itself banded.
    func testBandedUnrollingMatchesWholeImage() throws {
        let strided = Conv2d(4, 6, kernel: 3, stride: 2, padding: 2, dilation: 2, groups: 2)
        let strideOne = Conv2d(4, 6, kernel: 3, padding: 1, groups: 2)
        try checkBanding(strided, seed: 5)
        try checkBanding(strideOne, seed: 7)
    }

    private func checkBanding(_ conv: Conv2d, seed: UInt64) throws {
        var rnd = TestRandom(seed: seed)
        let saved = Conv2d.columnTileBytes
        defer { Conv2d.columnTileBytes = saved }
        rnd.fill(conv)
        let x = rnd.tensor([2, 4, 9, 7])
        let g = rnd.tensor(try conv.outputShape(for: x.shape))
        Conv2d.columnTileBytes = 1 << 30
        conv.zeroGrad()
        let y0 = try conv.forward(x)
        let dx0 = try conv.backward(g)
        let dw0 = conv.weight.grad
        Conv2d.columnTileBytes = 1
        conv.zeroGrad()
        let y1 = try conv.forward(x)
        let dx1 = try conv.backward(g)
        assertClose(y1.data, y0.data, tolerance: 1e-6, "forward")
        assertClose(dx1.data, dx0.data, tolerance: 1e-6, "input gradient")
        assertClose(conv.weight.grad.data, dw0.data, tolerance: 1e-5, "weight gradient")
        try checkGradients(conv, input: x)
    }

    /// Stride 1 takes the transposed-convolution input gradient; padding wider than
    /// the dilated kernel reach falls back to folding columns.
    func testGradientsStrideOneTransposedAndWidePadding() throws {
        var rnd = TestRandom(seed: 6)
        let dilatedGrouped = Conv2d(4, 6, kernel: (3, 2), padding: (1, 2), dilation: (2, 2), groups: 2)
        rnd.fill(dilatedGrouped)
        try checkGradients(dilatedGrouped, input: rnd.tensor([2, 4, 6, 5]))
        let unpadded = Conv2d(3, 2, kernel: 3, bias: false)
        rnd.fill(unpadded)
        try checkGradients(unpadded, input: rnd.tensor([1, 3, 5, 4]))
        let widePad = Conv2d(2, 3, kernel: 3, padding: 3)
        rnd.fill(widePad)
        try checkGradients(widePad, input: rnd.tensor([1, 2, 3, 4]))
    }

    func testFrozenWeightsAndNoInputGradient() throws {
        var rnd = TestRandom(seed: 4)
        let conv = Conv2d(2, 2, kernel: 3, padding: 1)
        rnd.fill(conv)
        conv.weight.requiresGrad = false
        conv.propagatesGradient = false
        let x = rnd.tensor([1, 2, 4, 4])
        _ = try conv.forward(x)
        let dx = try conv.backward(rnd.tensor([1, 2, 4, 4]))
        XCTAssertTrue(dx.data.allSatisfy { $0 == 0 })
        XCTAssertTrue(conv.weight.grad.data.allSatisfy { $0 == 0 })
        XCTAssertTrue(conv.bias!.grad.data.contains { $0 != 0 })
    }

    func testShapeErrorsNameTheShapes() throws {
        let conv = Conv2d(3, 8, kernel: 3)
        XCTAssertThrowsError(try conv.forward(Tensor(zeros: [1, 4, 8, 8]))) { error in
            XCTAssertTrue("\(error)".contains("[1, 4, 8, 8]"), "\(error)")
        }
        XCTAssertThrowsError(try conv.forward(Tensor(zeros: [1, 3, 2, 2])))
        XCTAssertThrowsError(try conv.backward(Tensor(zeros: [1, 8, 1, 1])))
    }
}
