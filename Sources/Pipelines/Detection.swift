import Boxes

/// One detected object in original-image pixel coordinates. `label` indexes the
/// model's class list (0-based, background excluded).
public struct Detection: Sendable, Equatable, Codable {
    public var box: Box
    public var score: Float
    public var label: Int

    public init(box: Box, score: Float, label: Int) {
        self.box = box
        self.score = score
        self.label = label
    }
}
