/// Fully connected layer y = x·Wᵀ + b on `[N, in]` inputs; W is `[out, in]` as in PyTorch.
public final class Linear: Layer, ShapeInferring {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var training = true
    private var cachedInput: Tensor?

    /// Weights start at zero; an initialiser or a weights file fills them.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear: sizes must be positive")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Parameter(name: "weight", value: Tensor(zeros: [outFeatures, inFeatures]))
        self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [outFeatures]), decay: false) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape[1] == inFeatures else {
            throw TensorError.shapeMismatch(operation: "Linear(\(inFeatures)->\(outFeatures)) input",
                                            expected: [-1, inFeatures], got: inputShape)
        }
        return [inputShape[0], outFeatures]
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        inputShape.count == 2 ? 2 * inputShape[0] * inFeatures * outFeatures : 0
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        let n = shape[0], fin = inFeatures, fout = outFeatures
        cachedInput = input
        var out = Tensor(zeros: shape)
        let biasValue = bias?.value
        out.withUnsafeMutableBufferPointer { ob in
            let y = ob.baseAddress!
            if let biasValue {
                biasValue.withUnsafeBufferPointer { bb in
                    for r in 0..<n { (y + r * fout).update(from: bb.baseAddress!, count: fout) }
                }
            }
            input.withUnsafeBufferPointer { xb in
                weight.value.withUnsafeBufferPointer { wb in
                    BLAS.sgemm(transB: true, m: n, n: fout, k: fin, a: xb.baseAddress!, lda: fin,
                               b: wb.baseAddress!, ldb: fin, beta: biasValue == nil ? 0 : 1, c: y, ldc: fout)
                }
            }
        }
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let input = cachedInput else { throw TensorError.invalid("Linear.backward called before forward") }
        let n = input.shape[0], fin = inFeatures, fout = outFeatures
        try gradOutput.checkShape([n, fout], "Linear.backward gradOutput")
        var gradInput = Tensor(zeros: input.shape)
        gradOutput.withUnsafeBufferPointer { gb in
            let dy = gb.baseAddress!
            if let bias, bias.requiresGrad {
                bias.grad.withUnsafeMutableBufferPointer { db in
                    for r in 0..<n {
                        let row = dy + r * fout
                        for j in 0..<fout { db[j] += row[j] }
                    }
                }
            }
            if weight.requiresGrad {
                input.withUnsafeBufferPointer { xb in
                    weight.grad.withUnsafeMutableBufferPointer { dwb in
                        BLAS.sgemm(transA: true, m: fout, n: fin, k: n, a: dy, lda: fout,
                                   b: xb.baseAddress!, ldb: fin, beta: 1, c: dwb.baseAddress!, ldc: fin)
                    }
                }
            }
            weight.value.withUnsafeBufferPointer { wb in
                gradInput.withUnsafeMutableBufferPointer { dxb in
                    BLAS.sgemm(m: n, n: fin, k: fout, a: dy, lda: fout, b: wb.baseAddress!, ldb: fin,
                               beta: 0, c: dxb.baseAddress!, ldc: fin)
                }
            }
        }
        return gradInput
    }
}
