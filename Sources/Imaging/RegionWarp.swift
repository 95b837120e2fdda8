import Parallelism

/// A box's corners in continuous pixel coordinates, 0-based, x2/y2 exclusive
/// (the toolkit's `Box` convention). Imaging does not depend on `Boxes`, so the
/// warp takes the four numbers; `Box` converts with `(b.x1, b.y1, b.x2, b.y2)`.
public typealias BoxCorners = (x1: Float, y1: Float, x2: Float, y2: Float)

/// R-CNN's region warp (Girshick et al. 2014, appendix A, "warp" with context
/// padding p): the box is enlarged so that, once the enlarged region is
/// stretched anisotropically to `size` x `size`, the original box fills the
/// central `(size - 2p)` square and `p` output pixels of surrounding image
/// context lie on every side. Where the enlarged region leaves the image the
/// output is `fill` (the image mean, which becomes 0 after mean subtraction).
///
/// Sampling is bilinear and direct: output pixel centre `(u + 0.5, v + 0.5)`
/// maps to source point `x1 + (u + 0.5 - p) * w / (size - 2p)` (same for y),
/// with no intermediate crop. The original implementation cropped the clipped
/// region to integer pixels and resized that with the mean around it; sampling
/// continuously gives the same geometry without the rounding. No antialiasing:
/// a large box shrunk to 227 px is sampled, as Caffe's warp did.
public struct RegionWarp: Sendable {
    /// Output side S (227 for AlexNet in R-CNN).
    public let size: Int
    /// Context padding p in output pixels (16 in R-CNN).
    public let padding: Int
    /// Value per channel (R, G, B) written where the region leaves the image.
    public let fill: SIMD3<Float>

    public init(size: Int = 227, padding: Int = 16, fill: SIMD3<Float>) {
        precondition(size > 0 && padding >= 0 && size - 2 * padding > 0,
                     "warp size \(size) leaves no room inside padding \(padding)")
        self.size = size
        self.padding = padding
        self.fill = fill
    }

    /// The source rectangle that maps onto the whole `size` x `size` output:
    /// the box dilated by `padding` output pixels worth of context.
    public func contextRegion(of box: BoxCorners) -> BoxCorners {
        let inner = Float(size - 2 * padding), p = Float(padding)
        let dx = p * (box.x2 - box.x1) / inner, dy = p * (box.y2 - box.y1) / inner
        return (box.x1 - dx, box.y1 - dy, box.x2 + dx, box.y2 + dy)
    }

    /// One warped region as an image.
    public func warp(_ image: Image, box: BoxCorners) -> Image {
        var out = [Float](repeating: 0, count: 3 * size * size)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                warpOne(src.baseAddress!, width: image.width, height: image.height, box: box,
                        into: dst.baseAddress!, subtract: .zero, multiply: .one)
            }
        }
        return Image(width: size, height: size, pixels: out)
    }

    /// Warps many regions into one contiguous `[N, 3, size, size]` buffer
    /// (the CNN's input batch), in parallel over regions. Each written value is
    /// `(sample - subtract) * multiply` per channel, so mean subtraction and
    /// scaling cost no extra pass; pixels outside the image are `fill` before
    /// that normalisation.
    public func warp(_ image: Image, boxes: [BoxCorners],
                     subtract: SIMD3<Float> = .zero, multiply: SIMD3<Float> = .one) -> [Float] {
        let per = 3 * size * size
        return [Float](unsafeUninitializedCapacity: boxes.count * per) { buf, count in
            warp(image, boxes: boxes, into: UnsafeMutableBufferPointer(rebasing: buf[...]),
                 subtract: subtract, multiply: multiply)
            count = boxes.count * per
        }
    }

    /// As `warp(_:boxes:subtract:multiply:)`, writing into caller-owned memory
    /// of at least `boxes.count * 3 * size * size` floats (a tensor's storage).
    public func warp(_ image: Image, boxes: [BoxCorners], into out: UnsafeMutableBufferPointer<Float>,
                     subtract: SIMD3<Float> = .zero, multiply: SIMD3<Float> = .one) {
        let per = 3 * size * size
        precondition(out.count >= boxes.count * per,
                     "warp output holds \(out.count) floats, \(boxes.count) regions need \(boxes.count * per)")
        guard !boxes.isEmpty else { return }
        let dst = out.baseAddress!
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { srcBuf in
            let src = srcBuf.baseAddress!
            boxes.withUnsafeBufferPointer { bx in
                Parallel.forRanges(bx.count, minPerChunk: 1) { range in
                    for i in range {
                        warpOne(src, width: w, height: h, box: bx[i], into: dst + i * per,
                                subtract: subtract, multiply: multiply)
                    }
                }
            }
        }
    }

    /// Samples one region into `dst` (3 planes of size x size).
    private func warpOne(_ src: UnsafePointer<Float>, width: Int, height: Int, box: BoxCorners,
                         into dst: UnsafeMutablePointer<Float>,
                         subtract: SIMD3<Float>, multiply: SIMD3<Float>) {
        let s = size
        let inner = Float(s - 2 * padding), p = Float(padding)
        let sx = (box.x2 - box.x1) / inner, sy = (box.y2 - box.y1) / inner
        withUnsafeTemporaryAllocation(of: BilinearTap.self, capacity: 2 * s) { taps in
            // A tap with i0 < 0 marks a sample outside the image.
            func axis(_ t: UnsafeMutableBufferPointer<BilinearTap>, start: Float, step: Float, extent: Int) {
                let last = Float(extent - 1)
                for o in 0..<s {
                    let x = start + (Float(o) + 0.5 - p) * step
                    guard x >= 0, x < Float(extent) else {
                        t[o] = BilinearTap(i0: -1, i1: -1, w1: 0); continue
                    }
                    let idx = min(max(x - 0.5, 0), last)
                    let i0 = Int(idx)
                    t[o] = BilinearTap(i0: Int32(i0), i1: Int32(min(i0 + 1, extent - 1)), w1: idx - Float(i0))
                }
            }
            let xt = UnsafeMutableBufferPointer(rebasing: taps[0..<s])
            let yt = UnsafeMutableBufferPointer(rebasing: taps[s..<(2 * s)])
            axis(xt, start: box.x1, step: sx, extent: width)
            axis(yt, start: box.y1, step: sy, extent: height)
            // The source coordinate is monotonic in u, so the samples inside the
            // image form one run [lo, hi): fill around it, interpolate within.
            var lo = 0
            while lo < s && xt[lo].i0 < 0 { lo += 1 }
            var hi = lo
            while hi < s && xt[hi].i0 >= 0 { hi += 1 }
            let plane = width * height
            for c in 0..<3 {
                let outside = (fill[c] - subtract[c]) * multiply[c]
                let sub = subtract[c], mul = multiply[c]
                let cs = src + c * plane
                let cd = dst + c * s * s
                for v in 0..<s {
                    let ty = yt[v]
                    let d = cd + v * s
                    if ty.i0 < 0 {
                        for u in 0..<s { d[u] = outside }
                        continue
                    }
                    let row0 = cs + Int(ty.i0) * width, row1 = cs + Int(ty.i1) * width
                    let wy = ty.w1
                    for u in 0..<lo { d[u] = outside }
                    for u in hi..<s { d[u] = outside }
                    for u in lo..<hi {
                        let tx = xt[u]
                        let a = row0[Int(tx.i0)] + tx.w1 * (row0[Int(tx.i1)] - row0[Int(tx.i0)])
                        let b = row1[Int(tx.i0)] + tx.w1 * (row1[Int(tx.i1)] - row1[Int(tx.i0)])
                        d[u] = (a + wy * (b - a) - sub) * mul
                    }
                }
            }
        }
    }
}
