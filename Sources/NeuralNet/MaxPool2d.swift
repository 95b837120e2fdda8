import Parallelism

/// Max pooling over NCHW; padding counts as −∞. The position of each maximum is
/// kept so backward routes the gradient to it (the first maximum wins ties).
public final class MaxPool2d: Layer, ShapeInferring {
    public let kernel: (h: Int, w: Int)
    public let stride: (h: Int, w: Int)
    public let padding: (h: Int, w: Int)
    public let ceilMode: Bool
    public var training = true
    private var cachedInputShape: [Int]?
    private var argmax: [Int32] = []

    /// `stride` defaults to the kernel size, as in PyTorch.
    public convenience init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.init(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel),
                  padding: (padding, padding), ceilMode: ceilMode)
    }

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0), ceilMode: Bool = false) {
        PoolGeometry.validate("MaxPool2d", kernel: kernel, stride: stride, padding: padding)
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.padding = (padding.0, padding.1)
        self.ceilMode = ceilMode
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try PoolGeometry.shape("MaxPool2d", inputShape, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode)
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outShape = try outputShape(for: input.shape)
        let (h, w, oh, ow) = (input.shape[2], input.shape[3], outShape[2], outShape[3])
        let planes = outShape[0] * outShape[1]
        let (kh, kw, sh, sw, ph, pw) = (kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w)
        cachedInputShape = input.shape
        var out = Tensor(uninitialized: outShape)
        var idx = [Int32](repeating: -1, count: out.count)
        input.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                idx.withUnsafeMutableBufferPointer { ib in
                    let xp = xb.baseAddress!, op = ob.baseAddress!, ip = ib.baseAddress!
                    Parallel.forEach(planes, costPerItem: oh * ow * kh * kw) { pl in
                        let src = xp + pl * h * w
                        let dst = op + pl * oh * ow, arg = ip + pl * oh * ow
                        for oy in 0..<oh {
                            let y0 = max(oy * sh - ph, 0), y1 = min(oy * sh - ph + kh, h)
                            for ox in 0..<ow {
                                let x0 = max(ox * sw - pw, 0), x1 = min(ox * sw - pw + kw, w)
                                // Windows are never empty (padding ≤ kernel/2), so start from the first tap.
                                var at = y0 * w + x0
                                var best = src[at]
                                var y = y0
                                while y < y1 {
                                    let line = y * w
                                    var x = x0
                                    while x < x1 {
                                        let v = src[line + x]
                                        if v > best { best = v; at = line + x }
                                        x += 1
                                    }
                                    y += 1
                                }
                                dst[oy * ow + ox] = best
                                arg[oy * ow + ox] = Int32(at)
                            }
                        }
                    }
                }
            }
        }
        argmax = idx
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inShape = cachedInputShape else { throw TensorError.invalid("MaxPool2d.backward called before forward") }
        let outShape = try outputShape(for: inShape)
        try Elementwise.checkSame(gradOutput, outShape, "MaxPool2d")
        let planeIn = inShape[2] * inShape[3], planeOut = outShape[2] * outShape[3]
        var gradInput = Tensor(zeros: inShape)
        gradOutput.withUnsafeBufferPointer { gb in
            gradInput.withUnsafeMutableBufferPointer { db in
                argmax.withUnsafeBufferPointer { ib in
                    let gp = gb.baseAddress!, dp = db.baseAddress!, ip = ib.baseAddress!
                    Parallel.forEach(outShape[0] * outShape[1], costPerItem: planeOut) { pl in
                        let dst = dp + pl * planeIn
                        for i in pl * planeOut..<(pl + 1) * planeOut where ip[i] >= 0 {
                            dst[Int(ip[i])] += gp[i]
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
