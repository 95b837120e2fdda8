/// An axis-aligned box in continuous pixel coordinates: 0-based, `x2`/`y2`
/// exclusive, float32. A box covering exactly pixel (0, 0) is (0, 0, 1, 1).
/// Conversions to 1-based inclusive or (x, y, w, h) forms happen only at a file
/// format's boundary.
public struct Box: Hashable, Codable, Sendable, CustomStringConvertible {
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    @inline(__always)
    public init(x1: Float, y1: Float, x2: Float, y2: Float) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    @inline(__always) public var width: Float { x2 - x1 }
    @inline(__always) public var height: Float { y2 - y1 }
    /// Zero for degenerate or inverted boxes.
    @inline(__always) public var area: Float { max(0, x2 - x1) * max(0, y2 - y1) }
    @inline(__always) public var centerX: Float { (x1 + x2) * 0.5 }
    @inline(__always) public var centerY: Float { (y1 + y2) * 0.5 }
    /// True when the box has no area (zero or negative width or height).
    @inline(__always) public var isDegenerate: Bool { !(x2 > x1) || !(y2 > y1) }

    public var description: String { "(\(x1), \(y1), \(x2), \(y2))" }
}
