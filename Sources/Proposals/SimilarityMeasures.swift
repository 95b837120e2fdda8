/// Which of the four similarities of Uijlings et al. (2013), section 3.1, are
/// summed to decide the next two regions to merge: colour and texture
/// (histogram intersection), size (prefer merging small regions first) and
/// fill (prefer pairs whose union fills its bounding box).
public struct SimilarityMeasures: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let colour = SimilarityMeasures(rawValue: 1)
    public static let texture = SimilarityMeasures(rawValue: 2)
    public static let size = SimilarityMeasures(rawValue: 4)
    public static let fill = SimilarityMeasures(rawValue: 8)

    /// C+T+S+F.
    public static let all: SimilarityMeasures = [.colour, .texture, .size, .fill]
    /// The four combinations of the quality mode: C+T+S+F, T+S+F, F, S.
    public static let qualitySets: [SimilarityMeasures] = [.all, [.texture, .size, .fill], .fill, .size]

    public var description: String {
        var parts: [String] = []
        if contains(.colour) { parts.append("C") }
        if contains(.texture) { parts.append("T") }
        if contains(.size) { parts.append("S") }
        if contains(.fill) { parts.append("F") }
        return parts.isEmpty ? "none" : parts.joined(separator: "+")
    }

    /// Histogram intersection: the sum over bins of the smaller value.
    @inline(__always)
    public static func intersection(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= count {
            s0 += min(a[i], b[i]); s1 += min(a[i + 1], b[i + 1])
            s2 += min(a[i + 2], b[i + 2]); s3 += min(a[i + 3], b[i + 3])
            i += 4
        }
        while i < count { s0 += min(a[i], b[i]); i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// s_size = 1 - (|a| + |b|) / |image|.
    @inline(__always)
    public static func size(_ sizeA: Float, _ sizeB: Float, imageSize: Float) -> Float {
        1 - (sizeA + sizeB) / imageSize
    }

    /// s_fill = 1 - (|BB(a ∪ b)| - |a| - |b|) / |image|, with BB the tight bounding box.
    @inline(__always)
    public static func fill(_ sizeA: Float, _ sizeB: Float, unionBoxArea: Float, imageSize: Float) -> Float {
        1 - (unionBoxArea - sizeA - sizeB) / imageSize
    }
}
