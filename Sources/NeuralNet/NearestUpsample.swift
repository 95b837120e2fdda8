/// Nearest-neighbour resizing of NCHW maps to a given size, and its backward
/// pass: the FPN's top-down pathway enlarges each coarser map to its finer
/// neighbour's size (which is 2× or 2× − 1 of it: a stride-2 layer rounds up).
///
/// Output cell `i` reads input cell `⌊i · in / out⌋`, PyTorch's `nearest`
/// mode (`F.interpolate(x, size=…)`), computed in integers so that no
/// rounding of `in / out` moves a cell.
public enum NearestUpsample {
    public static func forward(_ x: Tensor, height outH: Int, width outW: Int) throws -> Tensor {
        let map = try Mapping(x.shape, small: (x.rank == 4 ? x.shape[2] : 0, x.rank == 4 ? x.shape[3] : 0),
                              large: (outH, outW), "NearestUpsample")
        var out = Tensor(uninitialized: [x.shape[0], x.shape[1], outH, outW])
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                map.forEachCell { s, d in dst[d] = src[s] }
            }
        }
        return out
    }

    /// The gradient w.r.t. the `inHeight × inWidth` input: each output cell's
    /// gradient is added to the input cell it read.
    public static func backward(_ grad: Tensor, inputHeight inH: Int, inputWidth inW: Int) throws -> Tensor {
        let map = try Mapping(grad.shape, small: (inH, inW),
                              large: (grad.rank == 4 ? grad.shape[2] : 0, grad.rank == 4 ? grad.shape[3] : 0), "NearestUpsample.backward")
        var out = Tensor(zeros: [grad.shape[0], grad.shape[1], inH, inW])
        grad.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                map.forEachCell { s, d in dst[s] += src[d] }
            }
        }
        return out
    }

    /// Which input cell each output cell reads, for every plane.
    struct Mapping {
        let planes: Int, small: (h: Int, w: Int), large: (h: Int, w: Int)
        let rows: [Int], cols: [Int]

        init(_ shape: [Int], small: (Int, Int), large: (Int, Int), _ operation: String) throws {
            guard shape.count == 4, small.0 > 0, small.1 > 0, large.0 > 0, large.1 > 0 else {
                throw TensorError.invalid("\(operation): \(shape) between \(small) and \(large)")
            }
            (planes, self.small, self.large) = (shape[0] * shape[1], small, large)
            rows = (0..<large.0).map { min($0 * small.0 / large.0, small.0 - 1) }
            cols = (0..<large.1).map { min($0 * small.1 / large.1, small.1 - 1) }
        }

        /// `body(input index, output index)` for every output cell.
        @inline(__always)
        func forEachCell(_ body: (Int, Int) -> Void) {
            for plane in 0..<planes {
                let s = plane * small.h * small.w, d = plane * large.h * large.w
                for i in 0..<large.h {
                    let sRow = s + rows[i] * small.w, dRow = d + i * large.w
                    for j in 0..<large.w { body(sRow + cols[j], dRow + j) }
                }
            }
        }
    }
}
