/// Output size of a pooling window sweep, with PyTorch's rules: in ceil mode the
/// last window may hang over the edge, but never start inside the right padding.
enum PoolGeometry {
    static func outputSize(input: Int, kernel: Int, stride: Int, padding: Int, ceilMode: Bool) -> Int {
        let span = input + 2 * padding - kernel
        if span < 0 { return 0 }
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        if ceilMode && (out - 1) * stride >= input + padding { out -= 1 }
        return out
    }

    static func validate(_ name: String, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0, "\(name): kernel and stride must be positive")
        precondition(padding.0 >= 0 && padding.1 >= 0 && 2 * padding.0 <= kernel.0 && 2 * padding.1 <= kernel.1,
                     "\(name): padding must be at most half the kernel")
    }

    static func shape(_ name: String, _ inputShape: [Int], kernel: (Int, Int), stride: (Int, Int),
                      padding: (Int, Int), ceilMode: Bool) throws -> [Int] {
        guard inputShape.count == 4 else {
            throw TensorError.shapeMismatch(operation: "\(name) input", expected: [-1, -1, -1, -1], got: inputShape)
        }
        let oh = outputSize(input: inputShape[2], kernel: kernel.0, stride: stride.0, padding: padding.0, ceilMode: ceilMode)
        let ow = outputSize(input: inputShape[3], kernel: kernel.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)
        guard oh > 0, ow > 0 else {
            throw TensorError.invalid("\(name): input \(inputShape) is smaller than the kernel \(kernel) with padding \(padding)")
        }
        return [inputShape[0], inputShape[1], oh, ow]
    }
}
