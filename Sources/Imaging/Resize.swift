import Parallelism

/// Where one output coordinate samples the input along one axis: the two
/// neighbouring input indices and the weight of the second.
struct BilinearTap {
    var i0: Int32
    var i1: Int32
    var w1: Float
}

/// Taps for resizing `inSize` to `outSize` with the half-pixel-centre convention
/// (align_corners=false, as torchvision, OpenCV INTER_LINEAR and PIL without
/// antialias use): output pixel centre `o + 0.5` maps to input coordinate
/// `(o + 0.5) * inSize / outSize`, i.e. index `... - 0.5`, clamped at the edges.
func bilinearTaps(inSize: Int, outSize: Int) -> [BilinearTap] {
    let scale = Float(inSize) / Float(outSize)
    let last = Float(inSize - 1)
    return (0..<outSize).map { o in
        var s = (Float(o) + 0.5) * scale - 0.5
        s = min(max(s, 0), last)
        let i0 = Int(s)            // s >= 0, so truncation is floor
        let i1 = min(i0 + 1, inSize - 1)
        return BilinearTap(i0: Int32(i0), i1: Int32(i1), w1: s - Float(i0))
    }
}

extension Image {
    /// Bilinear resize to `width` x `height` (align_corners=false).
    ///
    /// By default there is no antialiasing: shrinking by more than 2x samples
    /// rather than averages, as the R-CNN papers' OpenCV/Caffe preprocessing
    /// did. With `antialias` a shrinking axis uses the triangle filter widened
    /// by the scale factor (PIL's and torchvision's `antialias=True`), so every
    /// input pixel contributes; enlarging axes stay plain bilinear.
    public func resized(width outW: Int, height outH: Int, antialias: Bool = false) -> Image {
        precondition(outW > 0 && outH > 0, "resize target must be at least 1x1, got \(outW)x\(outH)")
        if outW == width && outH == height { return self }
        if antialias && (outW < width || outH < height) {
            return filtered(width: outW, height: outH)
        }
        let xs = bilinearTaps(inSize: width, outSize: outW)
        let ys = bilinearTaps(inSize: height, outSize: outH)
        let inW = width, inPlane = planeSize, outPlane = outW * outH
        let rows = 3 * outH
        let out = [Float](unsafeUninitializedCapacity: 3 * outPlane) { buf, count in
            let dst = buf.baseAddress!
            pixels.withUnsafeBufferPointer { srcBuf in
                let src = srcBuf.baseAddress!
                xs.withUnsafeBufferPointer { xt in
                    ys.withUnsafeBufferPointer { yt in
                        Parallel.forRanges(rows, minPerChunk: 32) { range in
                            for r in range {
                                let c = r / outH, y = r - c * outH
                                let ty = yt[y]
                                let row0 = src + c * inPlane + Int(ty.i0) * inW
                                let row1 = src + c * inPlane + Int(ty.i1) * inW
                                let wy = ty.w1
                                let d = dst + c * outPlane + y * outW
                                for x in 0..<outW {
                                    let tx = xt[x]
                                    let a = row0[Int(tx.i0)] + tx.w1 * (row0[Int(tx.i1)] - row0[Int(tx.i0)])
                                    let b = row1[Int(tx.i0)] + tx.w1 * (row1[Int(tx.i1)] - row1[Int(tx.i0)])
                                    d[x] = a + wy * (b - a)
                                }
                            }
                        }
                    }
                }
            }
            count = 3 * outPlane
        }
        return Image(width: outW, height: outH, pixels: out)
    }

    /// Fast R-CNN's test-time scaling: the shorter side becomes `shorterSide`
    /// unless that would make the longer side exceed `maxLongerSide`, in which
    /// case the longer side becomes `maxLongerSide`. Returns the image and the
    /// scale factor applied (multiply boxes by it).
    public func resized(shorterSide: Int, maxLongerSide: Int) -> (image: Image, scale: Float) {
        let short = Float(min(width, height)), long = Float(max(width, height))
        var scale = Float(shorterSide) / short
        if (long * scale).rounded() > Float(maxLongerSide) { scale = Float(maxLongerSide) / long }
        let w = max(1, Int((Float(width) * scale).rounded()))
        let h = max(1, Int((Float(height) * scale).rounded()))
        return (resized(width: w, height: h), scale)
    }
}

/// Per-output-sample filter weights along one axis: output `o` is the sum of
/// `weights[o * span + k] * input[start[o] + k]` for `k` in `0..<span`.
struct ResampleKernel {
    var start: [Int32]
    var weights: [Float]
    var span: Int

    /// Triangle filter of radius `max(1, scale)` input pixels centred on each
    /// output pixel's centre, weights normalised to sum 1 (so windows cut by
    /// the image edge keep the local mean).
    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let radius = max(1.0, scale)
        span = Int((radius * 2).rounded(.up)) + 2
        start = [Int32](repeating: 0, count: outSize)
        weights = [Float](repeating: 0, count: outSize * span)
        for o in 0..<outSize {
            let centre = (Double(o) + 0.5) * scale
            let lo = max(0, Int((centre - radius).rounded(.down)))
            let hi = min(inSize, Int((centre + radius).rounded(.up)))
            var w = [Double](repeating: 0, count: span)
            var total = 0.0
            for i in lo..<min(hi, lo + span) {
                let t = max(0, 1 - abs(Double(i) + 0.5 - centre) / radius)
                w[i - lo] = t
                total += t
            }
            start[o] = Int32(lo)
            for k in 0..<span { weights[o * span + k] = total > 0 ? Float(w[k] / total) : (k == 0 ? 1 : 0) }
        }
    }
}

extension Image {
    /// Separable filtered resize: horizontal pass into a temporary, then vertical.
    func filtered(width outW: Int, height outH: Int) -> Image {
        let kx = ResampleKernel(inSize: width, outSize: outW)
        let ky = ResampleKernel(inSize: height, outSize: outH)
        let inW = width, inH = height, inPlane = planeSize
        var temp = [Float](repeating: 0, count: 3 * inH * outW)
        pixels.withUnsafeBufferPointer { src in
            temp.withUnsafeMutableBufferPointer { tmp in
                kx.start.withUnsafeBufferPointer { xs in
                    kx.weights.withUnsafeBufferPointer { xw in
                        let span = kx.span
                        Parallel.forRanges(3 * inH, minPerChunk: 32) { rows in
                            for r in rows {
                                let c = r / inH, y = r - c * inH
                                let row = src.baseAddress! + c * inPlane + y * inW
                                let out = tmp.baseAddress! + r * outW
                                for o in 0..<outW {
                                    let s0 = Int(xs[o]), n = min(span, inW - s0)
                                    var acc: Float = 0
                                    for k in 0..<n { acc += xw[o * span + k] * row[s0 + k] }
                                    out[o] = acc
                                }
                            }
                        }
                    }
                }
            }
        }
        let outPlane = outW * outH
        let out = [Float](unsafeUninitializedCapacity: 3 * outPlane) { buf, count in
            temp.withUnsafeBufferPointer { tmp in
                ky.start.withUnsafeBufferPointer { ys in
                    ky.weights.withUnsafeBufferPointer { yw in
                        let span = ky.span
                        Parallel.forRanges(3 * outH, minPerChunk: 32) { rows in
                            for r in rows {
                                let c = r / outH, o = r - c * outH
                                let s0 = Int(ys[o]), n = min(span, inH - s0)
                                let d = buf.baseAddress! + c * outPlane + o * outW
                                for x in 0..<outW { d[x] = 0 }
                                for k in 0..<n {
                                    let w = yw[o * span + k]
                                    if w == 0 { continue }
                                    let srcRow = tmp.baseAddress! + (c * inH + s0 + k) * outW
                                    for x in 0..<outW { d[x] += w * srcRow[x] }
                                }
                            }
                        }
                    }
                }
            }
            count = 3 * outPlane
        }
        return Image(width: outW, height: outH, pixels: out)
    }
}
