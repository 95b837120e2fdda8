import Imaging
import NeuralNet

/// Turns a decoded image into the network input: resized so the shorter side is
/// `minSize` (the longer side capped at `maxSize`), then normalised per channel.
/// torchvision's GeneralizedRCNNTransform without batching: images are fed one
/// at a time, so no padding to a common size is needed.
public struct ImageTransform: Sendable, Equatable {
    public var minSize: Int
    public var maxSize: Int
    public var mean: [Float]
    public var std: [Float]

    public init(minSize: Int, maxSize: Int, mean: [Float], std: [Float]) {
        self.minSize = minSize
        self.maxSize = maxSize
        self.mean = mean
        self.std = std
    }

    public init(_ config: PipelineConfig.InputConfig) {
        self.init(minSize: config.minSize, maxSize: config.maxSize, mean: config.pixelMean, std: config.pixelStd)
    }

    /// Scale factor from the original image to the network input.
    public func scale(width: Int, height: Int, shorterSide: Int? = nil) -> Float {
        let target = Float(shorterSide ?? minSize)
        let s = target / Float(min(width, height))
        return min(s, Float(maxSize) / Float(max(width, height)))
    }

    /// The normalised `[1, 3, H, W]` input and the scale applied.
    public func apply(_ image: Image, shorterSide: Int? = nil) -> (input: Tensor, scale: Float) {
        let s = scale(width: image.width, height: image.height, shorterSide: shorterSide)
        let w = max(1, Int((Float(image.width) * s).rounded()))
        let h = max(1, Int((Float(image.height) * s).rounded()))
        let resized = (w == image.width && h == image.height) ? image : image.resized(width: w, height: h)
        return (normalise(resized), s)
    }

    /// Normalises an image already at the network's resolution.
    public func normalise(_ image: Image) -> Tensor {
        var t = Tensor(shape: [1, 3, image.height, image.width], data: image.pixels)
        let plane = image.width * image.height
        t.withUnsafeMutableBufferPointer { p in
            for c in 0..<3 {
                let m = mean[c], inv = 1 / std[c]
                let base = p.baseAddress! + c * plane
                for i in 0..<plane { base[i] = (base[i] - m) * inv }
            }
        }
        return t
    }
}
