/// A partition of an image into regions: one label per pixel, dense in
/// 0..<regionCount, row-major.
public struct Segmentation: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let labels: [Int32]
    public let regionCount: Int

    public init(width: Int, height: Int, labels: [Int32], regionCount: Int) {
        precondition(labels.count == width * height, "one label per pixel")
        self.width = width
        self.height = height
        self.labels = labels
        self.regionCount = regionCount
    }

    /// Label of the pixel at column `x`, row `y`.
    @inline(__always) public subscript(y: Int, x: Int) -> Int32 { labels[y * width + x] }
}
