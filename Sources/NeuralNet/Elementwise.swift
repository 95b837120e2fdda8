/// Shared loops of the element-wise activations: one pass over raw buffers,
/// split across the cores for large tensors.
enum Elementwise {
    /// out[i] = f(x[i])
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        var out = Tensor(zeros: x.shape)
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
    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        var out = Tensor(zeros: a.shape)
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
