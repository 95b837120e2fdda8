import NeuralNet

extension Tensor {
    /// Adds `other` element-wise (shapes must agree): joins the gradients of two
    /// branches that read the same tensor.
    mutating func add(_ other: Tensor) throws {
        guard other.shape == shape else {
            throw TensorError.shapeMismatch(operation: "gradient sum", expected: shape, got: other.shape)
        }
        withUnsafeMutableBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }
}

/// Fills a layer's weights for training from scratch: Kaiming for convolutions
/// and hidden fully connected layers, small Gaussians for the output layers
/// (Fast R-CNN: 0.01 for classification, 0.001 for box regression), zero biases.
enum WeightInit {
    static func kaiming(_ p: Parameter, using rng: inout SeededGenerator) throws {
        p.value = try Initialisation.kaimingNormal(shape: p.value.shape, mode: .fanOut, using: &rng)
    }

    static func gaussian(_ p: Parameter, std: Float, using rng: inout SeededGenerator) {
        p.value = Initialisation.normal(shape: p.value.shape, std: std, using: &rng)
    }
}
