import Boxes
import Imaging

/// Training-time augmentation of the R-CNN papers: horizontal flips, and
/// (Fast R-CNN's multi-scale training) a random shorter side per image.
public struct Augmentation: Sendable {
    public var horizontalFlip: Bool
    /// Inclusive range of the shorter side; nil keeps the pipeline's input size.
    public var shorterSides: ClosedRange<Int>?

    public init(horizontalFlip: Bool, shorterSides: ClosedRange<Int>?) {
        self.horizontalFlip = horizontalFlip
        self.shorterSides = shorterSides
    }

    /// The (possibly flipped) image, its boxes, whether it was flipped, and the shorter side to train at.
    public func apply(_ image: Image, boxes: [Box], using rng: inout SeededGenerator)
        -> (image: Image, boxes: [Box], flipped: Bool, shorterSide: Int?) {
        var image = image, boxes = boxes
        let flipped = horizontalFlip && rng.next(below: 2) == 1
        if flipped {
            image = image.applyingOrientation(2)
            let w = Float(image.width)
            boxes = boxes.map { $0.flippedHorizontally(imageWidth: w) }
        }
        var side: Int?
        if let r = shorterSides { side = r.lowerBound + rng.next(below: r.count) }
        return (image, boxes, flipped, side)
    }
}
