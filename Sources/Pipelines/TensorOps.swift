import Foundation
import NeuralNet

/// The softmax of one row of `count` logits into `out`, shifted by the row's
/// maximum so that no exponential overflows. Shared by the two-stage box head
/// and R-CNN's fine-tuning classifier.
@inline(__always)
func softmax(_ row: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
    var m = -Float.infinity
    for c in 0..<count { m = max(m, row[c]) }
    var sum: Float = 0
    for c in 0..<count { out[c] = expf(row[c] - m); sum += out[c] }
    let inv = 1 / sum
    for c in 0..<count { out[c] *= inv }
}

/// Fills a layer's weights for training from scratch: Kaiming for convolutions
/// and hidden fully connected layers, small Gaussians for the output layers
/// (Fast R-CNN: 0.01 for classification, 0.001 for box regression), zero biases.
enum WeightInit {
    /// Convolutions keep the backward pass's variance (fan-out, torchvision's
    /// ResNet). Fully connected layers keep the forward pass's (fan-in): fc6
    /// reads channels × 7 × 7 = 12,544 values into 512, and a fan-out scale there
    /// multiplies the activations' variance by 2 · 12,544 / 512 ≈ 49 per layer,
    /// so a head trained from scratch starts with saturated logits and large
    /// gradients that flatten the backbone's features to the class prior.
    static func kaiming(_ p: Parameter, using rng: inout SeededGenerator) throws {
        p.value = try Initialisation.kaimingNormal(shape: p.value.shape, mode: p.value.rank == 2 ? .fanIn : .fanOut, using: &rng)
    }

    static func gaussian(_ p: Parameter, std: Float, using rng: inout SeededGenerator) {
        p.value = Initialisation.normal(shape: p.value.shape, std: std, using: &rng)
    }
}
