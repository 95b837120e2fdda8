import Foundation
import Imaging
import Pipelines
import WeightFormats
import Store

/// libFuzzer harness for every reader of untrusted input. One binary, the
/// target chosen by `DETECT_FUZZ_TARGET`; built only by `scripts/fuzz`
/// (`DETECT_FUZZ=1`, `-sanitize=fuzzer,address`), never by the normal build.
/// A target must never crash, trap or hang: every input ends in a value or a
/// thrown error.
enum Harness {
    nonisolated(unsafe) static var target = "jpeg"
    nonisolated(unsafe) static var scratch = ""
    /// A freshly migrated target store, made once: every merge input starts
    /// from a copy of these bytes instead of running the migrations again.
    nonisolated(unsafe) static var emptyStore = Data()

    static let targets = ["jpeg", "safetensors", "checkpoint", "pipeline", "voc", "coco", "yolo", "csv", "merge"]

    static func setUp() {
        target = ProcessInfo.processInfo.environment["DETECT_FUZZ_TARGET"] ?? "jpeg"
        guard targets.contains(target) else {
            FileHandle.standardError.write(Data("unknown DETECT_FUZZ_TARGET '\(target)' (one of \(targets.joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        // Annotation readers need a folder with one real JPEG the files can name.
        scratch = NSTemporaryDirectory() + "detect-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch + "/images", withIntermediateDirectories: true)
        try? JPEG.write(Image(width: 32, height: 24, fill: (100, 150, 200)), to: scratch + "/images/a.jpg")
        try? "fish\nshark\n".write(toFile: scratch + "/classes.txt", atomically: false, encoding: .utf8)
        // Keep decoding cheap: the harness looks for crashes, not for big pictures.
        JPEG.maximumPixels = 4_000_000
        if target == "merge" {
            let template = scratch + "/template.sqlite"
            do {
                // Closed when it goes out of scope: the WAL is checkpointed into the file.
                try { _ = try Store(path: template) }()
                emptyStore = try Data(contentsOf: URL(fileURLWithPath: template))
            } catch {
                FileHandle.standardError.write(Data("cannot make the template store: \(error)\n".utf8))
                exit(2)
            }
        }
    }

    static func run(_ data: Data) {
        switch target {
        case "jpeg":
            _ = try? JPEGHeader.parse(data, path: "fuzz.jpg")
            _ = try? JPEG.decode(data: data, path: "fuzz.jpg")
        case "safetensors":
            _ = try? SafeTensors.decode(data, path: "fuzz.safetensors")
        case "checkpoint":
            _ = try? TorchCheckpoint.decode(data, path: "fuzz.pth")
        case "pipeline":
            _ = try? PipelineConfig.parse(String(decoding: data, as: UTF8.self), path: "fuzz.yaml")
        case "voc":
            readFile(data, name: "a.xml", format: .voc)
        case "coco":
            readFile(data, name: "a.json", format: .coco)
        case "yolo":
            readFile(data, name: "a.txt", format: .yolo)
        case "csv":
            readFile(data, name: "a.csv", format: .csv)
        case "merge":
            mergeShard(data)
        default:
            break
        }
    }

    /// A mutated shard store merged into a fresh store: the merge must end in
    /// counts or an error, and a refused shard must leave the store consistent.
    static func mergeShard(_ data: Data) {
        let shard = scratch + "/shard.sqlite", target = scratch + "/store.sqlite"
        for p in [shard, target] { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(p + suffix) } }
        guard FileManager.default.createFile(atPath: shard, contents: data),
              FileManager.default.createFile(atPath: target, contents: emptyStore),
              let store = try? Store(path: target) else { return }
        _ = try? store.merge(shardAt: shard)
        // The store stays usable whatever the shard was.
        guard (try? Store(path: target, readOnly: true)) != nil else {
            fatalError("the store is unreadable after merging a shard")
        }
    }

    static func readFile(_ data: Data, name: String, format: AnnotationFormat) {
        let file = scratch + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: data) else { return }
        let path = format == .yolo ? scratch : file
        _ = try? format.read(path: path, imagesDirectory: scratch + "/images")
    }
}

/// libFuzzer's driver, called from our own entry point: SwiftPM names an
/// executable target's entry `DetectFuzz_main` and points `main` at it.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("DetectFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Harness.setUp()
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { bytes, size in
        guard let bytes else { Harness.run(Data()); return 0 }
        Harness.run(Data(bytes: bytes, count: size))
        return 0
    }
}
