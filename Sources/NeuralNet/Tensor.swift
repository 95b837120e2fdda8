/// Errors raised by tensor and layer operations; they name the shapes that met.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(operation: String, expected: [Int], got: [Int])
    case invalid(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, expected, got):
            return "\(op): shape mismatch, expected \(expected) but got \(got)"
        case let .invalid(message): return message
        }
    }
}

/// A contiguous float32 array with a shape, row-major; images are NCHW.
/// A value type: copies share storage until one is written (copy-on-write),
/// so hot loops take `withUnsafe(Mutable)BufferPointer` once, never index
/// element by element through the array.
public struct Tensor: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    @inline(__always) public var count: Int { data.count }
    @inline(__always) public var rank: Int { shape.count }

    /// The same values with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(operation: "reshape", expected: shape, got: newShape)
        }
        return Tensor(shape: newShape, data: data)
    }

    /// Throws unless the shape equals `expected`; `-1` in `expected` matches any size.
    /// Adds `other` element-wise (shapes must agree): joins the gradients of
    /// two branches that read the same tensor, or a pyramid's lateral and
    /// top-down paths.
    public mutating func add(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError.shapeMismatch(operation: "element-wise sum", expected: shape, got: other.shape)
        }
        withUnsafeMutableBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    public func checkShape(_ expected: [Int], _ operation: String) throws {
        guard expected.count == shape.count,
              zip(expected, shape).allSatisfy({ $0 == -1 || $0 == $1 }) else {
            throw TensorError.shapeMismatch(operation: operation, expected: expected, got: shape)
        }
    }

    @inline(__always)
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer(body)
    }

    @inline(__always)
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try data.withUnsafeMutableBufferPointer(body)
    }
}

/// A trainable tensor with its accumulated gradient. A reference type so that
/// optimizers and layers see the same values; `name` is the state-dict key
/// (torchvision naming where an equivalent layer exists).
public final class Parameter {
    public var name: String
    public var value: Tensor
    public var grad: Tensor
    /// Frozen parameters keep their values during training (e.g. frozen BatchNorm).
    public var requiresGrad: Bool
    /// Whether weight decay applies (biases and norm parameters usually excluded).
    public var decay: Bool

    public init(name: String, value: Tensor, requiresGrad: Bool = true, decay: Bool = true) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
        self.requiresGrad = requiresGrad
        self.decay = decay
    }

    public func zeroGrad() {
        grad.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = 0 }
        }
    }
}

/// A differentiable stage. `forward` caches what `backward` needs; `backward`
/// takes the loss gradient w.r.t. the output, *accumulates* parameter gradients
/// and returns the gradient w.r.t. the input.
public protocol Layer: AnyObject {
    func forward(_ input: Tensor) throws -> Tensor
    func backward(_ gradOutput: Tensor) throws -> Tensor
    /// Parameters owned by this layer and its children.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the weights (BatchNorm running statistics).
    var buffers: [Parameter] { get }
    /// Training mode enables dropout and batch statistics.
    var training: Bool { get set }
}

public extension Layer {
    var parameters: [Parameter] { [] }
    var buffers: [Parameter] { [] }
}
