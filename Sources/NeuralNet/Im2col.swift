import Parallelism

/// Unrolling of convolution patches into GEMM operands (im2col) and the adjoint
/// that sums them back onto the image (col2im). Row `(c·kh + ky)·kw + kx` of the
/// column matrix holds, for each output pixel, the input value under kernel tap
/// (ky, kx) of channel c, or 0 where the tap falls in the padding.
enum Im2col {
    struct Geometry {
        var kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    }

    @inline(__always) static func floorDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    @inline(__always) static func ceilDiv(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? (a + b - 1) / b : -((-a) / b)
    }

    /// The output columns [lo, hi) whose tap at horizontal offset `off` lands inside the row.
    @inline(__always) static func validRange(offset off: Int, stride s: Int, size: Int, outSize: Int) -> (Int, Int) {
        let lo = min(max(ceilDiv(-off, s), 0), outSize)
        let hi = min(max(floorDiv(size - 1 - off, s) + 1, lo), outSize)
        return (lo, hi)
    }

    /// Unrolls output rows `rows` (all of them by default); the column matrix then
    /// has `rows.count · ow` columns.
    static func unroll(_ x: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                       outHeight oh: Int, outWidth ow: Int, rows: Range<Int>? = nil, _ g: Geometry,
                       into cols: UnsafeMutablePointer<Float>) {
        let rows = rows ?? 0..<oh
        let plane = rows.count * ow
        Parallel.forEach(channels, costPerItem: g.kh * g.kw * plane) { c in
            let src = x + c * h * w
            for ky in 0..<g.kh {
                for kx in 0..<g.kw {
                    let row = cols + ((c * g.kh + ky) * g.kw + kx) * plane
                    let offX = kx * g.dw - g.pw
                    let (lo, hi) = validRange(offset: offX, stride: g.sw, size: w, outSize: ow)
                    for oy in rows {
                        let iy = oy * g.sh - g.ph + ky * g.dh
                        let dst = row + (oy - rows.lowerBound) * ow
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
                        let line = src + iy * w
                        if g.sw == 1 {
                            if hi > lo { (dst + lo).update(from: line + (lo + offX), count: hi - lo) }
                        } else {
                            var ix = lo * g.sw + offX
                            for ox in lo..<hi {
                                dst[ox] = line[ix]
                                ix += g.sw
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds every column entry back to the input pixel it was read from.
    static func fold(_ cols: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int,
                     outHeight oh: Int, outWidth ow: Int, rows: Range<Int>? = nil, _ g: Geometry,
                     into dx: UnsafeMutablePointer<Float>) {
        let rows = rows ?? 0..<oh
        let plane = rows.count * ow
        Parallel.forEach(channels, costPerItem: g.kh * g.kw * plane) { c in
            let dst = dx + c * h * w
            for ky in 0..<g.kh {
                for kx in 0..<g.kw {
                    let row = cols + ((c * g.kh + ky) * g.kw + kx) * plane
                    let offX = kx * g.dw - g.pw
                    let (lo, hi) = validRange(offset: offX, stride: g.sw, size: w, outSize: ow)
                    if hi <= lo { continue }
                    for oy in rows {
                        let iy = oy * g.sh - g.ph + ky * g.dh
                        if iy < 0 || iy >= h { continue }
                        let line = dst + iy * w
                        let src = row + (oy - rows.lowerBound) * ow
                        var ix = lo * g.sw + offX
                        for ox in lo..<hi {
                            line[ix] += src[ox]
                            ix += g.sw
                        }
                    }
                }
            }
        }
    }
}
