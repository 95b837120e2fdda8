import CJPEGCodec
import Foundation
import InputFiles

/// JPEG decoding and encoding through libjpeg-turbo.
///
/// Decoding gives RGB whatever the file holds (grayscale is replicated, CMYK and
/// YCCK are converted with Adobe's inverted convention) and applies the EXIF
/// orientation, so the result has the size `JPEGHeader.read(path:)` reports and
/// that annotations refer to. A truncated stream is an error, not a grey-padded
/// picture.
public enum JPEG {
    /// Images whose header claims more pixels than this (after any DCT-domain
    /// reduction) are refused before decoding: well above any camera (200 MP).
    nonisolated(unsafe) public static var maximumPixels = 200_000_000

    /// Decodes the JPEG file at `path`.
    ///
    /// `minimumSize`, when given, lets libjpeg decode at 1/2, 1/4 or 1/8 scale in
    /// the DCT domain (several times faster on big photos): the smallest such
    /// scale whose (oriented) result is still at least that wide and high is used.
    /// Callers that then resize must take the scale from the returned size versus
    /// `JPEGHeader`, per axis: libjpeg rounds reduced sizes up.
    public static func decode(path: String, minimumSize: (width: Int, height: Int)? = nil) throws -> Image {
        try decode(data: try readFile(path), path: path, minimumSize: minimumSize)
    }

    /// The most bytes a JPEG file may hold: a 200 MP photo at top quality is
    /// well under this, and it bounds what a crafted file can make us read.
    public static let maximumFileBytes = 256 << 20

    /// The bytes of the JPEG file at `path`: a regular file (FIFOs and devices
    /// are refused unopened) of at most `maximumFileBytes`.
    public static func readFile(_ path: String) throws -> Data {
        try readInput(path, maximumBytes: maximumFileBytes)
    }

    /// `InputFile.read` with its errors as the `ImagingError` that callers of
    /// the image readers catch.
    static func readInput(_ path: String, maximumBytes: Int, prefix: Bool = false) throws -> Data {
        do { return try InputFile.read(path, maximumBytes: maximumBytes, prefix: prefix) } catch let error as InputFileError {
            throw ImagingError.unreadable(path: path, reason: error.reason)
        }
    }

    /// Decodes a JPEG stream held in memory; `path` only names it in errors.
    public static func decode(data: Data, path: String = "<memory>",
                              minimumSize: (width: Int, height: Int)? = nil) throws -> Image {
        // No minimum means full size: no reduced size can reach Int.max.
        try decode(data: data, path: path) { _ in minimumSize ?? (Int.max, Int.max) }
    }

    /// Decodes the file at `path` at the smallest 1/1, 1/2, 1/4 or 1/8 scale whose
    /// longer side is still at least `longerSideAtLeast`: the fast path for callers
    /// that downscale to a maximum side anyway (selective search at 500 px).
    public static func decode(path: String, longerSideAtLeast side: Int) throws -> Image {
        let data = try readFile(path)
        return try decode(data: data, path: path) { header in
            header.width >= header.height ? (side, 1) : (1, side)
        }
    }

    /// Shared decode: `minimum` gives, from the headers, the size the result must reach.
    static func decode(data: Data, path: String,
                       minimum: (JPEGHeader) -> (width: Int, height: Int)) throws -> Image {
        if data.isEmpty { throw ImagingError.corrupt(path: path, reason: "file is empty") }
        // The header reader gives the orientation and rejects non-JPEG bytes
        // before libjpeg sees them, with the same reading `JPEGHeader.read` uses.
        let header = try JPEGHeader.parse(data, path: path)
        let m = minimum(header)
        var denominator = 1
        for d in [8, 4, 2] {
            let w = (header.width + d - 1) / d, h = (header.height + d - 1) / d
            if w >= m.width && h >= m.height { denominator = d; break }
        }
        let (outW, outH) = ((header.width + denominator - 1) / denominator, (header.height + denominator - 1) / denominator)
        let (pixels, overflow) = outW.multipliedReportingOverflow(by: outH)
        if overflow || pixels > maximumPixels {
            throw ImagingError.tooLarge(path: path, width: header.width, height: header.height, limit: maximumPixels)
        }
        var decoded = cjpeg_decoded()
        var status = cjpeg_status()
        let rc = data.withUnsafeBytes { raw -> Int32 in
            cjpeg_decode(raw.bindMemory(to: UInt8.self).baseAddress, raw.count,
                         Int32(denominator), &decoded, &status)
        }
        guard rc == CJPEG_OK else {
            let message = withUnsafeBytes(of: status.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            switch Int(rc) {
            case Int(CJPEG_ERR_TRUNCATED): throw ImagingError.truncated(path: path, reason: message)
            default: throw ImagingError.corrupt(path: path, reason: message)
            }
        }
        defer { cjpeg_free(decoded.pixels) }
        let map = OrientationMap(orientation: header.orientation,
                                 storedWidth: Int(decoded.width), storedHeight: Int(decoded.height))
        return planarImage(from: decoded.pixels, channels: 3, map: map)
    }

    /// Encodes `image` (values clamped to 0...255 and rounded) as a baseline, or
    /// with `progressive` a progressive, JPEG of the given quality (1...100);
    /// with `grayscale` a one-component JPEG of the image's luma.
    public static func encode(_ image: Image, quality: Int = 90, progressive: Bool = false,
                              grayscale: Bool = false) throws -> Data {
        guard (1...100).contains(quality) else {
            throw ImagingError.invalidArgument("JPEG quality \(quality) is outside 1...100")
        }
        let samples: [UInt8] = grayscale
            ? image.grayscale().map { UInt8(max(0, min(255, $0.rounded()))) }
            : image.interleavedRGB()
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var status = cjpeg_status()
        let rc = samples.withUnsafeBufferPointer {
            cjpeg_encode($0.baseAddress, Int32(image.width), Int32(image.height), grayscale ? 1 : 3,
                         Int32(quality), progressive ? 1 : 0, &out, &size, &status)
        }
        guard rc == CJPEG_OK, let bytes = out else {
            let message = withUnsafeBytes(of: status.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw ImagingError.invalidArgument("JPEG encoder failed: \(message)")
        }
        defer { cjpeg_free(bytes) }
        return Data(bytes: bytes, count: size)
    }

    /// Encodes `image` and writes it to `path` atomically.
    public static func write(_ image: Image, to path: String, quality: Int = 90, progressive: Bool = false,
                             grayscale: Bool = false) throws {
        let data = try encode(image, quality: quality, progressive: progressive, grayscale: grayscale)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImagingError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}
