/// Updates a fixed list of parameters from their accumulated gradients.
/// Parameters with `requiresGrad == false` are never touched; weight decay is
/// skipped for parameters with `decay == false` (biases, norm layers).
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    /// Set before each `step()` from an `LRSchedule`.
    var learningRate: Float { get set }
    func step() throws
}

public extension Optimizer {
    func zeroGrad() {
        for p in parameters where p.requiresGrad { p.zeroGrad() }
    }
}

func checkGradientShapes(_ parameters: [Parameter], _ who: String) throws {
    for p in parameters where p.requiresGrad && p.grad.shape != p.value.shape {
        throw TensorError.shapeMismatch(operation: "\(who): gradient of \(p.name)",
                                        expected: p.value.shape, got: p.grad.shape)
    }
}
