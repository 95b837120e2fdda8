/// Whole-image geometric and value transforms used by training and inference:
/// the horizontal flip of the papers' augmentation, integer crops, and the
/// per-channel normalisation networks take.
extension Image {
    /// Mirrored left-right (a box maps to `(W - x2, y1, W - x1, y2)`).
    public func flippedHorizontally() -> Image {
        applyingOrientation(2)
    }

    /// The pixels in columns `x..<x+width`, rows `y..<y+height`, which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= width && y + h <= height,
                     "crop \(w)x\(h) at (\(x), \(y)) leaves the \(width)x\(height) image")
        let inW = width, inPlane = planeSize
        let out = [Float](unsafeUninitializedCapacity: 3 * w * h) { buf, count in
            pixels.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    for r in 0..<h {
                        let s = c * inPlane + (y + r) * inW + x
                        let d = (c * h + r) * w
                        for i in 0..<w { buf[d + i] = src[s + i] }
                    }
                }
            }
            count = 3 * w * h
        }
        return Image(width: w, height: h, pixels: out)
    }

    /// Planar CHW values `(v - subtract[c]) * multiply[c]`: a network input
    /// (for torchvision weights: subtract 255*mean, multiply 1/(255*std)).
    public func normalized(subtract: SIMD3<Float>, multiply: SIMD3<Float> = .one) -> [Float] {
        let plane = planeSize
        return [Float](unsafeUninitializedCapacity: 3 * plane) { buf, count in
            pixels.withUnsafeBufferPointer { src in
                for c in 0..<3 {
                    let s = subtract[c], m = multiply[c], base = c * plane
                    for i in base..<(base + plane) { buf[i] = (src[i] - s) * m }
                }
            }
            count = 3 * plane
        }
    }
}
