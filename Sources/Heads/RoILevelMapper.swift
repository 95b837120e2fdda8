import Foundation
import Boxes
import NeuralNet

/// Which pyramid level a RoI is pooled from: the FPN paper's equation 1,
/// k = ⌊k₀ + log₂(√(wh) / 224)⌋ clamped to the pyramid, where level k has
/// stride 2^k. A RoI of ImageNet's canonical size (224 pixels) goes to level
/// k₀ (4: stride 16, where a single-map detector pools); each halving of its
/// size moves it one level finer. A tiny ε before the floor lets a RoI of
/// exactly 112 or 448 pixels land on its level despite rounding
/// (torchvision's `LevelMapper` adds 1e-6 as well).
public struct RoILevelMapper: Sendable, Equatable {
    public var canonicalSize: Float
    public var canonicalLevel: Int
    public var minLevel: Int
    public var maxLevel: Int

    public init(canonicalSize: Float = 224, canonicalLevel: Int = 4, minLevel: Int, maxLevel: Int) throws {
        guard canonicalSize > 0, canonicalSize.isFinite, minLevel <= maxLevel, minLevel >= 0, maxLevel < 31 else {
            throw TensorError.invalid("RoILevelMapper: canonical size \(canonicalSize), levels \(minLevel)...\(maxLevel)")
        }
        (self.canonicalSize, self.canonicalLevel, self.minLevel, self.maxLevel) = (canonicalSize, canonicalLevel, minLevel, maxLevel)
    }

    /// The level (minLevel...maxLevel) of a RoI in input pixels; an empty or
    /// non-finite box goes to the finest.
    public func level(of box: Box) -> Int {
        let size = (max(0, box.width) * max(0, box.height)).squareRoot()
        let k = (Float(canonicalLevel) + log2f(size / canonicalSize) + 1e-6).rounded(.down)
        guard k.isFinite else { return minLevel }
        return Int(min(max(k, Float(minLevel)), Float(maxLevel)))
    }
}
