import Foundation

/// For every pixel of an image in one colour space, the histogram bin it falls
/// in for each colour channel (25 bins) and for each texture channel (10 bins of
/// each of 8 oriented Gaussian derivatives per colour channel). Computed once per
/// colour space and shared by every segmentation of it, so region histograms are
/// plain counts over labels.
public struct PixelBins: Sendable {
    public static let colourBins = 25
    public static let orientations = 8
    public static let textureBins = 10

    public let width: Int
    public let height: Int
    public let channels: Int
    /// Colour bin per channel, planar: `colour[c * planeSize + pixel]` in 0..<25.
    let colour: [UInt8]
    /// Texture bin per (channel, orientation), planar:
    /// `texture[(c * 8 + o) * planeSize + pixel]` in 0..<10.
    let texture: [UInt8]

    /// Length of a region's colour histogram: 25 bins per channel.
    public var colourDimensions: Int { channels * PixelBins.colourBins }
    /// Length of a region's texture histogram: 8 orientations x 10 bins per channel.
    public var textureDimensions: Int { channels * PixelBins.orientations * PixelBins.textureBins }

    /// The oriented response that reaches the last texture bin: 0.43 of the
    /// 0...255 channel range, the constant of the authors' release (their
    /// `maxVal = 0.43` on 0...1 images). A fixed scale keeps a region's texture
    /// histogram independent of the rest of the image: scaling by the image's
    /// largest response instead lets one strong edge squash every other pixel
    /// into the first bin.
    public static let defaultTextureRange: Float = 0.43 * 255

    /// `textureRange`: the response mapped to the last bin (larger ones saturate
    /// there); nil scales each channel by its own largest response.
    public init(_ planes: ColorPlanes, textureSigma: Float = 1, textureRange: Float? = PixelBins.defaultTextureRange) {
        width = planes.width
        height = planes.height
        channels = planes.channels
        colour = PixelBins.colourBins(planes)
        texture = PixelBins.textureBins(planes, sigma: textureSigma, range: textureRange)
    }

    static func colourBins(_ planes: ColorPlanes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: planes.values.count)
        let scale = Float(colourBins) / 256
        planes.values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<v.count {
                    let b = Int(max(0, v[i]) * scale)
                    o[i] = UInt8(min(colourBins - 1, b))
                }
            }
        }
        return out
    }

    /// Gaussian derivatives (σ = 1) in x and y steered to 8 orientations
    /// θ = 0°, 45°, ..., 315°; each oriented response is rectified (negative
    /// part dropped: the opposite orientation carries it) and quantised into 10
    /// bins centred on 0, range/9, ..., range (rounding, as the authors' code
    /// does), responses beyond `range` in the last bin. With `range` nil it is
    /// the channel's largest response.
    static func textureBins(_ planes: ColorPlanes, sigma: Float, range: Float?) -> [UInt8] {
        let n = planes.planeSize, w = planes.width, h = planes.height
        let o = orientations
        var out = [UInt8](repeating: 0, count: planes.channels * o * n)
        var gx = [Float](repeating: 0, count: n)
        var gy = [Float](repeating: 0, count: n)
        var tmp = [Float](repeating: 0, count: n)
        let g = GaussianFilter.kernel(sigma: sigma)
        let d = GaussianFilter.derivativeKernel(sigma: sigma)
        let cosines = (0..<o).map { Float(cos(Double($0) * .pi / 4)) }
        let sines = (0..<o).map { Float(sin(Double($0) * .pi / 4)) }
        g.withUnsafeBufferPointer { gk in
        d.withUnsafeBufferPointer { dk in
        planes.values.withUnsafeBufferPointer { vb in
        gx.withUnsafeMutableBufferPointer { gxb in
        gy.withUnsafeMutableBufferPointer { gyb in
        tmp.withUnsafeMutableBufferPointer { tb in
        out.withUnsafeMutableBufferPointer { ob in
            let px = gxb.baseAddress!, py = gyb.baseAddress!, t = tb.baseAddress!
            for c in 0..<planes.channels {
                let src = vb.baseAddress! + c * n
                GaussianFilter.convolveRows(src, t, width: w, height: h, half: dk, odd: true)
                GaussianFilter.convolveColumns(t, px, width: w, height: h, half: gk, odd: false)
                GaussianFilter.convolveRows(src, t, width: w, height: h, half: gk, odd: false)
                GaussianFilter.convolveColumns(t, py, width: w, height: h, half: dk, odd: true)
                var top: Float
                if let range { top = range } else {
                    // The largest oriented response over all 8 orientations.
                    top = 0
                    let c0 = cosines[0], s0 = sines[0], c1 = cosines[1], s1 = sines[1]
                    let c2 = cosines[2], s2 = sines[2], c3 = cosines[3], s3 = sines[3]
                    for i in 0..<n {
                        let x = px[i], y = py[i]
                        let m = max(max(abs(c0 * x + s0 * y), abs(c1 * x + s1 * y)),
                                    max(abs(c2 * x + s2 * y), abs(c3 * x + s3 * y)))
                        top = max(top, m)
                    }
                }
                guard top > 0 else { continue }   // flat channel: every bin 0
                let scale = Float(textureBins - 1) / top
                // Orientations k and k + 4 are opposite: a pixel's response is
                // positive in at most one of them, and the other gets bin 0.
                for k in 0..<(o / 2) {
                    let cs = cosines[k], sn = sines[k]
                    let forward = ob.baseAddress! + (c * o + k) * n
                    let backward = ob.baseAddress! + (c * o + k + o / 2) * n
                    for i in 0..<n {
                        let r = cs * px[i] + sn * py[i]
                        let bin = UInt8(min(textureBins - 1, Int(abs(r) * scale + 0.5)))
                        forward[i] = r > 0 ? bin : 0
                        backward[i] = r > 0 ? 0 : bin
                    }
                }
            }
        }}}}}}}
        return out
    }
}
