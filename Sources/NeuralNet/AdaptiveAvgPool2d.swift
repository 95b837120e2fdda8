import Parallelism

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

    private func sweep(_ inShape: [Int], _ body: WindowAverage.Window) {
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
        return WindowAverage.forward(input, outShape: outShape) { sweep(input.shape, $0) }
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inShape = cachedInputShape else { throw TensorError.invalid("AdaptiveAvgPool2d.backward called before forward") }
        let outShape = try outputShape(for: inShape)
        try Elementwise.checkSame(gradOutput, outShape, "AdaptiveAvgPool2d")
        return WindowAverage.backward(gradOutput, inShape: inShape, outShape: outShape) { sweep(inShape, $0) }
    }
}
