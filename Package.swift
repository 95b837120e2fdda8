// swift-tools-version:6.0
import Foundation
import PackageDescription

// Compute-heavy targets are optimised even in debug builds: the test suite trains
// small networks and runs selective search on real photos, which -Onone makes
// 10-50x slower. Correctness checks (bounds, overflow) stay on with -O.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "detect",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "detect", targets: ["detect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // 3.x and 4.x share the SHA256 API the store uses; 4.x needs tools 6.1.
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // C libraries behind thin system-library targets.
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // libjpeg reports errors by longjmp, which Swift cannot catch: the codec
        // entry points live in C so a bad file becomes an error code, never exit().
        .target(name: "CJPEGCodec", dependencies: ["CLibJPEG"]),
        // CPUID/XGETBV probes used to pick the OpenBLAS kernel before it loads.
        .target(name: "CSystemInfo"),

        .target(name: "Randomness", swiftSettings: optimised),
        // The one parallel-for: its functions are inlined into the hot loops of its users.
        .target(name: "Parallelism", swiftSettings: optimised),
        .target(name: "JSONText"),
        // YAML without anchors, aliases or unbounded size: pipeline files and dataset YAMLs.
        .target(name: "SafeYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        // Reading what the user names: regular files only, bounded reads, paths as the shell resolves them.
        .target(name: "InputFiles"),
        .target(name: "Imaging", dependencies: ["CJPEGCodec", "Parallelism", "InputFiles"], swiftSettings: optimised),
        .target(name: "Boxes", dependencies: ["Randomness", "Parallelism"], swiftSettings: optimised),
        .target(name: "NeuralNet", dependencies: ["COpenBLAS", "CSystemInfo", "Randomness", "Parallelism"], swiftSettings: optimised),
        // Weight files on disk (safetensors; PyTorch checkpoints through a zip
        // reader and a restricted unpickler), read into and written from the engine's tensors.
        .target(name: "WeightFormats", dependencies: ["NeuralNet", "JSONText", "InputFiles"], swiftSettings: optimised),
        .target(name: "Proposals", dependencies: ["Imaging", "Boxes", "NeuralNet", "Parallelism", "Randomness"],
                swiftSettings: optimised),
        .target(name: "Heads", dependencies: ["Boxes", "NeuralNet", "Randomness", "Parallelism"], swiftSettings: optimised),
        .target(name: "Pipelines", dependencies: [
            "Boxes", "Imaging", "InputFiles", "NeuralNet", "WeightFormats", "Proposals", "Heads", "SafeYAML",
        ], swiftSettings: optimised),
        .target(name: "Training", dependencies: ["Pipelines", "Boxes", "Imaging", "NeuralNet", "Parallelism"], swiftSettings: optimised),
        .target(name: "Evaluation", dependencies: ["Boxes"]),
        .target(name: "Report", dependencies: ["Evaluation", "Boxes", "Imaging"]),
        .target(name: "Store", dependencies: [
            "Boxes", "Imaging", "InputFiles", "JSONText", "SafeYAML",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: optimised),
        // The application layer: what a front end other than the CLI would reuse.
        .target(name: "Workflows", dependencies: ["Imaging", "InputFiles", "Boxes", "NeuralNet", "Randomness", "Proposals", "Pipelines", "Training",
                                                 "Store", "Evaluation", "Report"]),
        .target(name: "DetectCLI", dependencies: [
            "Imaging", "InputFiles", "Boxes", "NeuralNet", "WeightFormats", "Proposals", "Store", "CSystemInfo",
            "Pipelines", "Training", "Evaluation", "Report", "Workflows", "JSONText",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .executableTarget(name: "detect", dependencies: ["DetectCLI", "NeuralNet", "CSystemInfo"]),

        // Helpers every test target may share (random tensors, finite-difference
        // gradient checks, fixture JSON); used by test targets only.
        .target(name: "TestSupport", dependencies: ["NeuralNet"], path: "Tests/TestSupport"),

        // Fixtures are read through #filePath, next to the generator that made them.
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "InputFiles"], exclude: ["Fixtures"]),
        .testTarget(name: "BoxesTests", dependencies: ["Boxes"]),
        .testTarget(name: "ParallelismTests", dependencies: ["Parallelism"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "WeightFormats", "TestSupport", "Imaging", "Boxes"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "WeightFormatsTests", dependencies: ["WeightFormats", "NeuralNet", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "HeadsTests", dependencies: ["Heads", "Boxes", "NeuralNet", "Randomness", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "PipelinesTests", dependencies: ["Pipelines", "Heads", "Proposals", "Training", "Boxes", "Imaging", "NeuralNet"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Boxes"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ProposalsTests", dependencies: ["Proposals", "Boxes", "NeuralNet", "Imaging"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Evaluation", "Boxes", "Imaging", "Randomness"]),
        .testTarget(name: "StoreTests", dependencies: [
            "Store", "Boxes", "Imaging", "JSONText", .product(name: "GRDB", package: "GRDB.swift"),
        ], exclude: ["Fixtures"]),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "Store", "Pipelines", "Boxes"]),
        .testTarget(name: "DetectCLITests", dependencies: [
            "DetectCLI", "Workflows", "Store", "Boxes", "Imaging", "SafeYAML", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    // Swift 5 mode: the numeric kernels share raw buffer pointers across
    // Parallel iterations that write disjoint ranges, which Swift 6's
    // Sendable checking cannot express without noise.
    swiftLanguageModes: [.v5]
)

// libFuzzer harness (scripts/fuzz): only when asked for, so the normal build and
// `swift test` never see a target whose `main` comes from the fuzzer runtime.
if ProcessInfo.processInfo.environment["DETECT_FUZZ"] == "1" {
    package.targets.append(.executableTarget(name: "DetectFuzz", dependencies: ["Imaging", "WeightFormats", "Pipelines", "Store"],
                                             swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: "detect-fuzz", targets: ["DetectFuzz"]))
}
