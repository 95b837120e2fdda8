/// One image's convolution as matrix products: the sizes, the banding of the
/// im2col matrix, and the forward product. Conv2d uses it for the forward pass,
/// the weight gradient, and (as a convolution with flipped, transposed weights)
/// the input gradient of stride-1 layers.
struct ConvolutionPlan {
    let inChannels: Int, outChannels: Int, groups: Int
    let geometry: Im2col.Geometry
    let height: Int, width: Int, outHeight: Int, outWidth: Int

    var inPerGroup: Int { inChannels / groups }
    var outPerGroup: Int { outChannels / groups }
    /// Rows of the column matrix per group: Cin/G · kh · kw.
    var k: Int { inPerGroup * geometry.kh * geometry.kw }
    var outPlane: Int { outHeight * outWidth }

    /// 1×1, stride 1, no padding: the input planes already are the GEMM operand.
    var isPointwise: Bool {
        let g = geometry
        return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0
    }

    /// Output rows per band, so one band of columns is about `tileBytes`.
    func bandRows(tileBytes: Int) -> Int {
        let perRow = groups * k * outWidth * MemoryLayout<Float>.size
        return min(outHeight, max(1, tileBytes / max(perRow, 1)))
    }

    /// Calls `body(rows, operand, scratch)` for each band of output rows, with the
    /// GEMM operand (group g at `operand + g·k·rows.count·outWidth`, row stride
    /// rows.count·outWidth): the input itself for pointwise convolutions, otherwise
    /// columns unrolled into the scratch band (left unfilled when `unroll` is false).
    func forEachBand(_ x: UnsafePointer<Float>, unroll: Bool,
                     _ body: (Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>?) -> Void) {
        if isPointwise {
            body(0..<outHeight, x, nil)
            return
        }
        let band = bandRows(tileBytes: Conv2d.columnTileBytes)
        ScratchPool.shared.withBuffer(groups * k * band * outWidth) { cols in
            for oy0 in stride(from: 0, to: outHeight, by: band) {
                let rows = oy0..<min(outHeight, oy0 + band)
                if unroll {
                    Im2col.unroll(x, channels: inChannels, height: height, width: width, outHeight: outHeight,
                                  outWidth: outWidth, rows: rows, geometry, into: cols)
                }
                body(rows, UnsafePointer(cols), cols)
            }
        }
    }

    /// y = W ⊛ x + beta·y for one image; W is `[Cout, Cin/G, kh, kw]`, y is `[Cout, Ho, Wo]`.
    func apply(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, beta: Float, into y: UnsafeMutablePointer<Float>) {
        let (k, coutG, plane, ow) = (self.k, outPerGroup, outPlane, outWidth)
        forEachBand(x, unroll: true) { rows, operand, _ in
            let cols = rows.count * ow
            for g in 0..<groups {
                BLAS.sgemm(m: coutG, n: cols, k: k, a: weights + g * coutG * k, lda: k,
                           b: operand + g * k * cols, ldb: cols,
                           beta: beta, c: y + g * coutG * plane + rows.lowerBound * ow, ldc: plane)
            }
        }
    }
}
