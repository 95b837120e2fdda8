/// Stochastic gradient descent with momentum, Nesterov momentum and L2 weight
/// decay, with PyTorch's update rule (the learning rate multiplies the whole
/// step, so changing it takes effect at once, unlike Caffe's `v = m·v + lr·g`):
///
///     g ← ∇ + λ·p            (λ only for parameters with `decay`)
///     b ← g on the first step, then μ·b + (1 − dampening)·g
///     d ← g + μ·b if Nesterov, else b
///     p ← p − lr·d
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var momentum: Float
    public var dampening: Float
    public var weightDecay: Float
    public var nesterov: Bool
    /// Momentum buffers, one per parameter, created on the first step.
    var buffers: [[Float]?]

    public init(parameters: [Parameter], learningRate: Float, momentum: Float = 0,
                dampening: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) throws {
        guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
            throw TensorError.invalid("SGD: learning rate, momentum and weight decay must be ≥ 0 (got \(learningRate), \(momentum), \(weightDecay))")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw TensorError.invalid("SGD: Nesterov momentum needs momentum > 0 and zero dampening")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() throws {
        try checkGradientShapes(parameters, "SGD")
        let lr = learningRate, mu = momentum, damp = dampening, nest = nesterov
        for (k, p) in parameters.enumerated() where p.requiresGrad {
            let wd = p.decay ? weightDecay : 0
            let first = buffers[k] == nil
            var buf = buffers[k] ?? [Float](repeating: 0, count: p.value.count)
            let grad = p.grad
            grad.withUnsafeBufferPointer { g in
                buf.withUnsafeMutableBufferPointer { b in
                    p.value.withUnsafeMutableBufferPointer { v in
                        for i in 0..<v.count {
                            var d = g[i] + wd * v[i]
                            if mu != 0 {
                                b[i] = first ? d : mu * b[i] + (1 - damp) * d
                                d = nest ? d + mu * b[i] : b[i]
                            }
                            v[i] -= lr * d
                        }
                    }
                }
            }
            if mu != 0 { buffers[k] = buf }
        }
    }
}
