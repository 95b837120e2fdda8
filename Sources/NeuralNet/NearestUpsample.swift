/// Nearest-neighbour resizing of NCHW maps to a given size, and its backward
/// pass: the FPN's top-down pathway enlarges each coarser map to its finer
/// neighbour's size (which is 2× or 2× − 1 of it: a stride-2 layer rounds up).
///
/// Output cell `i` reads input cell `⌊i · in / out⌋`, PyTorch's `nearest`
/// mode (`F.interpolate(x, size=…)`), computed in integers so that no
/// rounding of `in / out` moves a cell.
public enum NearestUpsample {
    public static func forward(_ x: Tensor, height outH: Int, width outW: Int) throws -> Tensor {
        guard x.rank == 4, outH > 0, outW > 0 else {
            throw TensorError.invalid("NearestUpsample: input \(x.shape) to \(outH)×\(outW)")
        }
        let (n, c, inH, inW) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = sourceIndices(count: outH, from: inH), cols = sourceIndices(count: outW, from: inW)
        var out = Tensor(uninitialized: [n, c, outH, outW])
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(n * c) {
                    let s = src.baseAddress! + plane * inH * inW, d = dst.baseAddress! + plane * outH * outW
                    for i in 0..<outH {
                        let sRow = s + rows[i] * inW, dRow = d + i * outW
                        for j in 0..<outW { dRow[j] = sRow[cols[j]] }
                    }
                }
            }
        }
        return out
    }

    /// The gradient w.r.t. the `inHeight × inWidth` input: each output cell's
    /// gradient is added to the input cell it read.
    public static func backward(_ grad: Tensor, inputHeight inH: Int, inputWidth inW: Int) throws -> Tensor {
        guard grad.rank == 4, inH > 0, inW > 0 else {
            throw TensorError.invalid("NearestUpsample.backward: gradient \(grad.shape) to \(inH)×\(inW)")
        }
        let (n, c, outH, outW) = (grad.shape[0], grad.shape[1], grad.shape[2], grad.shape[3])
        let rows = sourceIndices(count: outH, from: inH), cols = sourceIndices(count: outW, from: inW)
        var out = Tensor(zeros: [n, c, inH, inW])
        grad.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(n * c) {
                    let s = src.baseAddress! + plane * outH * outW, d = dst.baseAddress! + plane * inH * inW
                    for i in 0..<outH {
                        let sRow = s + i * outW, dRow = d + rows[i] * inW
                        for j in 0..<outW { dRow[cols[j]] += sRow[j] }
                    }
                }
            }
        }
        return out
    }

    static func sourceIndices(count out: Int, from input: Int) -> [Int] {
        (0..<out).map { min($0 * input / out, input - 1) }
    }
}
