/// A minimal reader of the zip archives `torch.save` writes (torch >= 1.6):
/// the end-of-central-directory record (and its zip64 form), the central
/// directory and each entry's local header. Only stored (uncompressed)
/// entries can be read, which is all `torch.save` writes; a compressed or
/// encrypted entry is refused with an error naming it. Every offset and size
/// is checked against the archive's length before it is used, and entry data
/// is checked against its CRC-32.
///
/// The archive is read from bytes the caller keeps alive: entries are byte
/// ranges into them, never copies.
struct ZipArchive {
    struct Entry {
        var name: String
        var flags: UInt16
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// Entries in central-directory order.
    let entries: [Entry]
    let path: String

    /// Whether the bytes start like a zip archive (a local file header).
    static func looksLikeZip(_ raw: UnsafeRawBufferPointer) -> Bool {
        raw.littleEndian(UInt32.self, at: 0) == 0x0403_4B50
    }

    init(_ raw: UnsafeRawBufferPointer, path: String) throws {
        self.path = path
        func fail(_ reason: String) -> TorchCheckpointError { .invalidArchive(path: path, reason: reason) }

        // End of central directory: 22 bytes plus a comment of at most 65,535 bytes.
        guard raw.count >= 22 else { throw TorchCheckpointError.truncated(path: path, reason: "\(raw.count) bytes, too short for a zip archive") }
        var eocd = -1
        var candidate = raw.count - 22
        let lowest = max(0, raw.count - 22 - 65_535)
        while candidate >= lowest {
            if raw.littleEndian(UInt32.self, at: candidate) == 0x0605_4B50,
               let commentLength = raw.littleEndian(UInt16.self, at: candidate + 20),
               candidate + 22 + Int(commentLength) <= raw.count {
                eocd = candidate
                break
            }
            candidate -= 1
        }
        guard eocd >= 0 else { throw fail("no end-of-central-directory record (truncated or not a zip file)") }

        var entryCount = Int(raw.littleEndian(UInt16.self, at: eocd + 10) ?? 0)
        var directorySize = Int(raw.littleEndian(UInt32.self, at: eocd + 12) ?? 0)
        var directoryOffset = Int(raw.littleEndian(UInt32.self, at: eocd + 16) ?? 0)
        var directoryEnd = eocd
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator right before the record points at the zip64 record.
            let locator = eocd - 20
            guard raw.littleEndian(UInt32.self, at: locator) == 0x0706_4B50,
                  let recordOffset64 = raw.littleEndian(UInt64.self, at: locator + 8) else {
                throw fail("the end-of-central-directory record asks for zip64 but no zip64 locator precedes it")
            }
            guard let record = Int(exactly: recordOffset64), record >= 0, record < locator,
                  raw.littleEndian(UInt32.self, at: record) == 0x0606_4B50,
                  let count64 = raw.littleEndian(UInt64.self, at: record + 32),
                  let size64 = raw.littleEndian(UInt64.self, at: record + 40),
                  let offset64 = raw.littleEndian(UInt64.self, at: record + 48) else {
                throw fail("the zip64 end-of-central-directory record is missing or out of range")
            }
            guard let c = Int(exactly: count64), let s = Int(exactly: size64), let o = Int(exactly: offset64) else {
                throw fail("zip64 central directory sizes out of range")
            }
            entryCount = c
            directorySize = s
            directoryOffset = o
            directoryEnd = record
        }
        guard raw.contains(offset: directoryOffset, length: directorySize), directoryOffset + directorySize <= directoryEnd else {
            throw TorchCheckpointError.truncated(path: path, reason: "central directory at \(directoryOffset) (\(directorySize) bytes) runs past the end of the archive")
        }
        // Each central-directory header takes at least 46 bytes.
        guard entryCount <= directorySize / 46 else {
            throw fail("\(entryCount) entries cannot fit a \(directorySize)-byte central directory")
        }

        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        var at = directoryOffset
        let end = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard at <= end - 46, raw.littleEndian(UInt32.self, at: at) == 0x0201_4B50,
                  let flags = raw.littleEndian(UInt16.self, at: at + 8),
                  let method = raw.littleEndian(UInt16.self, at: at + 10),
                  let crc = raw.littleEndian(UInt32.self, at: at + 16),
                  let compressed32 = raw.littleEndian(UInt32.self, at: at + 20),
                  let uncompressed32 = raw.littleEndian(UInt32.self, at: at + 24),
                  let nameLength = raw.littleEndian(UInt16.self, at: at + 28),
                  let extraLength = raw.littleEndian(UInt16.self, at: at + 30),
                  let commentLength = raw.littleEndian(UInt16.self, at: at + 32),
                  let local32 = raw.littleEndian(UInt32.self, at: at + 42) else {
                throw fail("central directory header \(index) at byte \(at) is malformed")
            }
            let nameStart = at + 46
            let extraStart = nameStart + Int(nameLength)
            let next = extraStart + Int(extraLength) + Int(commentLength)
            guard next <= end else { throw fail("central directory header \(index) runs past the directory's end") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[nameStart..<extraStart]), as: UTF8.self)

            var uncompressed = Int(uncompressed32)
            var compressed = Int(compressed32)
            var local = Int(local32)
            if uncompressed32 == 0xFFFF_FFFF || compressed32 == 0xFFFF_FFFF || local32 == 0xFFFF_FFFF {
                // The zip64 extra field (id 1) holds, in order, the fields that overflowed.
                var field = extraStart
                var found = false
                while field + 4 <= extraStart + Int(extraLength) {
                    guard let id = raw.littleEndian(UInt16.self, at: field),
                          let size = raw.littleEndian(UInt16.self, at: field + 2) else { break }
                    let body = field + 4
                    guard body + Int(size) <= extraStart + Int(extraLength) else { break }
                    if id == 1 {
                        var cursor = body
                        func next64() throws -> Int {
                            guard cursor + 8 <= body + Int(size), let v = raw.littleEndian(UInt64.self, at: cursor),
                                  let i = Int(exactly: v) else {
                                throw fail("entry '\(name)' has a short or out-of-range zip64 extra field")
                            }
                            cursor += 8
                            return i
                        }
                        if uncompressed32 == 0xFFFF_FFFF { uncompressed = try next64() }
                        if compressed32 == 0xFFFF_FFFF { compressed = try next64() }
                        if local32 == 0xFFFF_FFFF { local = try next64() }
                        found = true
                        break
                    }
                    field = body + Int(size)
                }
                guard found else { throw fail("entry '\(name)' needs a zip64 extra field and has none") }
            }
            entries.append(Entry(name: name, flags: flags, method: method, crc32: crc,
                                 compressedSize: compressed, uncompressedSize: uncompressed, localHeaderOffset: local))
            at = next
        }
        self.entries = entries
    }

    func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The byte range of a stored entry's data, after checking its local
    /// header, its method and its CRC-32.
    func dataRange(of entry: Entry, in raw: UnsafeRawBufferPointer) throws -> Range<Int> {
        if entry.flags & 1 != 0 {
            throw TorchCheckpointError.unsupportedEntry(path: path, entry: entry.name, reason: "encrypted entries are not supported")
        }
        switch entry.method {
        case 0: break
        case 8:
            throw TorchCheckpointError.unsupportedEntry(path: path, entry: entry.name,
                reason: "deflate-compressed; only stored (uncompressed) entries can be read, as torch.save writes them (re-save the checkpoint with torch.save, or unzip and re-zip it with `zip -0`)")
        default:
            throw TorchCheckpointError.unsupportedEntry(path: path, entry: entry.name,
                reason: "compression method \(entry.method); only stored (uncompressed) entries can be read")
        }
        let header = entry.localHeaderOffset
        guard raw.littleEndian(UInt32.self, at: header) == 0x0403_4B50,
              let nameLength = raw.littleEndian(UInt16.self, at: header + 26),
              let extraLength = raw.littleEndian(UInt16.self, at: header + 28) else {
            throw TorchCheckpointError.invalidArchive(path: path, reason: "entry '\(entry.name)' has no local file header at byte \(header)")
        }
        let start = header + 30 + Int(nameLength) + Int(extraLength)
        guard entry.compressedSize == entry.uncompressedSize else {
            throw TorchCheckpointError.invalidArchive(path: path, reason: "stored entry '\(entry.name)' declares \(entry.compressedSize) stored but \(entry.uncompressedSize) original bytes")
        }
        guard raw.contains(offset: start, length: entry.compressedSize) else {
            throw TorchCheckpointError.truncated(path: path, reason: "entry '\(entry.name)' (\(entry.compressedSize) bytes at \(start)) runs past the end of the archive")
        }
        let range = start..<(start + entry.compressedSize)
        let actual = ZipArchive.crc32(UnsafeRawBufferPointer(rebasing: raw[range]))
        guard actual == entry.crc32 else {
            throw TorchCheckpointError.invalidArchive(path: path, reason: "entry '\(entry.name)' fails its CRC-32 check (corrupt archive)")
        }
        return range
    }

    /// CRC-32 (IEEE 802.3, reflected, as zip uses), sliced by 8 bytes at a time.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        let tables = crcTables
        var crc: UInt32 = 0xFFFF_FFFF
        var i = 0
        let n = bytes.count
        tables.withUnsafeBufferPointer { t in
            while i + 8 <= n {
                let lo = crc ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                let b4 = Int(bytes[i + 4]), b5 = Int(bytes[i + 5]), b6 = Int(bytes[i + 6]), b7 = Int(bytes[i + 7])
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + b4] ^ t[2 * 256 + b5] ^ t[256 + b6] ^ t[b7]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return ~crc
    }

    private static let crcTables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            for k in 1..<8 {
                let previous = t[(k - 1) * 256 + i]
                t[k * 256 + i] = t[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return t
    }()
}
