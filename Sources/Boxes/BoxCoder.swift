import Foundation

/// Encodes a target box relative to a reference box (an anchor or a proposal)
/// as the deltas `(dx, dy, dw, dh)` of R-CNN, and decodes deltas back to boxes:
///
///     dx = wx · (gx − rx) / rw      dw = ww · log(gw / rw)
///     dy = wy · (gy − ry) / rh      dh = wh · log(gh / rh)
///
/// where `(rx, ry)` / `(gx, gy)` are centres and `rw`, `rh`, `gw`, `gh` sizes.
///
/// Width convention: our boxes are continuous with x2 exclusive, so the width is
/// `x2 − x1` and the centre `x1 + w/2`, with no `+1` (py-faster-rcnn's `+1`
/// belongs to its 1-based inclusive pixels; torchvision dropped it too).
///
/// Weights: the region proposal network uses (1, 1, 1, 1) (torchvision's RPN).
/// The Fast R-CNN head normalises its targets by the standard deviations
/// (0.1, 0.1, 0.2, 0.2), which is the same as weights 1/std = (10, 10, 5, 5)
/// (torchvision's RoIHeads). When decoding, dw and dh are clamped at
/// log(1000/16) so that one wild prediction cannot overflow `exp` to infinity.
public struct BoxCoder: Sendable, Equatable {
    public var weights: (x: Float, y: Float, w: Float, h: Float)
    /// Upper bound on dw and dh (after dividing by the weights) when decoding.
    public var scaleClamp: Float

    public static let defaultScaleClamp = Float(log(1000.0 / 16.0))
    // No presets: each stage's weights come from its pipeline file
    // (rpn.box_coder_weights, box_head.box_coder_weights), the one source of defaults.

    public init(weights: (x: Float, y: Float, w: Float, h: Float) = (1, 1, 1, 1),
                scaleClamp: Float = BoxCoder.defaultScaleClamp) {
        self.weights = weights
        self.scaleClamp = scaleClamp
    }

    public static func == (a: BoxCoder, b: BoxCoder) -> Bool {
        a.weights == b.weights && a.scaleClamp == b.scaleClamp
    }

    /// Deltas that move `reference` onto `target`. The reference box must have a
    /// positive width and height (callers remove degenerate proposals first);
    /// the target must too, or dw/dh is −infinity.
    @inline(__always)
    public func encode(_ target: Box, relativeTo reference: Box) -> SIMD4<Float> {
        let rw = reference.x2 - reference.x1, rh = reference.y2 - reference.y1
        let rx = reference.x1 + 0.5 * rw, ry = reference.y1 + 0.5 * rh
        let gw = target.x2 - target.x1, gh = target.y2 - target.y1
        let gx = target.x1 + 0.5 * gw, gy = target.y1 + 0.5 * gh
        return SIMD4(weights.x * (gx - rx) / rw,
                     weights.y * (gy - ry) / rh,
                     weights.w * Foundation.log(gw / rw),
                     weights.h * Foundation.log(gh / rh))
    }

    /// The box obtained by applying `deltas` to `reference`.
    @inline(__always)
    public func decode(_ deltas: SIMD4<Float>, relativeTo reference: Box) -> Box {
        let rw = reference.x2 - reference.x1, rh = reference.y2 - reference.y1
        let rx = reference.x1 + 0.5 * rw, ry = reference.y1 + 0.5 * rh
        let dx = deltas[0] / weights.x, dy = deltas[1] / weights.y
        // `min` would pass a NaN through unchanged either way; the clamp only
        // guards against overflow from large finite predictions.
        let dw = min(deltas[2] / weights.w, scaleClamp)
        let dh = min(deltas[3] / weights.h, scaleClamp)
        let cx = dx * rw + rx, cy = dy * rh + ry
        let w = expf(dw) * rw, h = expf(dh) * rh
        return Box(x1: cx - 0.5 * w, y1: cy - 0.5 * h, x2: cx + 0.5 * w, y2: cy + 0.5 * h)
    }

    /// Encodes `targets[i]` relative to `references[i]` for every i, as a flat
    /// `[count × 4]` array in (dx, dy, dw, dh) order — the layout of a box
    /// regression layer's output.
    public func encode(_ targets: [Box], relativeTo references: [Box]) -> [Float] {
        precondition(targets.count == references.count,
                     "BoxCoder.encode: \(targets.count) targets but \(references.count) references")
        var out = [Float](repeating: 0, count: targets.count * 4)
        targets.withUnsafeBufferPointer { tp in
        references.withUnsafeBufferPointer { rp in
        out.withUnsafeMutableBufferPointer { op in
            for i in tp.indices {
                let d = encode(tp[i], relativeTo: rp[i])
                op[4 * i] = d[0]; op[4 * i + 1] = d[1]; op[4 * i + 2] = d[2]; op[4 * i + 3] = d[3]
            }
        }}}
        return out
    }

    /// Decodes a flat `[count × 4]` delta array against `references`.
    public func decode(_ deltas: [Float], relativeTo references: [Box]) -> [Box] {
        precondition(deltas.count == references.count * 4,
                     "BoxCoder.decode: \(deltas.count) deltas for \(references.count) references")
        return deltas.withUnsafeBufferPointer { decode($0, relativeTo: references) }
    }

    /// Pointer form of `decode(_:relativeTo:)` for callers that hold a tensor's
    /// storage; `deltas` must hold `references.count × 4` values.
    public func decode(_ deltas: UnsafeBufferPointer<Float>, relativeTo references: [Box]) -> [Box] {
        precondition(deltas.count == references.count * 4,
                     "BoxCoder.decode: \(deltas.count) deltas for \(references.count) references")
        return references.withUnsafeBufferPointer { rp in
            [Box](unsafeUninitializedCapacity: rp.count) { out, initialised in
                for i in rp.indices {
                    let d = SIMD4(deltas[4 * i], deltas[4 * i + 1], deltas[4 * i + 2], deltas[4 * i + 3])
                    (out.baseAddress! + i).initialize(to: decode(d, relativeTo: rp[i]))
                }
                initialised = rp.count
            }
        }
    }
}
