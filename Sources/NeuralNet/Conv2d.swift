import Parallelism

/// 2-D convolution over NCHW tensors (cross-correlation, as in every framework).
///
/// Computed as a matrix product per image and group: the input patches are
/// unrolled into a (Cin/G·kh·kw) × (Ho·Wo) matrix (im2col), a band of output rows
/// at a time, and multiplied by the weights viewed as Cout/G × (Cin/G·kh·kw) with
/// OpenBLAS sgemm. A 1×1 stride-1 unpadded convolution is already in that layout
/// and skips im2col. The weight gradient reuses the same bands; the input gradient
/// is a convolution with flipped, transposed weights for stride 1, and otherwise
/// a product folded back onto the image (col2im). Unrolling and folding run one
/// input channel per task, so tasks never write the same memory. Grouped and
/// depthwise convolutions (groups > 1) use `GroupedConvolution`'s direct kernel
/// instead. Weights are `[Cout, Cin/G, kh, kw]` like PyTorch's.
public final class Conv2d: Layer, ShapeInferring {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: (h: Int, w: Int)
    public let stride: (h: Int, w: Int)
    public let padding: (h: Int, w: Int)
    public let dilation: (h: Int, w: Int)
    public let groups: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var training = true
    /// False for a layer fed by data that needs no gradient (the first layer of a
    /// network): backward then skips the input-gradient product and returns zeros.
    public var propagatesGradient = true
    /// Applies max(0, ·) to the output as the last step (inference copies made by
    /// `InferenceFusion`); such a convolution has no backward pass.
    public var fusedReLU = false
    /// Upper clamp of the fused ReLU (6 for a fused ReLU6); infinity for a plain ReLU.
    public var fusedReLUCap: Float = .infinity

    private var cachedInput: Tensor?

    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1,
                            padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.init(inChannels, outChannels, kernel: (kernel, kernel), stride: (stride, stride),
                  padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    /// Weights start at zero; an initialiser (Kaiming, Xavier) or a weights file fills them.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0, "Conv2d: channels and groups must be positive")
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: groups (\(groups)) must divide in (\(inChannels)) and out (\(outChannels)) channels")
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0
                     && padding.0 >= 0 && padding.1 >= 0, "Conv2d: invalid kernel/stride/dilation/padding")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.padding = (padding.0, padding.1)
        self.dilation = (dilation.0, dilation.1)
        self.groups = groups
        weight = Parameter(name: "weight", value: Tensor(zeros: [outChannels, inChannels / groups, kernel.0, kernel.1]))
        self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [outChannels]), decay: false) : nil
    }

    /// A convolution with the same geometry that reads and accumulates into
    /// this one's parameters, with its own cached input: one head applied to
    /// several feature maps (the FPN's shared RPN head), each application
    /// with its own backward pass.
    public func sharingParameters() -> Conv2d {
        Conv2d(sharing: self)
    }

    private init(sharing other: Conv2d) {
        (inChannels, outChannels, kernel, stride) = (other.inChannels, other.outChannels, other.kernel, other.stride)
        (padding, dilation, groups) = (other.padding, other.dilation, other.groups)
        (weight, bias) = (other.weight, other.bias)
        (training, propagatesGradient) = (other.training, other.propagatesGradient)
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// 1×1, stride 1, no padding: the input planes already are the GEMM operand.
    private var isPointwise: Bool {
        kernel == (1, 1) && stride == (1, 1) && padding == (0, 0)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 4, inputShape[1] == inChannels else {
            throw TensorError.shapeMismatch(operation: "Conv2d(\(inChannels)->\(outChannels)) input",
                                            expected: [-1, inChannels, -1, -1], got: inputShape)
        }
        let oh = (inputShape[2] + 2 * padding.h - dilation.h * (kernel.h - 1) - 1) / stride.h + 1
        let ow = (inputShape[3] + 2 * padding.w - dilation.w * (kernel.w - 1) - 1) / stride.w + 1
        guard inputShape[2] + 2 * padding.h >= dilation.h * (kernel.h - 1) + 1,
              inputShape[3] + 2 * padding.w >= dilation.w * (kernel.w - 1) + 1 else {
            throw TensorError.invalid("Conv2d: input \(inputShape) is smaller than the dilated kernel \(kernel) with padding \(padding)")
        }
        return [inputShape[0], outChannels, oh, ow]
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        guard let out = try? outputShape(for: inputShape) else { return 0 }
        return 2 * out[0] * outChannels * out[2] * out[3] * (inChannels / groups) * kernel.h * kernel.w
    }

    private var geometry: Im2col.Geometry {
        Im2col.Geometry(kh: kernel.h, kw: kernel.w, sh: stride.h, sw: stride.w,
                        ph: padding.h, pw: padding.w, dh: dilation.h, dw: dilation.w)
    }

    /// Size of one im2col tile. Columns are built a band of output rows at a time so
    /// that the tile is still in cache when sgemm packs it; the whole matrix of a
    /// 160×120 layer is tens of megabytes and would go through memory twice.
    nonisolated(unsafe) public static var columnTileBytes = 1 << 23

    /// Grouped and depthwise convolutions run the direct kernel, not a GEMM per group.
    private func grouped(for inputShape: [Int], outShape: [Int]) -> GroupedConvolution? {
        guard groups > 1 else { return nil }
        return GroupedConvolution(inChannels: inChannels, outChannels: outChannels, groups: groups, geometry: geometry,
                                  height: inputShape[2], width: inputShape[3], outHeight: outShape[2], outWidth: outShape[3])
    }

    /// Pointwise convolutions over a batch of small planes run as one product.
    private func batchedPointwise(for inputShape: [Int]) -> BatchedPointwise? {
        let plane = inputShape[2] * inputShape[3]
        guard groups == 1, isPointwise, BatchedPointwise.applies(batch: inputShape[0], plane: plane) else { return nil }
        return BatchedPointwise(inChannels: inChannels, outChannels: outChannels, batch: inputShape[0], plane: plane)
    }

    private func plan(for inputShape: [Int], outShape: [Int]) -> ConvolutionPlan {
        ConvolutionPlan(inChannels: inChannels, outChannels: outChannels, groups: groups, geometry: geometry,
                        height: inputShape[2], width: inputShape[3], outHeight: outShape[2], outWidth: outShape[3])
    }

    /// For stride 1 the input gradient is itself a convolution: of the output
    /// gradient with the weights flipped in space and transposed per group, padded
    /// by d·(k−1)−p. That keeps the product in the forward pass's efficient shape
    /// (few output rows, long columns) instead of a tall product folded back with
    /// scattered adds. The plan is nil where this does not apply.
    private func transposedPlan(for inputShape: [Int], outShape: [Int]) -> ConvolutionPlan? {
        let g = geometry
        let ph = g.dh * (g.kh - 1) - g.ph, pw = g.dw * (g.kw - 1) - g.pw
        guard g.sh == 1, g.sw == 1, !isPointwise, ph >= 0, pw >= 0 else { return nil }
        return ConvolutionPlan(inChannels: outChannels, outChannels: inChannels, groups: groups,
                               geometry: Im2col.Geometry(kh: g.kh, kw: g.kw, sh: 1, sw: 1, ph: ph, pw: pw, dh: g.dh, dw: g.dw),
                               height: outShape[2], width: outShape[3], outHeight: inputShape[2], outWidth: inputShape[3])
    }

    /// `[Cout, Cin/G, kh, kw]` → `[Cin, Cout/G, kh, kw]`, flipped in both spatial axes.
    private func flippedTransposedWeights() -> [Float] {
        let (kh, kw) = kernel
        let cinG = inChannels / groups, coutG = outChannels / groups, area = kh * kw
        var out = [Float](repeating: 0, count: weight.value.count)
        weight.value.withUnsafeBufferPointer { w in
            for g in 0..<groups {
                for co in 0..<coutG {
                    for ci in 0..<cinG {
                        let src = ((g * coutG + co) * cinG + ci) * area
                        let dst = ((g * cinG + ci) * coutG + co) * area
                        for t in 0..<area { out[dst + area - 1 - t] = w[src + t] }
                    }
                }
            }
        }
        return out
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outShape = try outputShape(for: input.shape)
        let plan = plan(for: input.shape, outShape: outShape)
        let n = input.shape[0], inSize = inChannels * plan.height * plan.width, outSize = outChannels * plan.outPlane
        let cout = outChannels, plane = plan.outPlane
        cachedInput = input
        var output = Tensor(uninitialized: outShape)
        let biasValue = bias?.value
        weight.value.withUnsafeBufferPointer { wb in
            input.withUnsafeBufferPointer { xb in
                output.withUnsafeMutableBufferPointer { ob in
                    let out = ob.baseAddress!
                    // Bias and ReLU over the whole batch at once: per image, small
                    // regions (R-CNN's 64 px warps) would pay a dispatch each.
                    if let biasValue {
                        biasValue.withUnsafeBufferPointer { bb in
                            Parallel.forEach(n * cout, costPerItem: plane) { row in
                                (out + row * plane).update(repeating: bb[row % cout], count: plane)
                            }
                        }
                    }
                    if let direct = grouped(for: input.shape, outShape: outShape) {
                        direct.forward(xb.baseAddress!, weights: wb.baseAddress!, batch: n,
                                       accumulate: biasValue != nil, into: out)
                    } else if let batched = batchedPointwise(for: input.shape) {
                        batched.forward(xb.baseAddress!, weights: wb.baseAddress!, accumulate: biasValue != nil, into: out)
                    } else {
                        for b in 0..<n {
                            plan.apply(xb.baseAddress! + b * inSize, weights: wb.baseAddress!, beta: biasValue == nil ? 0 : 1,
                                       into: out + b * outSize)
                        }
                    }
                    if fusedReLU {
                        let cap = fusedReLUCap
                        Parallel.forEach(n * cout, costPerItem: plane) { row in
                            let y = out + row * plane
                            for i in 0..<plane { y[i] = min(max(y[i], 0), cap) }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard !fusedReLU else { throw TensorError.invalid("Conv2d.backward: a convolution fused for inference cannot train") }
        guard let input = cachedInput else { throw TensorError.invalid("Conv2d.backward called before forward") }
        let outShape = try outputShape(for: input.shape)
        try gradOutput.checkShape(outShape, "Conv2d.backward gradOutput")
        let plan = plan(for: input.shape, outShape: outShape)
        let n = input.shape[0], inSize = inChannels * plan.height * plan.width
        let (cout, plane, k, coutG, ow, h, w) = (outChannels, plan.outPlane, plan.k, plan.outPerGroup, plan.outWidth,
                                                 plan.height, plan.width)
        let groups = self.groups, cin = inChannels, geo = geometry
        let wantWeight = weight.requiresGrad, wantInput = propagatesGradient
        let transposed = wantInput ? transposedPlan(for: input.shape, outShape: outShape) : nil
        let pointwise = plan.isPointwise
        // Every element is written by a beta-0 product unless gradients are folded in with adds.
        var gradInput = wantInput && (pointwise || transposed != nil)
            ? Tensor(uninitialized: input.shape) : Tensor(zeros: input.shape)
        if let bias, bias.requiresGrad {
            gradOutput.withUnsafeBufferPointer { gb in
                bias.grad.withUnsafeMutableBufferPointer { db in
                    Parallel.forEach(cout, costPerItem: n * plane) { c in
                        var s: Float = 0
                        for b in 0..<n {
                            let row = gb.baseAddress! + (b * cout + c) * plane
                            for i in 0..<plane { s += row[i] }
                        }
                        db[c] += s
                    }
                }
            }
        }
        if !wantWeight && !wantInput { return gradInput }
        if let direct = grouped(for: input.shape, outShape: outShape) {
            gradOutput.withUnsafeBufferPointer { gb in
                input.withUnsafeBufferPointer { xb in
                    if wantWeight {
                        weight.grad.withUnsafeMutableBufferPointer { dwb in
                            direct.weightGradient(xb.baseAddress!, gradOutput: gb.baseAddress!, batch: n, into: dwb.baseAddress!)
                        }
                    }
                    if wantInput {
                        weight.value.withUnsafeBufferPointer { wb in
                            gradInput.withUnsafeMutableBufferPointer { dxb in
                                direct.inputGradient(gb.baseAddress!, weights: wb.baseAddress!, batch: n, into: dxb.baseAddress!)
                            }
                        }
                    }
                }
            }
            return gradInput
        }
        if let batched = batchedPointwise(for: input.shape) {
            gradOutput.withUnsafeBufferPointer { gb in
                input.withUnsafeBufferPointer { xb in
                    weight.value.withUnsafeBufferPointer { wb in
                        weight.grad.withUnsafeMutableBufferPointer { dwb in
                            gradInput.withUnsafeMutableBufferPointer { dxb in
                                batched.backward(xb.baseAddress!, gradOutput: gb.baseAddress!, weights: wb.baseAddress!,
                                                 weightGradient: wantWeight ? dwb.baseAddress! : nil,
                                                 inputGradient: wantInput ? dxb.baseAddress! : nil)
                            }
                        }
                    }
                }
            }
            return gradInput
        }
        let wValue = weight.value
        let flipped = transposed != nil ? flippedTransposedWeights() : []
        gradOutput.withUnsafeBufferPointer { gb in
            input.withUnsafeBufferPointer { xb in
                gradInput.withUnsafeMutableBufferPointer { dxb in
                    wValue.withUnsafeBufferPointer { wb in
                        weight.grad.withUnsafeMutableBufferPointer { dwb in
                            flipped.withUnsafeBufferPointer { fb in
                                let wp = wb.baseAddress!, dwp = dwb.baseAddress!
                                for b in 0..<n {
                                    let x = xb.baseAddress! + b * inSize
                                    let dy = gb.baseAddress! + b * cout * plane
                                    let dx = dxb.baseAddress! + b * inSize
                                    // Weight gradient and, unless the transposed convolution does it,
                                    // the input gradient, band by band: dW_g += dY_g · colsᵀ_g, then the
                                    // band buffer receives dcols_g = W_gᵀ · dY_g, folded onto dX.
                                    let foldHere = wantInput && transposed == nil
                                    if wantWeight || foldHere {
                                        plan.forEachBand(x, unroll: wantWeight) { rows, operand, scratch in
                                            let cols = rows.count * ow
                                            let dyBand = dy + rows.lowerBound * ow
                                            if wantWeight {
                                                for g in 0..<groups {
                                                    BLAS.sgemm(transB: true, m: coutG, n: k, k: cols,
                                                               a: dyBand + g * coutG * plane, lda: plane,
                                                               b: operand + g * k * cols, ldb: cols,
                                                               beta: 1, c: dwp + g * coutG * k, ldc: k)
                                                }
                                            }
                                            guard foldHere else { return }
                                            // Pointwise: the "columns" are dX itself.
                                            let target = scratch ?? dx
                                            for g in 0..<groups {
                                                BLAS.sgemm(transA: true, m: k, n: cols, k: coutG,
                                                           a: wp + g * coutG * k, lda: k,
                                                           b: dyBand + g * coutG * plane, ldb: plane,
                                                           beta: 0, c: target + g * k * cols, ldc: cols)
                                            }
                                            if let scratch {
                                                Im2col.fold(UnsafePointer(scratch), channels: cin, height: h, width: w,
                                                            outHeight: plan.outHeight, outWidth: ow, rows: rows, geo, into: dx)
                                            }
                                        }
                                    }
                                    if let transposed {
                                        transposed.apply(dy, weights: fb.baseAddress!, beta: 0, into: dx)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
