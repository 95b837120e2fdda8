import Foundation

/// Separable Gaussian filtering of planar float images, with edge pixels
/// repeated beyond the border. Used for the smoothing before graph
/// segmentation (σ = 0.8) and for the Gaussian derivatives of the texture
/// histograms (σ = 1).
enum GaussianFilter {
    /// Half-kernel of a normalised Gaussian, radius ceil(4σ) as in Felzenszwalb's code.
    static func kernel(sigma: Float) -> [Float] {
        let radius = max(1, Int((4 * sigma).rounded(.up)))
        var k = (0...radius).map { i -> Float in
            let t = Float(i) / sigma
            return expf(-0.5 * t * t)
        }
        let sum = k.dropFirst().reduce(0, +) * 2 + k[0]
        for i in k.indices { k[i] /= sum }
        return k
    }

    /// Derivative-of-Gaussian half-kernel: d[i] = -i/σ² g[i], with g normalised as above.
    /// The full kernel is antisymmetric: value at -i is -d[i].
    static func derivativeKernel(sigma: Float) -> [Float] {
        let g = kernel(sigma: sigma)
        return g.indices.map { i in -Float(i) / (sigma * sigma) * g[i] }
    }

    /// Convolves one plane along rows (x) with a symmetric (`odd == false`) or
    /// antisymmetric (`odd == true`) kernel given by its half `k` (k[0] is the centre).
    /// For the derivative kernel the result is d/dx: positive where values increase.
    static func convolveRows(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                             width: Int, height: Int, half k: UnsafeBufferPointer<Float>, odd: Bool) {
        let r = k.count - 1
        let sign: Float = odd ? -1 : 1
        // Convolution flips the kernel: tap +i meets f(x - i), so an odd kernel
        // contributes -k[i] * (f(x+i) - f(x-i)).
        let signed = k.indices.map { odd ? -k[$0] : k[$0] }
        signed.withUnsafeBufferPointer { kr in
            for y in 0..<height {
                let row = src + y * width
                let out = dst + y * width
                for x in 0..<width {
                    var acc = odd ? 0 : k[0] * row[x]
                    if x >= r && x + r < width {
                        for i in 1...r { acc += kr[i] * (row[x + i] + sign * row[x - i]) }
                    } else {
                        for i in 1...r {
                            acc += kr[i] * (row[min(width - 1, x + i)] + sign * row[max(0, x - i)])
                        }
                    }
                    out[x] = acc
                }
            }
        }
    }

    /// Convolves one plane along columns (y); see `convolveRows`.
    static func convolveColumns(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                width: Int, height: Int, half k: UnsafeBufferPointer<Float>, odd: Bool) {
        let r = k.count - 1
        let sign: Float = odd ? -1 : 1
        let k0: Float = odd ? 0 : k[0]
        for y in 0..<height {
            let out = dst + y * width
            let centre = src + y * width
            for x in 0..<width { out[x] = k0 * centre[x] }
            for i in 1...r {
                let down = src + min(height - 1, y + i) * width
                let up = src + max(0, y - i) * width
                let ki = odd ? -k[i] : k[i]
                for x in 0..<width { out[x] += ki * (down[x] + sign * up[x]) }
            }
        }
    }

    /// Gaussian smoothing of every plane of `planes`.
    static func smooth(_ planes: ColorPlanes, sigma: Float) -> ColorPlanes {
        let n = planes.planeSize
        let w = planes.width, h = planes.height
        var out = [Float](repeating: 0, count: planes.values.count)
        var tmp = [Float](repeating: 0, count: n)
        let k = kernel(sigma: sigma)
        k.withUnsafeBufferPointer { kb in
            planes.values.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    tmp.withUnsafeMutableBufferPointer { t in
                        for c in 0..<planes.channels {
                            convolveRows(src.baseAddress! + c * n, t.baseAddress!, width: w, height: h, half: kb, odd: false)
                            convolveColumns(t.baseAddress!, dst.baseAddress! + c * n, width: w, height: h, half: kb, odd: false)
                        }
                    }
                }
            }
        }
        return ColorPlanes(width: w, height: h, channels: planes.channels, values: out)
    }
}
