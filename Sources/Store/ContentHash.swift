import Crypto
import Foundation
import Imaging
import InputFiles

/// SHA-256 of a file's bytes, as 64 lowercase hex digits: the identity of an image
/// in the store (equal to `sha256sum`'s output, so it can be checked from a shell).
/// swift-crypto supplies the digest: Foundation on Linux has no CryptoKit, and
/// BoringSSL's assembly is several times faster than a Swift implementation.
public enum ContentHash {
    /// Bytes read per step when hashing a file: model weights run to hundreds of
    /// megabytes and need not be held in memory to be hashed.
    static let fileChunkSize = 1 << 20

    /// Hashes the file at `path`.
    public static func sha256(path: String) throws -> String {
        try sha256(path: path, chunkSize: fileChunkSize)
    }

    /// Hashes the file at `path`, reading `chunkSize` bytes at a time.
    static func sha256(path: String, chunkSize: Int) throws -> String {
        // Opening a FIFO for reading would wait for a writer forever.
        if FileManager.default.fileExists(atPath: path), let problem = InputFile.problem(path) { throw StoreError.unreadable(path: path, reason: problem) }
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw StoreError.unreadable(path: path, reason: "no such file or permission denied")
        }
        defer { try? file.close() }
        var hasher = SHA256()
        do {
            while let chunk = try file.read(upToCount: chunkSize), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            // A directory opens but fails on the first read (EISDIR).
            throw StoreError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return hex(hasher.finalize())
    }

    /// Hashes `data`.
    public static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 * SHA256.byteCount)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
