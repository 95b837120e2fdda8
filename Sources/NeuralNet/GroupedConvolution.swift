import Parallelism

/// Direct kernels for grouped convolutions (groups > 1), depthwise ones
/// (MobileNet's 3×3 per-channel filters) being the common case. A GEMM per
/// group would multiply a 1 × 9 matrix by a 9 × (Ho·Wo) one: im2col traffic
/// for almost no arithmetic. Here each output plane is accumulated from its
/// group's input planes one kernel tap at a time over whole output rows, so
/// the inner loop is a strided multiply-add the compiler vectorises.
///
/// Work is split by output plane (forward, weight gradient) or input plane
/// (input gradient), so concurrent tasks never write the same memory.
struct GroupedConvolution {
    let inChannels: Int, outChannels: Int, groups: Int
    let geometry: Im2col.Geometry
    let height: Int, width: Int, outHeight: Int, outWidth: Int

    var inPerGroup: Int { inChannels / groups }
    var outPerGroup: Int { outChannels / groups }
    var taps: Int { geometry.kh * geometry.kw }

    /// Output columns `ox` whose input column `ox·s − p + kx·d` lies in 0..<width.
    @inline(__always)
    func columns(kx: Int) -> Range<Int> {
        let g = geometry
        let shift = kx * g.dw - g.pw
        // ox·sw + shift ≥ 0  ⇔  ox ≥ ceil(−shift / sw)
        let lo = shift >= 0 ? 0 : (-shift + g.sw - 1) / g.sw
        // ox·sw + shift ≤ width − 1
        let top = width - 1 - shift
        let hi = top < 0 ? 0 : min(outWidth, top / g.sw + 1)
        return lo..<max(lo, hi)
    }

    /// y[b] = W ⊛ x[b] (+ the bias already in y when `accumulate`), for `batch` images.
    ///
    /// Each input plane is first copied into a zero-bordered buffer, so no tap
    /// needs bounds checks. At stride 1 the padded plane is then read as one
    /// long row: output (oy, ox) sits at oy·pitch + ox, and every tap is a
    /// shifted multiply-add over all rows at once. That keeps the vector loop
    /// long where a plane is only 3 or 6 pixels wide (R-CNN's warped regions at
    /// the network's end), at the cost of computing the pitch − Wo columns in
    /// between, which are dropped.
    func forward(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, batch: Int,
                 accumulate: Bool, into y: UnsafeMutablePointer<Float>) {
        let g = geometry, cinG = inPerGroup, coutG = outPerGroup, taps = self.taps
        let inPlane = height * width, outPlane = outHeight * outWidth
        let pitch = paddedPitch, paddedSize = (height + 2 * g.ph) * pitch
        let perItem = max(1, outPlane * cinG * taps + cinG * inPlane)
        Parallel.forRanges(batch * outChannels, minPerChunk: max(1, Parallel.serialWork / perItem)) { range in
            ScratchPool.shared.withBuffer(paddedSize + sweepLength) { padded in
                padded.update(repeating: 0, count: paddedSize)
                for item in range {
                    let b = item / outChannels, co = item % outChannels, group = co / coutG
                    let out = y + item * outPlane
                    if !accumulate { out.update(repeating: 0, count: outPlane) }
                    for ci in 0..<cinG {
                        let plane = x + (b * inChannels + group * cinG + ci) * inPlane
                        // Only the interior changes from plane to plane; the border stays zero.
                        for iy in 0..<height {
                            (padded + (iy + g.ph) * pitch + g.pw).update(from: plane + iy * width, count: width)
                        }
                        filter(padded, weights: weights + (co * cinG + ci) * taps, sweep: padded + paddedSize, into: out)
                    }
                }
            }
        }
    }

    /// Row pitch of a zero-bordered input plane.
    private var paddedPitch: Int { width + 2 * geometry.pw }

    /// Flat outputs of the stride-1 sweep, up to the last output of the last
    /// row (0 for other strides, which do not sweep).
    private var sweepLength: Int {
        let g = geometry
        return g.sh == 1 && g.sw == 1 ? (outHeight - 1) * paddedPitch + outWidth : 0
    }

    /// out += w ⊛ padded for one zero-bordered plane; `sweep` holds
    /// `sweepLength` floats of workspace.
    @inline(__always)
    private func filter(_ padded: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
                        sweep: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let g = geometry, pitch = paddedPitch, (oh, ow) = (outHeight, outWidth)
        let span = sweepLength
        if span > 0 {
            sweep.update(repeating: 0, count: span)
            for ky in 0..<g.kh {
                for kx in 0..<g.kw {
                    let wv = w[ky * g.kw + kx], src = padded + ky * g.dh * pitch + kx * g.dw
                    for j in 0..<span { sweep[j] += wv * src[j] }
                }
            }
            for oy in 0..<oh {
                let row = out + oy * ow, acc = sweep + oy * pitch
                for ox in 0..<ow { row[ox] += acc[ox] }
            }
            return
        }
        for oy in 0..<oh {
            let row = out + oy * ow
            for ky in 0..<g.kh {
                let src = padded + (oy * g.sh + ky * g.dh) * pitch
                for kx in 0..<g.kw {
                    let wv = w[ky * g.kw + kx], s = src + kx * g.dw
                    for ox in 0..<ow { row[ox] += wv * s[ox * g.sw] }
                }
            }
        }
    }

    /// dW += Σ_b dy[b] ⋆ x[b], one output channel per task.
    func weightGradient(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, batch: Int,
                        into dw: UnsafeMutablePointer<Float>) {
        let g = geometry, cinG = inPerGroup, coutG = outPerGroup, taps = self.taps
        let inPlane = height * width, outPlane = outHeight * outWidth
        let colRanges = (0..<g.kw).map { columns(kx: $0) }
        Parallel.forEach(outChannels, costPerItem: batch * outPlane * cinG * taps) { co in
            let group = co / coutG
            for ci in 0..<cinG {
                let w = dw + (co * cinG + ci) * taps
                for ky in 0..<g.kh {
                    for kx in 0..<g.kw {
                        let cols = colRanges[kx], shift = kx * g.dw - g.pw
                        var sum: Float = 0
                        for b in 0..<batch {
                            let plane = x + (b * inChannels + group * cinG + ci) * inPlane
                            let grad = dy + (b * outChannels + co) * outPlane
                            for oy in 0..<outHeight {
                                let iy = oy * g.sh - g.ph + ky * g.dh
                                guard iy >= 0 && iy < height else { continue }
                                let src = plane + iy * width, row = grad + oy * outWidth
                                var part: Float = 0
                                if g.sw == 1 {
                                    let s = src + shift
                                    for ox in cols { part += row[ox] * s[ox] }
                                } else {
                                    for ox in cols { part += row[ox] * src[ox * g.sw + shift] }
                                }
                                sum += part
                            }
                        }
                        w[ky * g.kw + kx] += sum
                    }
                }
            }
        }
    }

    /// dx[b] = Wᵀ ⊛ dy[b] (overwritten), one input plane per task.
    func inputGradient(_ dy: UnsafePointer<Float>, weights: UnsafePointer<Float>, batch: Int,
                       into dx: UnsafeMutablePointer<Float>) {
        let g = geometry, cinG = inPerGroup, coutG = outPerGroup, taps = self.taps
        let inPlane = height * width, outPlane = outHeight * outWidth
        let colRanges = (0..<g.kw).map { columns(kx: $0) }
        Parallel.forEach(batch * inChannels, costPerItem: outPlane * coutG * taps) { item in
            let b = item / inChannels, c = item % inChannels, group = c / cinG, ci = c % cinG
            let plane = dx + item * inPlane
            plane.update(repeating: 0, count: inPlane)
            for j in 0..<coutG {
                let co = group * coutG + j
                let grad = dy + (b * outChannels + co) * outPlane
                let w = weights + (co * cinG + ci) * taps
                for oy in 0..<outHeight {
                    let row = grad + oy * outWidth
                    for ky in 0..<g.kh {
                        let iy = oy * g.sh - g.ph + ky * g.dh
                        guard iy >= 0 && iy < height else { continue }
                        let dst = plane + iy * width
                        for kx in 0..<g.kw {
                            let wv = w[ky * g.kw + kx], cols = colRanges[kx]
                            let shift = kx * g.dw - g.pw
                            if g.sw == 1 {
                                let d = dst + shift
                                for ox in cols { d[ox] += wv * row[ox] }
                            } else {
                                for ox in cols { dst[ox * g.sw + shift] += wv * row[ox] }
                            }
                        }
                    }
                }
            }
        }
    }
}
