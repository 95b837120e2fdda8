import Foundation
import XCTest
@testable import Imaging

/// Paths the Imaging tests read: committed fixtures next to this file and the
/// shared BCCD dataset beside the package root.
enum TestPaths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsDir.deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) -> String {
        testsDir.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    static func bccdImage(_ index: Int) throws -> String {
        let p = packageRoot.appendingPathComponent("datasets/bccd/images")
            .appendingPathComponent(String(format: "BloodImage_%05d.jpg", index)).standardized.path
        guard FileManager.default.fileExists(atPath: p) else { throw NSError(domain: "BCCD dataset not found at \(p) (datasets/bccd belongs to the repository)", code: 1) }
        return p
    }

    static var bccdImagesDir: String {
        packageRoot.appendingPathComponent("datasets/bccd/images").standardized.path
    }

    /// A fresh temporary directory, removed when the test case finishes.
    static func tempDir(_ testCase: XCTestCase) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("imaging-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}

/// `jpeg` with an EXIF APP1 segment carrying `orientation` inserted right after SOI,
/// written byte by byte as the EXIF/TIFF specification lays it out.
func insertingOrientation(_ jpeg: Data, _ orientation: UInt16, littleEndian: Bool) -> Data {
    func u16(_ v: UInt16) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
    func u32(_ v: UInt32) -> [UInt8] {
        let b = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        return littleEndian ? b.reversed() : b
    }
    var tiff: [UInt8] = littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]
    tiff += u16(42) + u32(8)                       // magic, offset of IFD0
    tiff += u16(1)                                 // one entry
    tiff += u16(0x0112) + u16(3) + u32(1)          // Orientation, SHORT, count 1
    tiff += u16(orientation) + [0, 0]              // value, left-justified in 4 bytes
    tiff += u32(0)                                 // no next IFD
    let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    var out = Data(jpeg.prefix(2))
    out += [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    out += jpeg.dropFirst(2)
    return out
}

/// Peak signal-to-noise ratio in dB between two same-size images (0...255).
func psnr(_ a: Image, _ b: Image) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var se = 0.0
    for i in 0..<a.pixels.count { let d = Double(a.pixels[i] - b.pixels[i]); se += d * d }
    let mse = se / Double(a.pixels.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// A synthetic image whose pixel (c, y, x) is `f(c, x, y)`.
func makeImage(width: Int, height: Int, _ f: (Int, Int, Int) -> Float) -> Image {
    var img = Image(width: width, height: height)
    for c in 0..<3 { for y in 0..<height { for x in 0..<width { img[c, y, x] = f(c, x, y) } } }
    return img
}
