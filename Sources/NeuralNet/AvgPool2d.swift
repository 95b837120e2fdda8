import Parallelism

/// Average pooling over NCHW with PyTorch's divisor rules: with
/// `countIncludePad` the zero padding counts toward the window size (but the
/// part of a ceil-mode window beyond the padding never does).
public final class AvgPool2d: Layer, ShapeInferring {
    public let kernel: (h: Int, w: Int)
    public let stride: (h: Int, w: Int)
    public let padding: (h: Int, w: Int)
    public let ceilMode: Bool
    public let countIncludePad: Bool
    public var training = true
    private var cachedInputShape: [Int]?

    public convenience init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                            countIncludePad: Bool = true) {
        self.init(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel),
                  padding: (padding, padding), ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0), ceilMode: Bool = false,
                countIncludePad: Bool = true) {
        PoolGeometry.validate("AvgPool2d", kernel: kernel, stride: stride, padding: padding)
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.padding = (padding.0, padding.1)
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try PoolGeometry.shape("AvgPool2d", inputShape, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    }

    /// Window rows [lo, hi) clipped to the input, and the divisor's extent along that axis.
    @inline(__always)
    private static func window(_ o: Int, k: Int, s: Int, p: Int, size: Int, includePad: Bool) -> (Int, Int, Int) {
        let start = o * s - p
        let end = min(start + k, size + p)
        let lo = max(start, 0), hi = min(end, size)
        return (lo, hi, includePad ? end - start : hi - lo)
    }

    /// Visits each output cell with its clipped window and 1/divisor.
    private func sweep(_ inShape: [Int], _ outShape: [Int],
                       _ body: WindowAverage.Window) {
        let (h, w, oh, ow) = (inShape[2], inShape[3], outShape[2], outShape[3])
        let (kh, kw, sh, sw, ph, pw, inc) = (kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, countIncludePad)
        Parallel.forEach(outShape[0] * outShape[1], costPerItem: oh * ow * kh * kw) { pl in
            for oy in 0..<oh {
                let (y0, y1, dy) = AvgPool2d.window(oy, k: kh, s: sh, p: ph, size: h, includePad: inc)
                for ox in 0..<ow {
                    let (x0, x1, dx) = AvgPool2d.window(ox, k: kw, s: sw, p: pw, size: w, includePad: inc)
                    let count = dy * dx
                    body(pl, oy * ow + ox, y0..<max(y0, y1), x0..<max(x0, x1), count > 0 ? 1 / Float(count) : 0)
                }
            }
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outShape = try outputShape(for: input.shape)
        cachedInputShape = input.shape
        return WindowAverage.forward(input, outShape: outShape) { sweep(input.shape, outShape, $0) }
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inShape = cachedInputShape else { throw TensorError.invalid("AvgPool2d.backward called before forward") }
        let outShape = try outputShape(for: inShape)
        try Elementwise.checkSame(gradOutput, outShape, "AvgPool2d")
        return WindowAverage.backward(gradOutput, inShape: inShape, outShape: outShape) { sweep(inShape, outShape, $0) }
    }
}
