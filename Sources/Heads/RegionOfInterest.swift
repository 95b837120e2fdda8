import Boxes

/// A region of interest: a box in input-image pixel coordinates on one image
/// of a feature batch. RoI pooling maps it onto the feature map with the
/// layer's spatial scale (1 / backbone stride).
public struct RegionOfInterest: Sendable, Equatable {
    /// Index of the image in the feature batch (N of NCHW).
    public var imageIndex: Int
    public var box: Box

    public init(imageIndex: Int = 0, box: Box) {
        self.imageIndex = imageIndex
        self.box = box
    }
}
