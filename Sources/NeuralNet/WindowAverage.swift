/// The arithmetic shared by average pooling layers: each output is the scaled
/// sum of a rectangular input window, and its gradient spreads back over the
/// same window. The layers differ only in how they lay out the windows
/// (`Sweep`: calls its argument once per plane and output cell).
enum WindowAverage {
    typealias Window = (_ plane: Int, _ outIndex: Int, _ y: Range<Int>, _ x: Range<Int>, _ scale: Float) -> Void
    typealias Sweep = (Window) -> Void

    static func forward(_ input: Tensor, outShape: [Int], sweep: Sweep) -> Tensor {
        let planeIn = input.shape[2] * input.shape[3], planeOut = outShape[2] * outShape[3], w = input.shape[3]
        var out = Tensor(uninitialized: outShape)
        input.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!, op = ob.baseAddress!
                sweep { pl, o, ys, xs, scale in
                    let src = xp + pl * planeIn
                    var s: Float = 0
                    for y in ys { for x in xs { s += src[y * w + x] } }
                    op[pl * planeOut + o] = s * scale
                }
            }
        }
        return out
    }

    static func backward(_ gradOutput: Tensor, inShape: [Int], outShape: [Int], sweep: Sweep) -> Tensor {
        let planeIn = inShape[2] * inShape[3], planeOut = outShape[2] * outShape[3], w = inShape[3]
        var gradInput = Tensor(zeros: inShape)
        gradOutput.withUnsafeBufferPointer { gb in
            gradInput.withUnsafeMutableBufferPointer { db in
                let gp = gb.baseAddress!, dp = db.baseAddress!
                sweep { pl, o, ys, xs, scale in
                    let dst = dp + pl * planeIn
                    let g = gp[pl * planeOut + o] * scale
                    for y in ys { for x in xs { dst[y * w + x] += g } }
                }
            }
        }
        return gradInput
    }
}
