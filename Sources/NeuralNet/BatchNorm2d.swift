import Parallelism

/// Batch normalisation over the channels of NCHW tensors.
///
/// Training normalises with the batch's mean and (biased) variance and moves the
/// running statistics toward them by `momentum` (the running variance uses the
/// unbiased estimate, as PyTorch does). Evaluation uses the running statistics.
/// `frozen` (torchvision's FrozenBatchNorm2d) always uses the running statistics
/// and never trains its affine parameters: the usual setting for detection
/// backbones trained with batches of one or two images.
public final class BatchNorm2d: Layer, ShapeInferring {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVar: Parameter
    public var training = true
    public var frozen: Bool {
        didSet {
            weight.requiresGrad = !frozen
            bias.requiresGrad = !frozen
        }
    }

    private var cachedInput: Tensor?
    /// Per channel: the mean and 1/σ the last forward normalised with.
    private var cachedMean: [Float] = []
    private var cachedInvStd: [Float] = []
    private var usedBatchStatistics = false

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1, frozen: Bool = false) {
        precondition(channels > 0, "BatchNorm2d: channels must be positive")
        self.channels = channels
        self.eps = eps
        self.momentum = momentum
        weight = Parameter(name: "weight", value: Tensor(shape: [channels], repeating: 1), decay: false)
        bias = Parameter(name: "bias", value: Tensor(zeros: [channels]), decay: false)
        runningMean = Parameter(name: "running_mean", value: Tensor(zeros: [channels]), requiresGrad: false, decay: false)
        runningVar = Parameter(name: "running_var", value: Tensor(shape: [channels], repeating: 1),
                               requiresGrad: false, decay: false)
        self.frozen = frozen
        weight.requiresGrad = !frozen
        bias.requiresGrad = !frozen
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Parameter] { [runningMean, runningVar] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 4, inputShape[1] == channels else {
            throw TensorError.shapeMismatch(operation: "BatchNorm2d(\(channels)) input",
                                            expected: [-1, channels, -1, -1], got: inputShape)
        }
        return inputShape
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        _ = try outputShape(for: input.shape)
        let (n, c, plane) = (input.shape[0], channels, input.shape[2] * input.shape[3])
        let batchStats = training && !frozen
        let m = n * plane
        if batchStats && m < 2 {
            throw TensorError.invalid("BatchNorm2d: training needs more than one value per channel, got input \(input.shape)")
        }
        var mean = [Float](repeating: 0, count: c), invStd = [Float](repeating: 0, count: c)
        var batchVar = [Float](repeating: 0, count: c)
        let e = eps
        if batchStats {
            input.withUnsafeBufferPointer { xb in
                mean.withUnsafeMutableBufferPointer { mb in
                    batchVar.withUnsafeMutableBufferPointer { vb in
                        invStd.withUnsafeMutableBufferPointer { ib in
                            let xp = xb.baseAddress!, mp = mb.baseAddress!, vp = vb.baseAddress!, ip = ib.baseAddress!
                            Parallel.forEach(c, costPerItem: 2 * m) { ch in
                                // Two passes in Double: one-pass E[x²]−E[x]² cancels badly for large means.
                                var s = 0.0
                                for b in 0..<n {
                                    let row = xp + (b * c + ch) * plane
                                    var part: Float = 0
                                    for i in 0..<plane { part += row[i] }
                                    s += Double(part)
                                }
                                let mu = s / Double(m)
                                var q = 0.0
                                let muF = Float(mu)
                                for b in 0..<n {
                                    let row = xp + (b * c + ch) * plane
                                    var part: Float = 0
                                    for i in 0..<plane { let d = row[i] - muF; part += d * d }
                                    q += Double(part)
                                }
                                let v = q / Double(m)
                                mp[ch] = muF
                                vp[ch] = Float(v)
                                ip[ch] = Float(1 / (v + Double(e)).squareRoot())
                            }
                        }
                    }
                }
            }
            let mom = momentum, unbias = Float(m) / Float(m - 1)
            runningMean.value.withUnsafeMutableBufferPointer { rm in
                runningVar.value.withUnsafeMutableBufferPointer { rv in
                    for ch in 0..<c {
                        rm[ch] = (1 - mom) * rm[ch] + mom * mean[ch]
                        rv[ch] = (1 - mom) * rv[ch] + mom * batchVar[ch] * unbias
                    }
                }
            }
        } else {
            runningMean.value.withUnsafeBufferPointer { rm in
                runningVar.value.withUnsafeBufferPointer { rv in
                    for ch in 0..<c {
                        mean[ch] = rm[ch]
                        invStd[ch] = 1 / (rv[ch] + e).squareRoot()
                    }
                }
            }
        }
        cachedInput = input
        cachedMean = mean
        cachedInvStd = invStd
        usedBatchStatistics = batchStats
        var out = Tensor(uninitialized: input.shape)
        input.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                weight.value.withUnsafeBufferPointer { gb in
                    bias.value.withUnsafeBufferPointer { bb in
                        let xp = xb.baseAddress!, op = ob.baseAddress!
                        Parallel.forEach(n * c, costPerItem: plane) { row in
                            let ch = row % c
                            let scale = gb[ch] * invStd[ch], shift = bb[ch] - mean[ch] * scale
                            let src = xp + row * plane, dst = op + row * plane
                            for i in 0..<plane { dst[i] = src[i] * scale + shift }
                        }
                    }
                }
            }
        }
        return out
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let input = cachedInput else { throw TensorError.invalid("BatchNorm2d.backward called before forward") }
        try Elementwise.checkSame(gradOutput, input.shape, "BatchNorm2d")
        let (n, c, plane) = (input.shape[0], channels, input.shape[2] * input.shape[3])
        let m = n * plane
        let mean = cachedMean, invStd = cachedInvStd, batchStats = usedBatchStatistics
        // Per channel Σdy and Σdy·x̂: the parameter gradients, and in training the
        // terms that carry the dependence of the batch statistics on the input.
        var sumDy = [Float](repeating: 0, count: c), sumDyXhat = [Float](repeating: 0, count: c)
        input.withUnsafeBufferPointer { xb in
            gradOutput.withUnsafeBufferPointer { gb in
                sumDy.withUnsafeMutableBufferPointer { sb in
                    sumDyXhat.withUnsafeMutableBufferPointer { sxb in
                        let xp = xb.baseAddress!, gp = gb.baseAddress!, sp = sb.baseAddress!, sxp = sxb.baseAddress!
                        Parallel.forEach(c, costPerItem: m) { ch in
                            var s = 0.0, sx = 0.0
                            let mu = mean[ch], istd = invStd[ch]
                            for b in 0..<n {
                                let off = (b * c + ch) * plane
                                var ps: Float = 0, psx: Float = 0
                                for i in 0..<plane {
                                    let g = gp[off + i]
                                    ps += g
                                    psx += g * (xp[off + i] - mu) * istd
                                }
                                s += Double(ps); sx += Double(psx)
                            }
                            sp[ch] = Float(s); sxp[ch] = Float(sx)
                        }
                    }
                }
            }
        }
        if weight.requiresGrad {
            weight.grad.withUnsafeMutableBufferPointer { g in for ch in 0..<c { g[ch] += sumDyXhat[ch] } }
        }
        if bias.requiresGrad {
            bias.grad.withUnsafeMutableBufferPointer { g in for ch in 0..<c { g[ch] += sumDy[ch] } }
        }
        var gradInput = Tensor(uninitialized: input.shape)
        input.withUnsafeBufferPointer { xb in
            gradOutput.withUnsafeBufferPointer { gb in
                gradInput.withUnsafeMutableBufferPointer { db in
                    weight.value.withUnsafeBufferPointer { wb in
                        let xp = xb.baseAddress!, gp = gb.baseAddress!, dp = db.baseAddress!
                        let invM = 1 / Float(m)
                        Parallel.forEach(n * c, costPerItem: plane) { row in
                            let ch = row % c
                            let k = wb[ch] * invStd[ch]
                            let off = row * plane
                            if batchStats {
                                let mu = mean[ch], istd = invStd[ch]
                                let a = sumDy[ch] * invM, bcoef = sumDyXhat[ch] * invM
                                for i in 0..<plane {
                                    let xhat = (xp[off + i] - mu) * istd
                                    dp[off + i] = k * (gp[off + i] - a - xhat * bcoef)
                                }
                            } else {
                                for i in 0..<plane { dp[off + i] = k * gp[off + i] }
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
