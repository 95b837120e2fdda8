import Imaging

/// Area-averaging resize for shrinking images before selective search: each
/// output pixel is the mean of the input area it covers, so fine texture is
/// averaged rather than aliased.
enum Downscale {
    /// `image` shrunk so its longer side is at most `maxSide` (aspect kept), or
    /// `image` itself when it already fits.
    static func fitting(_ image: Image, maxSide: Int) -> Image {
        let longer = max(image.width, image.height)
        guard maxSide > 0, longer > maxSide else { return image }
        let scale = Double(maxSide) / Double(longer)
        let w = max(1, Int((Double(image.width) * scale).rounded()))
        let h = max(1, Int((Double(image.height) * scale).rounded()))
        return resize(image, width: w, height: h)
    }

    /// Per output index: the input indices it covers and their weights (summing to 1).
    static func taps(from source: Int, to target: Int) -> [(index: Int, weights: [Float])] {
        let ratio = Double(source) / Double(target)
        return (0..<target).map { o in
            let lo = Double(o) * ratio, hi = Double(o + 1) * ratio
            var weights: [Float] = []
            let first = Int(lo)
            var i = first
            while Double(i) < hi && i < source {
                let cover = min(hi, Double(i + 1)) - max(lo, Double(i))
                weights.append(Float(cover / ratio))
                i += 1
            }
            return (first, weights)
        }
    }

    static func resize(_ image: Image, width w: Int, height h: Int) -> Image {
        let sw = image.width, sh = image.height
        let xt = taps(from: sw, to: w), yt = taps(from: sh, to: h)
        var out = [Float](repeating: 0, count: 3 * w * h)
        var rows = [Float](repeating: 0, count: sh * w)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                rows.withUnsafeMutableBufferPointer { tmp in
                    for c in 0..<3 {
                        let plane = src.baseAddress! + c * sw * sh
                        for y in 0..<sh {
                            let row = plane + y * sw
                            for x in 0..<w {
                                let (first, weights) = xt[x]
                                var acc: Float = 0
                                for (j, wt) in weights.enumerated() { acc += wt * row[first + j] }
                                tmp[y * w + x] = acc
                            }
                        }
                        let outPlane = dst.baseAddress! + c * w * h
                        for y in 0..<h {
                            let (first, weights) = yt[y]
                            for x in 0..<w { outPlane[y * w + x] = 0 }
                            for (j, wt) in weights.enumerated() {
                                let line = tmp.baseAddress! + (first + j) * w
                                for x in 0..<w { outPlane[y * w + x] += wt * line[x] }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: w, height: h, pixels: out)
    }
}
