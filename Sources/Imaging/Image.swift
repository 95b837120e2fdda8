/// A decoded picture: planar float32 RGB (channel-major, then rows), values in
/// 0...255, `width` x `height` pixels. Always three channels: grayscale and
/// CMYK sources are converted to RGB at decode time.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public static let channels = 3
    /// `3 * height * width` values: all R, then all G, then all B.
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(width > 0 && height > 0, "image must be at least 1x1")
        precondition(pixels.count == 3 * width * height,
                     "pixel buffer holds \(pixels.count) values, expected \(3 * width * height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A uniformly filled image.
    public init(width: Int, height: Int, fill: (r: Float, g: Float, b: Float) = (0, 0, 0)) {
        precondition(width > 0 && height > 0, "image must be at least 1x1")
        var p = [Float](repeating: 0, count: 3 * width * height)
        let plane = width * height
        for i in 0..<plane { p[i] = fill.r; p[plane + i] = fill.g; p[2 * plane + i] = fill.b }
        self.init(width: width, height: height, pixels: p)
    }

    @inline(__always) public var planeSize: Int { width * height }

    /// Value of channel `c` at column `x`, row `y`.
    @inline(__always)
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[c * planeSize + y * width + x] }
        set { pixels[c * planeSize + y * width + x] = newValue }
    }
}
