/// Conversions between `Image`'s planar float layout and the 8-bit interleaved
/// and single-channel layouts that codecs, fixtures and segmentation use.
extension Image {
    /// An image from interleaved 8-bit RGB (`r, g, b, r, g, b, ...`, rows top to bottom).
    public init(interleavedRGB bytes: [UInt8], width: Int, height: Int) {
        precondition(width > 0 && height > 0 && bytes.count == 3 * width * height,
                     "interleaved RGB buffer holds \(bytes.count) bytes, expected \(3 * width * height)")
        let map = OrientationMap(orientation: 1, storedWidth: width, storedHeight: height)
        self = bytes.withUnsafeBufferPointer { planarImage(from: $0.baseAddress!, channels: 3, map: map) }
    }

    /// An RGB image from one 8-bit gray plane, the value copied to all channels.
    public init(gray bytes: [UInt8], width: Int, height: Int) {
        precondition(width > 0 && height > 0 && bytes.count == width * height,
                     "gray buffer holds \(bytes.count) bytes, expected \(width * height)")
        let map = OrientationMap(orientation: 1, storedWidth: width, storedHeight: height)
        self = bytes.withUnsafeBufferPointer { planarImage(from: $0.baseAddress!, channels: 1, map: map) }
    }

    /// An RGB image from one float gray plane (0...255), copied to all channels.
    public init(gray values: [Float], width: Int, height: Int) {
        precondition(width > 0 && height > 0 && values.count == width * height,
                     "gray buffer holds \(values.count) values, expected \(width * height)")
        self.init(width: width, height: height, pixels: values + values + values)
    }

    /// Interleaved 8-bit RGB, each value clamped to 0...255 and rounded to nearest.
    public func interleavedRGB() -> [UInt8] {
        let plane = planeSize
        return [UInt8](unsafeUninitializedCapacity: 3 * plane) { out, count in
            pixels.withUnsafeBufferPointer { p in
                for i in 0..<plane {
                    out[3 * i] = Image.byte(p[i])
                    out[3 * i + 1] = Image.byte(p[plane + i])
                    out[3 * i + 2] = Image.byte(p[2 * plane + i])
                }
            }
            count = 3 * plane
        }
    }

    /// Luma (ITU-R BT.601 weights, as JPEG's YCbCr uses) as one float plane.
    public func grayscale() -> [Float] {
        let plane = planeSize
        return [Float](unsafeUninitializedCapacity: plane) { out, count in
            pixels.withUnsafeBufferPointer { p in
                for i in 0..<plane {
                    out[i] = 0.299 * p[i] + 0.587 * p[plane + i] + 0.114 * p[2 * plane + i]
                }
            }
            count = plane
        }
    }

    /// The same picture with every channel set to its luma (still three channels).
    public func toGrayRGB() -> Image {
        Image(gray: grayscale(), width: width, height: height)
    }

    @inline(__always)
    static func byte(_ v: Float) -> UInt8 {
        // NaN compares false both ways and lands on 0 rather than trapping.
        if !(v > 0) { return 0 }
        if v >= 255 { return 255 }
        return UInt8(v + 0.5)
    }
}
