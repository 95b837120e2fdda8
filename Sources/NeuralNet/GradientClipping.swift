/// Scales all gradients together so that their global L2 norm is at most
/// `maxNorm` (PyTorch's `clip_grad_norm_`: factor `maxNorm / (norm + 1e-6)` when
/// it is below 1). Returns the norm before clipping, which training logs to spot
/// divergence. A non-finite norm leaves the gradients untouched and is returned
/// as is, so the caller can skip the step.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var sumSquares = 0.0
    for p in parameters where p.requiresGrad {
        p.grad.withUnsafeBufferPointer { g in
            for x in g { sumSquares += Double(x) * Double(x) }
        }
    }
    let norm = Float(sumSquares.squareRoot())
    guard norm.isFinite else { return norm }
    let factor = maxNorm / (norm + 1e-6)
    if factor < 1 {
        for p in parameters where p.requiresGrad {
            p.grad.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= factor }
            }
        }
    }
    return norm
}
