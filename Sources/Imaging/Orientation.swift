import Parallelism

/// EXIF orientation (tag 0x0112) as a linear index map: the stored pixel that
/// shows at displayed position (x, y) is `base + x * stepX + y * stepY`
/// (in pixels of the stored raster). Every one of the eight orientations is such
/// a map, so applying one is a single strided copy, fused into the decode.
struct OrientationMap {
    let width: Int    // displayed size
    let height: Int
    let base: Int
    let stepX: Int
    let stepY: Int

    /// `orientation` outside 1...8 is treated as 1 (EXIF says the value is
    /// reserved; camera firmware bugs are not worth failing a decode over).
    init(orientation: Int, storedWidth w: Int, storedHeight h: Int) {
        let o = (1...8).contains(orientation) ? orientation : 1
        let transposed = o >= 5
        width = transposed ? h : w
        height = transposed ? w : h
        let last = (h - 1) * w          // first pixel of the bottom stored row
        switch o {
        case 2: (base, stepX, stepY) = (w - 1, -1, w)                 // mirrored left-right
        case 3: (base, stepX, stepY) = (last + w - 1, -1, -w)         // rotated 180
        case 4: (base, stepX, stepY) = (last, 1, -w)                  // mirrored top-bottom
        case 5: (base, stepX, stepY) = (0, w, 1)                      // transposed
        case 6: (base, stepX, stepY) = (last, -w, 1)                  // needs 90 deg clockwise
        case 7: (base, stepX, stepY) = (last + w - 1, -w, -1)         // transversed
        case 8: (base, stepX, stepY) = (w - 1, w, -1)                 // needs 90 deg counter-clockwise
        default: (base, stepX, stepY) = (0, 1, w)
        }
    }
}

/// Builds a planar float image from 8-bit samples with `channels` 1 (gray,
/// replicated) or 3 (interleaved RGB), applying `map` on the way.
func planarImage(from src: UnsafePointer<UInt8>, channels: Int, map: OrientationMap) -> Image {
    let w = map.width, h = map.height, plane = w * h
    let pixels = [Float](unsafeUninitializedCapacity: 3 * plane) { buf, count in
        let dst = buf.baseAddress!
        Parallel.forRanges(h, minPerChunk: 16) { rows in
            for y in rows {
                var s = map.base + y * map.stepY
                let row = y * w
                if channels == 3 {
                    let step = 3 * map.stepX
                    var si = 3 * s
                    for x in 0..<w {
                        dst[row + x] = Float(src[si])
                        dst[plane + row + x] = Float(src[si + 1])
                        dst[2 * plane + row + x] = Float(src[si + 2])
                        si += step
                    }
                } else {
                    for x in 0..<w {
                        let v = Float(src[s])
                        dst[row + x] = v
                        dst[plane + row + x] = v
                        dst[2 * plane + row + x] = v
                        s += map.stepX
                    }
                }
            }
        }
        count = 3 * plane
    }
    return Image(width: w, height: h, pixels: pixels)
}

extension Image {
    /// The picture as it should be displayed when stored with EXIF `orientation`
    /// (1...8; other values leave it unchanged). Decoding applies this already;
    /// this is for pixels that came from elsewhere.
    public func applyingOrientation(_ orientation: Int) -> Image {
        let map = OrientationMap(orientation: orientation, storedWidth: width, storedHeight: height)
        if map.base == 0 && map.stepX == 1 && map.stepY == width { return self }
        let w = map.width, h = map.height, plane = w * h
        let out = [Float](unsafeUninitializedCapacity: 3 * plane) { buf, count in
            let dst = buf.baseAddress!
            pixels.withUnsafeBufferPointer { srcBuf in
                let src = srcBuf.baseAddress!
                for c in 0..<3 {
                    let s0 = src + c * plane, d0 = dst + c * plane
                    for y in 0..<h {
                        var s = map.base + y * map.stepY
                        for x in 0..<w { d0[y * w + x] = s0[s]; s += map.stepX }
                    }
                }
            }
            count = 3 * plane
        }
        return Image(width: w, height: h, pixels: out)
    }
}
