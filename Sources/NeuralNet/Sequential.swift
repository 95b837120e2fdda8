/// Layers applied one after another. Children are named (by position unless a
/// name is given), and their parameter names are prefixed with that name, so
/// `Sequential(("conv1", conv), ("bn1", bn))` owns `conv1.weight`, `bn1.running_mean`.
public final class Sequential: LayerContainer, ShapeInferring {
    public let children: [(name: String, layer: any Layer)]

    public init(_ named: [(String, any Layer)]) {
        children = named.map { (name: $0.0, layer: $0.1.named($0.0)) }
    }

    /// Children taken as they are, their parameter names untouched: for copies
    /// that share some layers with the network they were made from.
    init(sharing children: [(name: String, layer: any Layer)]) {
        self.children = children
    }

    /// Children named "0", "1", … like `torch.nn.Sequential`.
    public convenience init(_ layers: [any Layer]) {
        self.init(layers.enumerated().map { (String($0.offset), $0.element) })
    }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public var layers: [any Layer] { children.map(\.layer) }

    /// The child with this name, if any.
    public subscript(name: String) -> (any Layer)? { children.first { $0.name == name }?.layer }

    public var parameters: [Parameter] { children.flatMap { $0.layer.parameters } }
    public var buffers: [Parameter] { children.flatMap { $0.layer.buffers } }

    public var training: Bool {
        get { children.first?.layer.training ?? true }
        set { for c in children { c.layer.training = newValue } }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for c in children { x = try c.layer.forward(x) }
        return x
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        var g = gradOutput
        for c in children.reversed() { g = try c.layer.backward(g) }
        return g
    }

    /// Runs the children in order and returns the outputs of the children at
    /// `taps` (ascending indices, the last child's included): the feature maps
    /// of a backbone at several strides, from one pass.
    public func forward(_ input: Tensor, keepingOutputsOf taps: [Int]) throws -> [Tensor] {
        try checkTaps(taps)
        var x = input, outputs: [Tensor] = []
        outputs.reserveCapacity(taps.count)
        var next = 0
        for (i, c) in children.enumerated() {
            x = try c.layer.forward(x)
            if next < taps.count, taps[next] == i { outputs.append(x); next += 1 }
        }
        return outputs
    }

    /// The backward pass of `forward(_:keepingOutputsOf:)`: `gradients[k]` is
    /// the loss gradient w.r.t. the output of child `taps[k]`; each joins the
    /// gradient flowing back from the deeper children where its output left.
    public func backward(_ gradients: [Tensor], ofOutputsOf taps: [Int]) throws -> Tensor {
        try checkTaps(taps)
        guard gradients.count == taps.count else {
            throw TensorError.invalid("Sequential.backward: \(gradients.count) gradients for \(taps.count) tapped outputs")
        }
        var k = taps.count - 1
        var g = gradients[k]
        k -= 1
        for i in stride(from: children.count - 1, through: 0, by: -1) {
            if k >= 0, taps[k] == i { try g.add(gradients[k]); k -= 1 }
            g = try children[i].layer.backward(g)
        }
        return g
    }

    private func checkTaps(_ taps: [Int]) throws {
        guard let last = taps.last, last == children.count - 1,
              zip(taps, taps.dropFirst()).allSatisfy({ $0 < $1 }), taps.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalid("Sequential: tapped outputs \(taps) must ascend and end at the last of \(children.count) children")
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        var s = inputShape
        for c in children { s = try FLOPCounter.count(c.layer, inputShape: s).outputShape }
        return s
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        var s = inputShape, total = 0
        for c in children {
            guard let r = try? FLOPCounter.count(c.layer, inputShape: s) else { return total }
            total += r.flops
            s = r.outputShape
        }
        return total
    }
}
