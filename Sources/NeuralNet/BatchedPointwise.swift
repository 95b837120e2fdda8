import Parallelism

/// A 1×1 convolution (groups 1) over a batch of small planes as one matrix
/// product for the whole batch. Per image, the product's long side is the plane:
/// R-CNN's 96-pixel warps end in 3 × 3 maps, so MobileNetV2's last layers
/// would be 64 products of 960 × 160 weights by 160 × 9 columns, each paying
/// for packing the weights again. Here the batch is laid out channel-major
/// (`[C, N·P]`) once, multiplied once, and laid back out; the two copies are
/// one pass over the activations against Cin multiply-adds per element.
struct BatchedPointwise {
    let inChannels: Int, outChannels: Int, batch: Int, plane: Int

    /// Planes at least this large already make a well-shaped product per image.
    static let largestPlane = 1024

    /// Whether the batched product pays for its copies.
    static func applies(batch: Int, plane: Int) -> Bool {
        batch > 1 && plane < largestPlane
    }

    /// `[N, C, P]` → `[C, N·P]`.
    private func channelMajor(_ x: UnsafePointer<Float>, channels: Int, into out: UnsafeMutablePointer<Float>) {
        let (n, p) = (batch, plane)
        Parallel.forEach(channels, costPerItem: n * p) { c in
            let row = out + c * n * p
            for b in 0..<n { (row + b * p).update(from: x + (b * channels + c) * p, count: p) }
        }
    }

    /// `[C, N·P]` → `[N, C, P]`, added to what is there when `accumulate`.
    private func batchMajor(_ x: UnsafePointer<Float>, channels: Int, accumulate: Bool, into out: UnsafeMutablePointer<Float>) {
        let (n, p) = (batch, plane)
        Parallel.forEach(channels, costPerItem: n * p) { c in
            let row = x + c * n * p
            for b in 0..<n {
                let dst = out + (b * channels + c) * p, src = row + b * p
                if accumulate {
                    for i in 0..<p { dst[i] += src[i] }
                } else {
                    dst.update(from: src, count: p)
                }
            }
        }
    }

    /// y = W x (+ what y holds, the bias, when `accumulate`); W is `[Cout, Cin]`.
    func forward(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>, accumulate: Bool,
                 into y: UnsafeMutablePointer<Float>) {
        let columns = batch * plane
        ScratchPool.shared.withBuffer((inChannels + outChannels) * columns) { scratch in
            let xc = scratch, yc = scratch + inChannels * columns
            channelMajor(x, channels: inChannels, into: xc)
            BLAS.sgemm(m: outChannels, n: columns, k: inChannels, a: weights, lda: inChannels,
                       b: xc, ldb: columns, beta: 0, c: yc, ldc: columns)
            batchMajor(yc, channels: outChannels, accumulate: accumulate, into: y)
        }
    }

    /// dW += dy xᵀ over the whole batch (when `dw` is given) and dx = Wᵀ dy
    /// (overwritten, when `dx` is given).
    func backward(_ x: UnsafePointer<Float>, gradOutput dy: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                  weightGradient dw: UnsafeMutablePointer<Float>?, inputGradient dx: UnsafeMutablePointer<Float>?) {
        let columns = batch * plane
        ScratchPool.shared.withBuffer((inChannels + outChannels) * columns) { scratch in
            let xc = scratch, dyc = scratch + inChannels * columns
            channelMajor(dy, channels: outChannels, into: dyc)
            if let dw {
                channelMajor(x, channels: inChannels, into: xc)
                BLAS.sgemm(transB: true, m: outChannels, n: inChannels, k: columns, a: dyc, lda: columns,
                           b: xc, ldb: columns, beta: 1, c: dw, ldc: inChannels)
            }
            if let dx {
                // xc is free again: it receives the input gradient, channel-major.
                BLAS.sgemm(transA: true, m: inChannels, n: columns, k: outChannels, a: weights, lda: inChannels,
                           b: dyc, ldb: columns, beta: 0, c: xc, ldc: columns)
                batchMajor(xc, channels: inChannels, accumulate: false, into: dx)
            }
        }
    }
}
