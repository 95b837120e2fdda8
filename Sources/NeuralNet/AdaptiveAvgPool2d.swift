/// Averages each plane over a fixed output grid whatever the input size; cell i
/// along an axis of length L covers [⌊i·L/n⌋, ⌈(i+1)·L/n⌉), as in PyTorch.
public final class AdaptiveAvgPool2d: Layer, ShapeInferring {
    public let outputSize: (h: Int, w: Int)
    public var training = true
    private var cachedInputShape: [Int]?

    public convenience init(_ size: Int) { self.init((size, size)) }

    public init(_ size: (Int, Int)) {
        precondition(size.0 > 0 && size.1 > 0, "AdaptiveAvgPool2d: output size must be positive")
        outputSize = (size.0, size.1)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 4, inputShape[2] > 0, inputShape[3] > 0 else {
            throw TensorError.shapeMismatch(operation: "AdaptiveAvgPool2d input", expected: [-1, -1, -1, -1], got: inputShape)
        }
        return [inputShape[0], inputShape[1], outputSize.h, outputSize.w]
    }

    @inline(__always) private static func bin(_ i: Int, _ n: Int, _ len: Int) -> Range<Int> {
        (i * len / n)..<(((i + 1) * len + n - 1) / n)
    }

    private func sweep(_ inShape: [Int], _ body: (_ plane: Int, _ outIndex: Int, _ y: Range<Int>, _ x: Range<Int>, _ scale: Float) -> Void) {
        let (h, w, oh, ow) = (inShape[2], inShape[3], outputSize.h, outputSize.w)
        Parallel.forEach(inShape[0] * inShape[1], costPerItem: h * w) { pl in
            for oy in 0..<oh {
                let ys = AdaptiveAvgPool2d.bin(oy, oh, h)
                for ox in 0..<ow {
                    let xs = AdaptiveAvgPool2d.bin(ox, ow, w)
                    body(pl, oy * ow + ox, ys, xs, 1 / Float(ys.count * xs.count))
                }
            }
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outShape = try outputShape(for: input.shape)
        cachedInputShape = input.shape
        let planeIn = input.shape[2] * input.shape[3], planeOut = outShape[2] * outShape[3], w = input.shape[3]
        var out = Tensor(uninitialized: outShape)
        input.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!, op = ob.baseAddress!
                sweep(input.shape) { pl, o, ys, xs, scale in
                    let src = xp + pl * planeIn
                    var s: Float = 0
                    for y in ys { for x in xs { s += src[y * w + x] } }
                    op[pl * planeOut + o] = s * scale
                }
            }
        }
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inShape = cachedInputShape else { throw TensorError.invalid("AdaptiveAvgPool2d.backward called before forward") }
        try Elementwise.checkSame(gradOutput, try outputShape(for: inShape), "AdaptiveAvgPool2d")
        let planeIn = inShape[2] * inShape[3], planeOut = outputSize.h * outputSize.w, w = inShape[3]
        var gradInput = Tensor(zeros: inShape)
        gradOutput.withUnsafeBufferPointer { gb in
            gradInput.withUnsafeMutableBufferPointer { db in
                let gp = gb.baseAddress!, dp = db.baseAddress!
                sweep(inShape) { pl, o, ys, xs, scale in
                    let dst = dp + pl * planeIn
                    let g = gp[pl * planeOut + o] * scale
                    for y in ys { for x in xs { dst[y * w + x] += g } }
                }
            }
        }
        return gradInput
    }
}
