import Foundation

/// What a JPEG's headers say, read without decoding any pixels: the stored size,
/// the EXIF orientation, and the size the picture has once that orientation is
/// applied (which is the size every box in the toolkit refers to).
public struct JPEGHeader: Sendable, Equatable {
    /// Size as stored in the frame header (SOF), before EXIF orientation.
    public let storedWidth: Int
    public let storedHeight: Int
    /// EXIF orientation 1...8; 1 when absent or invalid.
    public let orientation: Int
    /// Number of colour components in the frame (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK).
    public let components: Int
    public let progressive: Bool

    /// Orientations 5-8 transpose the picture.
    public var width: Int { orientation >= 5 ? storedHeight : storedWidth }
    public var height: Int { orientation >= 5 ? storedWidth : storedHeight }

    /// Headers are looked for in at most this many leading bytes: EXIF, XMP
    /// and ICC segments of real photos fit many times over, and a file that
    /// never reaches a frame header (16 GiB of zeros after FF D8 FF) is not read on.
    public static let maximumHeaderBytes = 16 << 20

    /// Reads the headers of the JPEG file at `path`, from a bounded prefix.
    public static func read(path: String) throws -> JPEGHeader {
        // Most headers end within 64 KiB; a longer prefix is read only when the
        // frame header has not come yet, growing fourfold up to the bound.
        var limit = 1 << 16
        while true {
            let data = try JPEG.readInput(path, maximumBytes: limit, prefix: true)
            guard data.count >= 3, data[data.startIndex] == 0xFF, data[data.startIndex + 1] == 0xD8,
                  data[data.startIndex + 2] == 0xFF else {
                throw ImagingError.notJPEG(path: path)
            }
            let complete = data.count < limit
            do {
                return try data.withUnsafeBytes { try parse(bytes: $0, path: path, complete: complete) }
            } catch is NeedMore {
                guard limit < maximumHeaderBytes else {
                    throw ImagingError.corrupt(path: path, reason: "no frame header (SOF) in the first \(maximumHeaderBytes >> 20) MiB")
                }
                limit = min(limit * 4, maximumHeaderBytes)
            }
        }
    }

    /// Parses JPEG headers from an in-memory stream; `path` is only used in errors.
    public static func parse(_ data: Data, path: String) throws -> JPEGHeader {
        // Read in place: decode passes whole files here, which need not be copied.
        try data.withUnsafeBytes { try parse(bytes: $0, path: path) }
    }

    /// The headers went on past the bytes read so far.
    struct NeedMore: Error {}

    /// `complete` false: `bytes` is a prefix of the file, and running out of it
    /// throws `NeedMore` rather than calling the file cut short.
    static func parse(bytes: UnsafeRawBufferPointer, path: String, complete: Bool = true) throws -> JPEGHeader {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw ImagingError.notJPEG(path: path)
        }
        var orientation = 1
        var i = 2
        while i + 4 <= bytes.count {
            // Stray bytes between segments occur in camera files; libjpeg skips them
            // with a warning, so the header reader does too to agree with the decoder.
            guard bytes[i] == 0xFF else { i += 1; continue }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }          // fill byte
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            if marker == 0xD9 || marker == 0xDA {               // EOI / start of scan before a frame
                throw ImagingError.corrupt(path: path, reason: "no frame header (SOF) found")
            }
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2 else {
                throw ImagingError.corrupt(path: path, reason: "segment 0xFF\(String(marker, radix: 16, uppercase: true)) at byte \(i) gives length \(length), less than its own 2 bytes")
            }
            guard i + 2 + length <= bytes.count else {
                if !complete { throw NeedMore() }
                throw ImagingError.corrupt(path: path, reason: "segment 0xFF\(String(marker, radix: 16, uppercase: true)) at byte \(i) runs past the end of the file")
            }
            let body = i + 4
            let isSOF = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isSOF {
                guard length >= 8 else {
                    throw ImagingError.corrupt(path: path, reason: "frame header too short")
                }
                let h = Int(bytes[body + 1]) << 8 | Int(bytes[body + 2])
                let w = Int(bytes[body + 3]) << 8 | Int(bytes[body + 4])
                let nc = Int(bytes[body + 5])
                guard w > 0, h > 0 else {
                    throw ImagingError.corrupt(path: path, reason: "frame header gives size \(w)x\(h)")
                }
                let progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
                return JPEGHeader(storedWidth: w, storedHeight: h, orientation: orientation,
                                  components: nc, progressive: progressive)
            }
            if marker == 0xE1, let o = exifOrientation(bytes, start: body, end: i + 2 + length) {
                orientation = o
            }
            i += 2 + length
        }
        if !complete { throw NeedMore() }
        throw ImagingError.corrupt(path: path, reason: "no frame header (SOF) found")
    }

    /// EXIF orientation from an APP1 body, or nil when absent or out of 1...8
    /// (an invalid value is ignored rather than treated as an error).
    static func exifOrientation(_ b: UnsafeRawBufferPointer, start: Int, end: Int) -> Int? {
        guard end - start >= 14,
              b[start] == 0x45, b[start + 1] == 0x78, b[start + 2] == 0x69, b[start + 3] == 0x66,
              b[start + 4] == 0, b[start + 5] == 0 else { return nil }
        let tiff = start + 6
        let little: Bool
        if b[tiff] == 0x49 && b[tiff + 1] == 0x49 { little = true }
        else if b[tiff] == 0x4D && b[tiff + 1] == 0x4D { little = false }
        else { return nil }
        func u16(_ o: Int) -> Int? {
            guard o >= tiff, o + 2 <= end else { return nil }
            return little ? Int(b[o]) | Int(b[o + 1]) << 8 : Int(b[o]) << 8 | Int(b[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let lo = u16(little ? o : o + 2), let hi = u16(little ? o + 2 : o) else { return nil }
            return hi << 16 | lo
        }
        guard u16(tiff + 2) == 42, let ifd = u32(tiff + 4), let count = u16(tiff + ifd) else { return nil }
        for k in 0..<count {
            let entry = tiff + ifd + 2 + 12 * k
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard let type = u16(entry + 2), type == 3, let v = u16(entry + 8) else { return nil }
                return (1...8).contains(v) ? v : nil
            }
        }
        return nil
    }
}
