import Foundation
import XCTest
@testable import Proposals

final class PixelBinsTests: XCTestCase {
    /// On a horizontal ramp f(x, y) = 3 + a·x the Gaussian derivative (σ = 1,
    /// radius 4) in x is a·Σ 2i²g(i) / Σ g(i) ≈ 0.99993·a away from the border,
    /// and 0 in y. Oriented responses are cos θ times that: 0° and 45° positive,
    /// 135° negative (so 315° carries it), 90° zero. Bins are round(r · 9 / range),
    /// at most 9, with range = 0.43 · 255 as in the authors' release.
    func testTextureBinsOfARampAgainstHandComputedResponses() {
        var moment = 0.0, mass = 1.0
        for i in 1...4 {
            let g = exp(-Double(i * i) / 2)
            moment += 2 * Double(i * i) * g
            mass += 2 * g
        }
        let s = moment / mass
        XCTAssertEqual(s, 0.99993, accuracy: 1e-5)
        let width = 12, height = 9, range = Double(PixelBins.defaultTextureRange)
        XCTAssertEqual(range, 109.65, accuracy: 1e-4)
        // slope a -> expected bins at 0° and 45°, computed by hand from the formula above.
        for (slope, bin0, bin45) in [(20.0, 2, 1), (90.0, 7, 5), (200.0, 9, 9)] {
            let values = (0..<(width * height)).map { Float(3 + slope * Double($0 % width)) }
            let planes = ColorPlanes(width: width, height: height, channels: 1, values: values)
            let bins = PixelBins(planes)
            XCTAssertEqual(Int((slope * s * 9 / range + 0.5).rounded(.down)).clamped(9), bin0)
            XCTAssertEqual(Int((slope * s * 0.5.squareRoot() * 9 / range + 0.5).rounded(.down)).clamped(9), bin45)
            let n = width * height
            for y in 0..<height {
                for x in 4..<(width - 4) {
                    let p = y * width + x
                    let orientation = (0..<8).map { Int(bins.texture[$0 * n + p]) }
                    XCTAssertEqual(orientation, [bin0, bin45, 0, 0, 0, 0, 0, bin45], "slope \(slope) at (\(x), \(y))")
                }
            }
        }
        // Scaling by the image's own largest response instead puts the ramp's 0°
        // response (the largest) in the last bin whatever the slope.
        let values = (0..<(width * height)).map { Float(3 + 20 * ($0 % width)) }
        let relative = PixelBins(ColorPlanes(width: width, height: height, channels: 1, values: values), textureRange: nil)
        XCTAssertEqual(relative.texture[0 * width * height + 4 * width + 6], 9)
    }
}

private extension Int {
    func clamped(_ top: Int) -> Int { Swift.min(self, top) }
}
