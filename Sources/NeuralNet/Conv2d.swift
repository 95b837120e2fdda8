/// 2-D convolution over NCHW tensors (cross-correlation, as in every framework).
///
/// Computed as a matrix product per image and group: the input patches are
/// unrolled into a (Cin/G·kh·kw) × (Ho·Wo) matrix (im2col) and multiplied by the
/// weights viewed as Cout/G × (Cin/G·kh·kw) with OpenBLAS sgemm. A 1×1 stride-1
/// unpadded convolution is already in that layout and skips im2col. Unrolling and
/// its inverse (col2im) run one input channel per task, so tasks never write the
/// same memory. Weights are `[Cout, Cin/G, kh, kw]` like PyTorch's.
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

    /// Output rows per im2col tile.
    private func tileRows(k: Int, outHeight oh: Int, outWidth ow: Int) -> Int {
        let perRow = groups * k * ow * MemoryLayout<Float>.size
        return min(oh, max(1, Conv2d.columnTileBytes / max(perRow, 1)))
    }

    /// Calls `body(rows, operand, ldb)` for each band of output rows, with the
    /// GEMM operand for those rows: the input itself for pointwise convolutions,
    /// otherwise a freshly unrolled tile.
    private func forEachTile(_ x: UnsafePointer<Float>, height h: Int, width w: Int, outHeight oh: Int, outWidth ow: Int,
                             k: Int, unrolled: Bool,
                             _ body: (Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>?) -> Void) {
        if isPointwise {
            body(0..<oh, x, nil)
            return
        }
        let band = tileRows(k: k, outHeight: oh, outWidth: ow)
        let geo = geometry, cin = inChannels
        ScratchPool.shared.withBuffer(groups * k * band * ow) { cols in
            for oy0 in Swift.stride(from: 0, to: oh, by: band) {
                let rows = oy0..<min(oh, oy0 + band)
                if unrolled {
                    Im2col.unroll(x, channels: cin, height: h, width: w, outHeight: oh, outWidth: ow, rows: rows, geo, into: cols)
                }
                body(rows, UnsafePointer(cols), cols)
            }
        }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outShape = try outputShape(for: input.shape)
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (oh, ow) = (outShape[2], outShape[3])
        let plane = oh * ow
        let cinG = inChannels / groups, coutG = outChannels / groups
        let k = cinG * kernel.h * kernel.w
        let cin = inChannels, cout = outChannels, groups = self.groups
        cachedInput = input
        var output = Tensor(uninitialized: outShape)
        let biasValue = bias?.value
        weight.value.withUnsafeBufferPointer { wb in
            input.withUnsafeBufferPointer { xb in
                output.withUnsafeMutableBufferPointer { ob in
                    let wp = wb.baseAddress!, op = ob.baseAddress!
                    for b in 0..<n {
                        let x = xb.baseAddress! + b * cin * h * w
                        let y = op + b * cout * plane
                        var beta: Float = 0
                        if let biasValue {
                            biasValue.withUnsafeBufferPointer { bb in
                                Parallel.forEach(cout, costPerItem: plane) { c in
                                    (y + c * plane).update(repeating: bb[c], count: plane)
                                }
                            }
                            beta = 1
                        }
                        forEachTile(x, height: h, width: w, outHeight: oh, outWidth: ow, k: k, unrolled: true) { rows, operand, _ in
                            let cols = rows.count * ow
                            for g in 0..<groups {
                                BLAS.sgemm(m: coutG, n: cols, k: k, a: wp + g * coutG * k, lda: k,
                                           b: operand + g * k * cols, ldb: cols,
                                           beta: beta, c: y + g * coutG * plane + rows.lowerBound * ow, ldc: plane)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let input = cachedInput else { throw TensorError.invalid("Conv2d.backward called before forward") }
        let outShape = try outputShape(for: input.shape)
        try gradOutput.checkShape(outShape, "Conv2d.backward gradOutput")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (oh, ow) = (outShape[2], outShape[3])
        let plane = oh * ow
        let cinG = inChannels / groups, coutG = outChannels / groups
        let k = cinG * kernel.h * kernel.w
        let pointwise = isPointwise
        let geo = geometry
        let cin = inChannels, cout = outChannels, groups = self.groups
        let wantWeight = weight.requiresGrad, wantInput = propagatesGradient
        var gradInput = pointwise && propagatesGradient ? Tensor(uninitialized: input.shape) : Tensor(zeros: input.shape)
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
        let wValue = weight.value
        gradOutput.withUnsafeBufferPointer { gb in
            input.withUnsafeBufferPointer { xb in
                gradInput.withUnsafeMutableBufferPointer { dxb in
                    wValue.withUnsafeBufferPointer { wb in
                        weight.grad.withUnsafeMutableBufferPointer { dwb in
                            let wp = wb.baseAddress!, dwp = dwb.baseAddress!
                            for b in 0..<n {
                                let x = xb.baseAddress! + b * cin * h * w
                                let dy = gb.baseAddress! + b * cout * plane
                                let dx = dxb.baseAddress! + b * cin * h * w
                                if pointwise {
                                    if wantWeight {
                                        for g in 0..<groups {
                                            BLAS.sgemm(transB: true, m: coutG, n: k, k: plane, a: dy + g * coutG * plane, lda: plane,
                                                       b: x + g * k * plane, ldb: plane, beta: 1, c: dwp + g * coutG * k, ldc: k)
                                        }
                                    }
                                    if wantInput {
                                        for g in 0..<groups {
                                            BLAS.sgemm(transA: true, m: k, n: plane, k: coutG, a: wp + g * coutG * k, lda: k,
                                                       b: dy + g * coutG * plane, ldb: plane, beta: 0, c: dx + g * k * plane, ldc: plane)
                                        }
                                    }
                                    continue
                                }
                                // Per band of output rows: dW_g += dY_g · colsᵀ_g, then the
                                // same buffer receives dcols_g = W_gᵀ · dY_g, folded onto dX.
                                forEachTile(x, height: h, width: w, outHeight: oh, outWidth: ow, k: k,
                                            unrolled: wantWeight) { rows, operand, scratch in
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
                                    if wantInput, let scratch {
                                        for g in 0..<groups {
                                            BLAS.sgemm(transA: true, m: k, n: cols, k: coutG,
                                                       a: wp + g * coutG * k, lda: k,
                                                       b: dyBand + g * coutG * plane, ldb: plane,
                                                       beta: 0, c: scratch + g * k * cols, ldc: cols)
                                        }
                                        Im2col.fold(UnsafePointer(scratch), channels: cin, height: h, width: w,
                                                    outHeight: oh, outWidth: ow, rows: rows, geo, into: dx)
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
