import Imaging

/// An image in one of selective search's colour spaces: `channels` planes of
/// `width * height` float32 values each, every channel scaled to 0...255 so that
/// the segmentation threshold `k` and the 25 histogram bins mean the same
/// thing in every colour space.
public struct ColorPlanes: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Planar values: all of channel 0, then channel 1, ...
    public var values: [Float]

    public init(width: Int, height: Int, channels: Int, values: [Float]) {
        precondition(width > 0 && height > 0 && channels > 0, "planes must be at least 1x1x1")
        precondition(values.count == width * height * channels,
                     "plane buffer holds \(values.count) values, expected \(width * height * channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.values = values
    }

    @inline(__always) public var planeSize: Int { width * height }

    /// Value of channel `c` at column `x`, row `y`.
    @inline(__always)
    public subscript(c: Int, y: Int, x: Int) -> Float {
        values[c * planeSize + y * width + x]
    }
}
