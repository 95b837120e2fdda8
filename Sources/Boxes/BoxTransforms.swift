// Geometric helpers on boxes: clipping to an image, scaling with a resize,
// flipping for augmentation, and dropping boxes too small to be useful.
//
// With continuous x2-exclusive coordinates an image of width W spans [0, W], so
// clipping clamps to W (not W - 1) and a horizontal flip maps x to W - x exactly,
// without the ±1 that 1-based inclusive formats need.

extension Box {
    /// The box clamped to the image `[0, width] × [0, height]`. A box entirely
    /// outside becomes degenerate (zero width or height), never inverted.
    @inline(__always)
    public func clipped(width: Float, height: Float) -> Box {
        let cx1 = min(max(x1, 0), width), cx2 = min(max(x2, 0), width)
        let cy1 = min(max(y1, 0), height), cy2 = min(max(y2, 0), height)
        return Box(x1: cx1, y1: cy1, x2: max(cx1, cx2), y2: max(cy1, cy2))
    }

    /// Coordinates multiplied by per-axis factors, as when the image is resized
    /// by `sx` horizontally and `sy` vertically.
    @inline(__always)
    public func scaled(x sx: Float, y sy: Float) -> Box {
        Box(x1: x1 * sx, y1: y1 * sy, x2: x2 * sx, y2: y2 * sy)
    }

    /// Uniform scaling.
    @inline(__always)
    public func scaled(by s: Float) -> Box { scaled(x: s, y: s) }

    /// Shifted by `(dx, dy)`.
    @inline(__always)
    public func offset(dx: Float, dy: Float) -> Box {
        Box(x1: x1 + dx, y1: y1 + dy, x2: x2 + dx, y2: y2 + dy)
    }

    /// The box mirrored left-right inside an image of width `imageWidth`.
    /// Applying it twice gives the original box back.
    @inline(__always)
    public func flippedHorizontally(imageWidth: Float) -> Box {
        Box(x1: imageWidth - x2, y1: y1, x2: imageWidth - x1, y2: y2)
    }

    /// The box mirrored top-bottom inside an image of height `imageHeight`.
    @inline(__always)
    public func flippedVertically(imageHeight: Float) -> Box {
        Box(x1: x1, y1: imageHeight - y2, x2: x2, y2: imageHeight - y1)
    }
}

/// Clips every box in place to the image `[0, width] × [0, height]`.
public func clipBoxes(_ boxes: inout [Box], width: Float, height: Float) {
    boxes.withUnsafeMutableBufferPointer { bp in
        for i in bp.indices { bp[i] = bp[i].clipped(width: width, height: height) }
    }
}

/// Indices (ascending) of the boxes whose width and height are both at least
/// `minSize`; the others are considered too small to be objects.
public func removeSmallBoxes(_ boxes: [Box], minSize: Float) -> [Int] {
    var keep: [Int] = []
    keep.reserveCapacity(boxes.count)
    boxes.withUnsafeBufferPointer { bp in
        for i in bp.indices where bp[i].width >= minSize && bp[i].height >= minSize {
            keep.append(i)
        }
    }
    return keep
}
