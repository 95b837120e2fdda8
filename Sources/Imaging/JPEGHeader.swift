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

    /// Reads the headers of the JPEG file at `path`.
    public static func read(path: String) throws -> JPEGHeader {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImagingError.unreadable(path: path, reason: "no such file or permission denied")
        }
        defer { try? handle.close() }
        // Headers sit before the scan data; 1 MiB covers any EXIF block we care about,
        // and the full file is read only when the frame header comes later.
        var data = (try? handle.read(upToCount: 1 << 20)) ?? Data()
        if let h = try? parse(data, path: path) { return h }
        if data.count == 1 << 20 { data += (try? handle.readToEnd()) ?? Data() }
        return try parse(data, path: path)
    }

    /// Parses JPEG headers from an in-memory stream; `path` is only used in errors.
    public static func parse(_ data: Data, path: String) throws -> JPEGHeader {
        // Read in place: decode passes whole files here, which need not be copied.
        try data.withUnsafeBytes { try parse(bytes: $0, path: path) }
    }

    static func parse(bytes: UnsafeRawBufferPointer, path: String) throws -> JPEGHeader {
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
            if marker == 0xD9 || marker == 0xDA { break }      // EOI / start of scan before a frame
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard length >= 2, i + 2 + length <= bytes.count else {
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
