/// Layers kept fixed while the rest of a network fine-tunes (the frozen early
/// stages of a pretrained backbone): they always run in evaluation mode, their
/// parameters take no gradient, and backward stops here instead of computing
/// input gradients nobody uses. Names are the wrapped layer's own.
public final class Frozen: LayerContainer, ShapeInferring {
    public let layer: any Layer
    public var children: [(name: String, layer: any Layer)] { [(name: "", layer: layer)] }
    private var inputShape: [Int]?

    public init(_ layer: any Layer) {
        self.layer = layer
        layer.training = false
        for p in layer.parameters { p.requiresGrad = false }
    }

    public var parameters: [Parameter] { layer.parameters }
    public var buffers: [Parameter] { layer.buffers }

    /// Always false: a frozen layer never uses batch statistics or dropout.
    public var training: Bool {
        get { false }
        set { layer.training = false }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        inputShape = input.shape
        return try layer.forward(input)
    }

    /// Zeros: nothing before a frozen prefix trains.
    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard let inputShape else { throw TensorError.invalid("Frozen.backward called before forward") }
        return Tensor(zeros: inputShape)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try FLOPCounter.count(layer, inputShape: inputShape).outputShape
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        (try? FLOPCounter.count(layer, inputShape: inputShape).flops) ?? 0
    }
}
