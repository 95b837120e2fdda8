import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an input file could not be read: the path and the reason, in words.
public enum InputFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): cannot read: \(reason)"
        }
    }

    public var reason: String {
        switch self {
        case let .unreadable(_, reason): return reason
        }
    }
}

/// Input files the user names, read the way the shell would find them and
/// never without a bound: only regular files are opened (a FIFO would block
/// forever, `/dev/zero` never ends), and reads stop at a stated size.
public enum InputFile {
    /// Why `path` cannot be read as an input file, or nil for a regular file
    /// (symbolic links followed). Decided by `stat`, without opening the file.
    public static func problem(_ path: String) -> String? {
        var info = stat()
        guard !path.isEmpty, !path.contains("\0"), stat(path, &info) == 0 else {
            return errno == EACCES ? "permission denied" : "no such file"
        }
        return kindProblem(info.st_mode)
    }

    public static func isRegular(_ path: String) -> Bool { problem(path) == nil }

    private static func kindProblem(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder, not a file"
        case S_IFIFO: return "a FIFO (named pipe), not a regular file"
        case S_IFCHR, S_IFBLK: return "a device, not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        default: return "not a regular file"
        }
    }

    /// The bytes of the regular file at `path`: all of it, or an error when it
    /// holds more than `maximumBytes`; with `prefix`, only its first
    /// `maximumBytes` bytes and no error for a longer file.
    public static func read(_ path: String, maximumBytes: Int, prefix: Bool = false) throws -> Data {
        if let problem = problem(path) { throw InputFileError.unreadable(path: path, reason: problem) }
        // O_NONBLOCK: should the path be swapped for a FIFO after the check,
        // opening it still returns at once, and fstat below refuses it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputFileError.unreadable(path: path, reason: errno == EACCES ? "permission denied" : "cannot open")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw InputFileError.unreadable(path: path, reason: "cannot stat") }
        if let problem = kindProblem(info.st_mode) { throw InputFileError.unreadable(path: path, reason: problem) }
        let size = Int(clamping: info.st_size)
        if !prefix, size > maximumBytes {
            throw InputFileError.unreadable(path: path, reason: "\(size) bytes is more than an input file may hold (\(maximumBytes))")
        }
        // One byte past the limit tells a file that grew since fstat from one that fits.
        let capacity = min(size, maximumBytes) + 1
        var data = Data(count: capacity)
        var filled = 0
        let failed: Bool = data.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            while filled < capacity {
                let n = systemRead(fd, base + filled, capacity - filled)
                if n < 0 { if errno == EINTR { continue }; return true }
                if n == 0 { break }
                filled += n
            }
            return false
        }
        if failed { throw InputFileError.unreadable(path: path, reason: "read error") }
        if filled > maximumBytes {
            if !prefix {
                throw InputFileError.unreadable(path: path, reason: "more than \(maximumBytes) bytes, the most an input file may hold")
            }
            filled = maximumBytes
        }
        data.count = filled
        return data
    }

    /// An absolute path to what `path` names, resolved as the shell resolves
    /// it: relative to the current folder, `..` after a symbolic link leading
    /// to the link target's parent. The folder part is resolved (so the path
    /// works from any folder, and one file has one spelling) while the last
    /// component keeps its name, so a symbolic link to a file stays the name
    /// the user gave. A path that does not exist comes back joined, unresolved.
    public static func absolute(_ path: String) -> String {
        guard !path.isEmpty, !path.contains("\0") else { return path }
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        let name = (trimmed as NSString).lastPathComponent
        if name == "." || name == ".." || name == "/" || trimmed == "/" {
            return realPath(trimmed) ?? joined(trimmed)
        }
        let parent = (trimmed as NSString).deletingLastPathComponent
        guard let folder = realPath(parent.isEmpty ? "." : parent) else { return joined(trimmed) }
        return folder == "/" ? "/" + name : folder + "/" + name
    }

    /// The canonical path (every link resolved): one key per file, for telling
    /// whether two spellings name the same file.
    public static func realPath(_ path: String) -> String? {
        guard !path.contains("\0"), let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
        #else
        return Darwin.read(fd, buffer, count)
        #endif
    }

    private static func joined(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Device and inode of the file at `path` (links followed), or nil when it
    /// does not exist: two paths name the same file exactly when these agree.
    public static func identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard !path.contains("\0"), stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}
