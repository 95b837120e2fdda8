import Boxes
import NeuralNet
import Parallelism

/// RoIAlign (Mask R-CNN, He et al. 2017): no quantisation of the RoI or its
/// bins; each bin averages `samplingRatio`² bilinearly interpolated samples
/// (adaptive ceil(bin size) per side when `samplingRatio` <= 0).
///
/// Coordinates: with `aligned` (the default) a feature cell's value sits at its
/// centre, so the continuous box edge x maps to x * scale - 0.5 in cell-centre
/// coordinates — the correct mapping for our continuous pixel boxes. Samples
/// farther than one cell outside the map contribute zero, as in the reference
/// implementations.
public final class RoIAlign {
    public let outputHeight: Int
    public let outputWidth: Int
    public let spatialScale: Float
    public let samplingRatio: Int
    public let aligned: Bool

    /// Per RoI and output cell: the sampled corner indices and bilinear weights
    /// (already divided by the sample count), reused by the backward pass.
    private var taps: [[Tap]] = []
    private var inputShape: [Int] = []

    struct Tap { var index: Int32; var weight: Float }

    public init(outputSize: Int = 7, spatialScale: Float, samplingRatio: Int = 2, aligned: Bool = true) {
        precondition(outputSize > 0 && spatialScale > 0)
        self.outputHeight = outputSize
        self.outputWidth = outputSize
        self.spatialScale = spatialScale
        self.samplingRatio = samplingRatio
        self.aligned = aligned
    }

    /// Bilinear taps of every output cell of one RoI, in cell order (py, px).
    func tapsFor(_ box: Box, height h: Int, width w: Int) -> [Tap] {
        let ph = outputHeight, pw = outputWidth
        let offset: Float = aligned ? 0.5 : 0
        let x0 = box.x1 * spatialScale - offset, y0 = box.y1 * spatialScale - offset
        var rw = (box.x2 - box.x1) * spatialScale, rh = (box.y2 - box.y1) * spatialScale
        if !aligned { rw = max(rw, 1); rh = max(rh, 1) }
        let binW = rw / Float(pw), binH = rh / Float(ph)
        let gridH = samplingRatio > 0 ? samplingRatio : max(1, Int(binH.rounded(.up)))
        let gridW = samplingRatio > 0 ? samplingRatio : max(1, Int(binW.rounded(.up)))
        let norm = 1 / Float(gridH * gridW)
        var out: [Tap] = []
        out.reserveCapacity(ph * pw * gridH * gridW * 4 + ph * pw)
        for py in 0..<ph {
            for px in 0..<pw {
                // A sentinel (index -1) separates output cells.
                for iy in 0..<gridH {
                    var y = y0 + Float(py) * binH + (Float(iy) + 0.5) * binH / Float(gridH)
                    for ix in 0..<gridW {
                        var x = x0 + Float(px) * binW + (Float(ix) + 0.5) * binW / Float(gridW)
                        if y < -1 || y > Float(h) || x < -1 || x > Float(w) { continue }
                        y = max(y, 0); x = max(x, 0)
                        var yl = Int(y), xl = Int(x)
                        var yh: Int, xh: Int
                        if yl >= h - 1 { yl = h - 1; yh = h - 1; y = Float(yl) } else { yh = yl + 1 }
                        if xl >= w - 1 { xl = w - 1; xh = w - 1; x = Float(xl) } else { xh = xl + 1 }
                        let ly = y - Float(yl), lx = x - Float(xl)
                        let hy = 1 - ly, hx = 1 - lx
                        out.append(Tap(index: Int32(yl * w + xl), weight: hy * hx * norm))
                        out.append(Tap(index: Int32(yl * w + xh), weight: hy * lx * norm))
                        out.append(Tap(index: Int32(yh * w + xl), weight: ly * hx * norm))
                        out.append(Tap(index: Int32(yh * w + xh), weight: ly * lx * norm))
                    }
                }
                out.append(Tap(index: -1, weight: 0))
            }
        }
        return out
    }

    /// - Parameters:
    ///   - features: [N, C, H, W]
    ///   - rois: boxes in input-image pixels with their batch index.
    /// - Returns: [R, C, outputHeight, outputWidth]
    public func forward(features: Tensor, rois: [RegionOfInterest]) throws -> Tensor {
        guard features.rank == 4 else {
            throw TensorError.shapeMismatch(operation: "RoIAlign", expected: [-1, -1, -1, -1], got: features.shape)
        }
        let (n, c, h, w) = (features.shape[0], features.shape[1], features.shape[2], features.shape[3])
        for roi in rois where roi.imageIndex < 0 || roi.imageIndex >= n {
            throw TensorError.invalid("RoIAlign: RoI refers to image \(roi.imageIndex) of a batch of \(n)")
        }
        let cells = outputHeight * outputWidth
        let r = rois.count
        inputShape = features.shape
        var allTaps = [[Tap]](repeating: [], count: r)
        allTaps.withUnsafeMutableBufferPointer { t in
            let tp = t.baseAddress!
            // Four taps per sample, at least one sample per cell.
            Parallel.forEach(r, costPerItem: 4 * cells) { k in
                tp[k] = tapsFor(rois[k].box, height: h, width: w)
            }
        }
        taps = allTaps
        let tapCount = allTaps.reduce(0) { $0 + $1.count }
        var output = Tensor(zeros: [r, c, outputHeight, outputWidth])
        features.withUnsafeBufferPointer { fin in
            output.withUnsafeMutableBufferPointer { out in
                let fp = fin.baseAddress!, op = out.baseAddress!
                // Every RoI applies its taps to every channel.
                Parallel.forEach(r, costPerItem: c * tapCount / max(1, r)) { k in
                    allTaps[k].withUnsafeBufferPointer { tk in
                        for ch in 0..<c {
                            let plane = fp + (rois[k].imageIndex * c + ch) * h * w
                            let o = op + (k * c + ch) * cells
                            var cell = 0, acc: Float = 0
                            for tap in tk {
                                if tap.index < 0 { o[cell] = acc; cell += 1; acc = 0 }
                                else { acc += tap.weight * plane[Int(tap.index)] }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Gradient w.r.t. the features of the last `forward`.
    public func backward(_ gradOutput: Tensor, rois: [RegionOfInterest]) throws -> Tensor {
        guard inputShape.count == 4, rois.count == taps.count else {
            throw TensorError.invalid("RoIAlign.backward called without a matching forward")
        }
        let c = inputShape[1], hw = inputShape[2] * inputShape[3]
        let cells = outputHeight * outputWidth
        try gradOutput.checkShape([rois.count, c, outputHeight, outputWidth], "RoIAlign.backward")
        var gradInput = Tensor(zeros: inputShape)
        let allTaps = taps
        let tapCount = allTaps.reduce(0) { $0 + $1.count }
        gradOutput.withUnsafeBufferPointer { g in
            gradInput.withUnsafeMutableBufferPointer { gi in
                let gp = g.baseAddress!, gip = gi.baseAddress!
                // Parallel over channels: no two iterations write the same plane.
                Parallel.forEach(c, costPerItem: tapCount) { ch in
                    for k in 0..<rois.count {
                        let plane = gip + (rois[k].imageIndex * c + ch) * hw
                        let go = gp + (k * c + ch) * cells
                        var cell = 0
                        for tap in allTaps[k] {
                            if tap.index < 0 { cell += 1 } else { plane[Int(tap.index)] += tap.weight * go[cell] }
                        }
                    }
                }
            }
        }
        return gradInput
    }
}
