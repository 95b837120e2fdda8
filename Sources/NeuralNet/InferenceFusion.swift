/// Inference copies of trained networks. At inference batch normalisation is a
/// fixed per-channel affine map, so it folds into the convolution before it
/// (w' = w·s, b' = (b − μ)·s + β with s = γ/√(σ² + ε)), and a ReLU (or ReLU6) right after
/// becomes the convolution's epilogue. The copy computes the same function
/// (up to rounding) without the normalisation and activation passes, each of
/// which reads and writes a whole feature map. Copies cannot train: they share
/// no parameters with the original and fused convolutions have no backward.
public enum InferenceFusion {
    /// A fused copy of `layer`; layers it does not fuse are shared with it, names
    /// and all (fused convolutions are new and unnamed: copies are never saved).
    public static func fused(_ layer: any Layer) -> any Layer {
        if let sequential = layer as? Sequential { return fused(sequential) }
        if let frozen = layer as? Frozen { return fused(frozen.layer) }
        if let residual = layer as? Residual {
            // Children are the body, then the shortcut (when there is one) under its name.
            let shortcutName = residual.shortcut == nil ? "" : residual.children[1].name
            return Residual(sharing: fused(residual.body), shortcut: residual.shortcut.map(fused),
                            shortcutName: shortcutName, activation: residual.activation)
        }
        return layer
    }

    public static func fused(_ sequential: Sequential) -> Sequential {
        let children = sequential.children
        var out: [(name: String, layer: any Layer)] = []
        var i = 0
        while i < children.count {
            let (name, layer) = children[i]
            if let conv = layer as? Conv2d, i + 1 < children.count, let bn = children[i + 1].layer as? BatchNorm2d,
               bn.channels == conv.outChannels {
                let folded = fold(conv, bn)
                i += 2
                if i < children.count, let relu = children[i].layer as? ReLU {
                    folded.fusedReLU = true
                    folded.fusedReLUCap = relu.cap
                    i += 1
                }
                out.append((name, folded))
            } else {
                out.append((name, fused(layer)))
                i += 1
            }
        }
        // Layers that are not fused are shared with the original: their names stay.
        let copy = Sequential(sharing: out)
        copy.training = false
        return copy
    }

    /// `conv` followed by `bn` in inference mode, as one convolution with a bias.
    static func fold(_ conv: Conv2d, _ bn: BatchNorm2d) -> Conv2d {
        let out = Conv2d(conv.inChannels, conv.outChannels, kernel: conv.kernel, stride: conv.stride,
                         padding: conv.padding, dilation: conv.dilation, groups: conv.groups, bias: true)
        out.training = false
        let perChannel = conv.weight.value.count / conv.outChannels
        let gamma = bn.weight.value.data, beta = bn.bias.value.data
        let mean = bn.runningMean.value.data, variance = bn.runningVar.value.data
        let oldBias = conv.bias?.value.data ?? [Float](repeating: 0, count: conv.outChannels)
        var weights = conv.weight.value.data
        var bias = [Float](repeating: 0, count: conv.outChannels)
        for c in 0..<conv.outChannels {
            // Double keeps the fold exact to float rounding for tiny variances.
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(bn.eps)).squareRoot()
            for j in (c * perChannel)..<((c + 1) * perChannel) { weights[j] = Float(Double(weights[j]) * s) }
            bias[c] = Float((Double(oldBias[c]) - Double(mean[c])) * s + Double(beta[c]))
        }
        out.weight.value = Tensor(shape: conv.weight.value.shape, data: weights)
        out.bias!.value = Tensor(shape: [conv.outChannels], data: bias)
        return out
    }
}
