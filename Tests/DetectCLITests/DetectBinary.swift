import Foundation
import XCTest

/// Runs the built `detect` executable, which SwiftPM puts next to the test bundle.
enum DetectBinary {
    static var url: URL {
        #if os(macOS)
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("detect")
        }
        #endif
        return Bundle.main.bundleURL.appendingPathComponent("detect")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The last non-empty line of standard output parsed as a JSON object.
        var json: [String: Any]? {
            guard let line = stdout.split(separator: "\n").last,
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) else { return nil }
            return object as? [String: Any]
        }
    }

    static func run(_ arguments: [String], in directory: String) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            XCTFail("detect executable not found at \(url.path); build it with `swift build`")
            return Result(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Standard error goes to a file, so neither stream can fill up and block the child.
        let errPath = (NSTemporaryDirectory() as NSString).appendingPathComponent("detect-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let out = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try err.close()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

enum Fixture {
    /// The repository's root folder.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static let bccd: String = root.appendingPathComponent("datasets/bccd").standardizedFileURL.path

    static func requireBCCD() throws {
        if !FileManager.default.fileExists(atPath: bccd + "/annotations") { throw NSError(domain: "BCCD dataset not found at \(bccd) (datasets/bccd belongs to the repository)", code: 1) }
    }

    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("detect-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
