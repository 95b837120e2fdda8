import Foundation

/// Adam (Kingma & Ba 2015) with bias correction, and AdamW (Loshchilov & Hutter
/// 2019) when `decoupledWeightDecay` is set — PyTorch's `Adam` / `AdamW` rules:
///
///     Adam:  g ← ∇ + λ·p                  AdamW: p ← p·(1 − lr·λ), g ← ∇
///     m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
///     p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// λ applies only to parameters with `decay`.
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    public var decoupledWeightDecay: Bool
    /// Steps taken so far (t in the bias corrections).
    public private(set) var stepCount = 0
    private var m: [[Float]]
    private var v: [[Float]]

    public init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0,
                decoupledWeightDecay: Bool = false) throws {
        guard learningRate >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon >= 0, weightDecay >= 0 else {
            throw TensorError.invalid("Adam: need lr ≥ 0, 0 ≤ β₁, β₂ < 1, ε ≥ 0, weight decay ≥ 0 (got \(learningRate), \(beta1), \(beta2), \(epsilon), \(weightDecay))")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    /// AdamW: Adam with weight decay decoupled from the gradient (default λ = 0.01 as PyTorch).
    public static func adamW(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                             beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) throws -> Adam {
        try Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
                 epsilon: epsilon, weightDecay: weightDecay, decoupledWeightDecay: true)
    }

    public func step() throws {
        try checkGradientShapes(parameters, decoupledWeightDecay ? "AdamW" : "Adam")
        stepCount += 1
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = epsilon
        let c1 = 1 - Float(pow(Double(b1), Double(stepCount)))
        let c2 = 1 - Float(pow(Double(b2), Double(stepCount)))
        let c2Root = c2.squareRoot()
        let stepSize = lr / c1
        let decoupled = decoupledWeightDecay
        for (k, p) in parameters.enumerated() where p.requiresGrad {
            let wd = p.decay ? weightDecay : 0
            let grad = p.grad
            grad.withUnsafeBufferPointer { g in
                m[k].withUnsafeMutableBufferPointer { mk in
                    v[k].withUnsafeMutableBufferPointer { vk in
                        p.value.withUnsafeMutableBufferPointer { w in
                            for i in 0..<w.count {
                                var gi = g[i]
                                if decoupled { w[i] *= 1 - lr * wd } else { gi += wd * w[i] }
                                mk[i] = b1 * mk[i] + (1 - b1) * gi
                                vk[i] = b2 * vk[i] + (1 - b2) * gi * gi
                                let denom = vk[i].squareRoot() / c2Root + eps
                                w[i] -= stepSize * mk[i] / denom
                            }
                        }
                    }
                }
            }
        }
    }
}
