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
    /// There is no antialiasing: shrinking by more than 2x samples rather than
    /// averages, which is what the R-CNN papers' OpenCV/Caffe preprocessing
    /// did too; shrink in several halvings or decode with `minimumSize` when
    /// aliasing matters.
    public func resized(width outW: Int, height outH: Int) -> Image {
        precondition(outW > 0 && outH > 0, "resize target must be at least 1x1, got \(outW)x\(outH)")
        if outW == width && outH == height { return self }
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
                        parallelRanges(rows, minimumPerChunk: 32) { range in
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
