/// Applies every branch to the same input and concatenates their outputs along
/// the channel axis (axis 1); the branches must agree on every other axis.
/// Branch parameters are prefixed with the branch names.
public final class ConcatChannels: LayerContainer, ShapeInferring {
    public let children: [(name: String, layer: any Layer)]
    private var splitSizes: [Int] = []
    private var outShape: [Int] = []

    public init(_ named: [(String, any Layer)]) {
        precondition(!named.isEmpty, "ConcatChannels needs at least one branch")
        children = named.map { (name: $0.0, layer: $0.1.named($0.0)) }
    }

    public convenience init(_ branches: [any Layer]) {
        self.init(branches.enumerated().map { (String($0.offset), $0.element) })
    }

    public var parameters: [Parameter] { children.flatMap { $0.layer.parameters } }
    public var buffers: [Parameter] { children.flatMap { $0.layer.buffers } }

    public var training: Bool {
        get { children[0].layer.training }
        set { for c in children { c.layer.training = newValue } }
    }

    /// Concatenates tensors along axis 1.
    public static func concatenate(_ parts: [Tensor]) throws -> Tensor {
        guard let first = parts.first, first.rank >= 2 else {
            throw TensorError.invalid("ConcatChannels: need at least one tensor of rank ≥ 2")
        }
        var shape = first.shape
        shape[1] = 0
        for p in parts {
            var expected = first.shape
            expected[1] = -1
            try p.checkShape(expected, "ConcatChannels")
            shape[1] += p.shape[1]
        }
        let n = shape[0], inner = shape.dropFirst(2).reduce(1, *), total = shape[1] * inner
        var out = Tensor(zeros: shape)
        out.withUnsafeMutableBufferPointer { ob in
            var offset = 0
            for p in parts {
                let block = p.shape[1] * inner
                p.withUnsafeBufferPointer { pb in
                    for b in 0..<n {
                        (ob.baseAddress! + b * total + offset).update(from: pb.baseAddress! + b * block, count: block)
                    }
                }
                offset += block
            }
        }
        return out
    }

    /// The inverse of `concatenate`: splits axis 1 into pieces of the given sizes.
    public static func split(_ t: Tensor, sizes: [Int]) throws -> [Tensor] {
        guard t.rank >= 2, sizes.reduce(0, +) == t.shape[1] else {
            throw TensorError.shapeMismatch(operation: "ConcatChannels.split", expected: [-1, sizes.reduce(0, +)], got: t.shape)
        }
        let n = t.shape[0], inner = t.shape.dropFirst(2).reduce(1, *), total = t.shape[1] * inner
        var parts: [Tensor] = []
        var offset = 0
        t.withUnsafeBufferPointer { tb in
            for s in sizes {
                var shape = t.shape
                shape[1] = s
                var part = Tensor(zeros: shape)
                let block = s * inner
                part.withUnsafeMutableBufferPointer { pb in
                    for b in 0..<n {
                        (pb.baseAddress! + b * block).update(from: tb.baseAddress! + b * total + offset, count: block)
                    }
                }
                parts.append(part)
                offset += block
            }
        }
        return parts
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let outs = try children.map { try $0.layer.forward(input) }
        let y = try ConcatChannels.concatenate(outs)
        splitSizes = outs.map { $0.shape[1] }
        outShape = y.shape
        return y
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        guard !splitSizes.isEmpty else { throw TensorError.invalid("ConcatChannels.backward called before forward") }
        try Elementwise.checkSame(gradOutput, outShape, "ConcatChannels")
        let grads = try ConcatChannels.split(gradOutput, sizes: splitSizes)
        var total: Tensor?
        for (c, g) in zip(children, grads) {
            let gi = try c.layer.backward(g)
            total = total.map { Elementwise.zip($0, gi, AddOp()) } ?? gi
        }
        return total!
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let shapes = try children.map { try FLOPCounter.count($0.layer, inputShape: inputShape).outputShape }
        var out = shapes[0]
        for s in shapes.dropFirst() {
            guard s.count == out.count, s.count >= 2, s[0] == out[0], s[2...] == out[2...] else {
                throw TensorError.shapeMismatch(operation: "ConcatChannels", expected: out, got: s)
            }
            out[1] += s[1]
        }
        return out
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        children.reduce(0) { $0 + ((try? FLOPCounter.count($1.layer, inputShape: inputShape).flops) ?? 0) }
    }
}
