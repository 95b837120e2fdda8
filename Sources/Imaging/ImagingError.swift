/// Errors from reading, decoding and writing images. Each names the file.
public enum ImagingError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// The bytes are not a JPEG stream (no SOI marker).
    case notJPEG(path: String)
    /// A JPEG stream that libjpeg or the header parser rejected (truncated, corrupt, unsupported).
    case corrupt(path: String, reason: String)
    /// The stream ends before the whole picture was coded (a partly copied or
    /// downloaded file). libjpeg would pad it with grey; we refuse it.
    case truncated(path: String, reason: String)
    /// The header claims more pixels than `JPEG.maximumPixels`: refused before
    /// anything is allocated (a crafted 65,500 × 65,500 header would need 51 GB).
    case tooLarge(path: String, width: Int, height: Int, limit: Int)
    /// Writing an output file failed.
    case writeFailed(path: String, reason: String)
    /// A caller passed a value outside its documented range (quality, sizes).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read file: \(reason)"
        case let .notJPEG(path): return "\(path): not a JPEG file"
        case let .corrupt(path, reason): return "\(path): corrupt JPEG: \(reason)"
        case let .truncated(path, reason): return "\(path): truncated JPEG: \(reason)"
        case let .tooLarge(path, width, height, limit):
            return "\(path): image of \(width) x \(height) pixels is over the limit of \(limit / 1_000_000) megapixels (--max-megapixels raises it)"
        case let .writeFailed(path, reason): return "\(path): cannot write: \(reason)"
        case let .invalidArgument(reason): return "invalid argument: \(reason)"
        }
    }
}
