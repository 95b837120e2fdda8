import Parallelism

/// A per-element function as a value type: generic loops over it are specialised
/// and inlined, where a closure would cost an indirect call per element.
protocol UnaryOp { func callAsFunction(_ x: Float) -> Float }
protocol BinaryOp { func callAsFunction(_ a: Float, _ b: Float) -> Float }

struct AddOp: BinaryOp {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b }
}

struct MultiplyOp: BinaryOp {
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b }
}

/// Shared loops of the element-wise layers: one pass over raw buffers, split
/// across the cores for large tensors.
enum Elementwise {
    /// out[i] = f(x[i])
    @inline(__always)
    static func map<F: UnaryOp>(_ x: Tensor, _ f: F) -> Tensor {
        var out = Tensor(uninitialized: x.shape)
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!, op = ob.baseAddress!
                Parallel.forRanges(xb.count, minPerChunk: 1 << 15) { r in
                    for i in r { op[i] = f(xp[i]) }
                }
            }
        }
        return out
    }

    /// out[i] = f(a[i], b[i]) for two tensors of the same shape.
    @inline(__always)
    static func zip<F: BinaryOp>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor {
        var out = Tensor(uninitialized: a.shape)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                out.withUnsafeMutableBufferPointer { ob in
                    let ap = ab.baseAddress!, bp = bb.baseAddress!, op = ob.baseAddress!
                    Parallel.forRanges(ab.count, minPerChunk: 1 << 15) { r in
                        for i in r { op[i] = f(ap[i], bp[i]) }
                    }
                }
            }
        }
        return out
    }

    static func cached(_ t: Tensor?, _ layer: String) throws -> Tensor {
        guard let t else { throw TensorError.invalid("\(layer).backward called before forward") }
        return t
    }

    static func checkSame(_ grad: Tensor, _ shape: [Int], _ layer: String) throws {
        guard grad.shape == shape else {
            throw TensorError.shapeMismatch(operation: "\(layer).backward gradOutput", expected: shape, got: grad.shape)
        }
    }
}
