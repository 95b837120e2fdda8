import Foundation
import XCTest
@testable import Pipelines

final class PipelineConfigTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testProjectPipelineFilesParse() throws {
        for kind in PipelineArchitecture.allCases {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(kind.rawValue).yaml").path)
            XCTAssertEqual(c.name, kind.rawValue)
            XCTAssertEqual(c.architecture, kind)
            XCTAssertEqual(c.stages.first, "decode")
            XCTAssertEqual(c.stages.last, "nms")
            XCTAssertEqual(c.postprocess.nmsThreshold, 0.3)
        }
        let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn.yaml").path)
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path)
        // Fast R-CNN differs from Faster R-CNN by its proposal stage.
        XCTAssertEqual(fast.stages.filter { $0 != "selective_search" }, faster.stages.filter { $0 != "rpn" })
        XCTAssertEqual(fast.roiPooling, faster.roiPooling)
        XCTAssertEqual(fast.boxHead.representationSize, faster.boxHead.representationSize)
        XCTAssertEqual(faster.rpn.postNmsTopNTest, 300)
        XCTAssertEqual(faster.rpn.preNmsTopNTrain, 12000)
    }

    func testMissingKeysTakeDefaults() throws {
        let c = try PipelineConfig.parse("name: faster-rcnn\nstages: [backbone, rpn]\nrpn:\n  nms_threshold: 0.6\n")
        XCTAssertEqual(c.rpn.nmsThreshold, 0.6)
        XCTAssertEqual(c.rpn.postNmsTopNTrain, 2000)
        XCTAssertEqual(c.boxHead.boxCoderWeights, [10, 10, 5, 5])
        XCTAssertEqual(c.roiPooling.type, .roiPool)
    }

    func testBadFilesAreRejectedWithTheKeyNamed() {
        func reason(_ yaml: String) -> String {
            do { _ = try PipelineConfig.parse(yaml, path: "p.yaml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [backbone, rpn]\nrpn:\n  nms_treshold: 0.6\n").contains("rpn.nms_treshold"))
        XCTAssertTrue(reason("name: faster-rcnn\nstages: [backbone, rpn]\nrpn:\n  nms_threshold: high\n").contains("p.yaml"))
        XCTAssertEqual(reason("name: yolo\nstages: [backbone, rpn]\n"), "accepted", "any name: a pipeline is named, not one of three")
        XCTAssertTrue(reason("name: a b\nstages: [backbone, rpn]\n").contains("name 'a b' must be"))
        XCTAssertTrue(reason("name: ../x\nstages: [backbone, rpn]\n").contains("name '../x' must be"))
        XCTAssertTrue(reason("name: all\nstages: [backbone, rpn]\n").contains("reserved"))
        XCTAssertThrowsError(try PipelineConfig.parse("stages: [backbone, rpn]\n"), "a file's name is its stem; text alone must say it") {
            XCTAssertTrue("\($0)".contains("needs a name"), "\($0)")
        }
        XCTAssertEqual(try PipelineConfig.parse("stages: [backbone, rpn]\n", path: "dir/raccoon.yaml").name, "raccoon")
        XCTAssertTrue(reason("name: fast-rcnn\nstages: [backbone, rpn]\nroi_pooling:\n  type: psroi\n").contains("roi_pooling.type"))
        XCTAssertTrue(reason("name: fast-rcnn\n").contains("stages"))
        XCTAssertTrue(reason("[1, 2").contains("p.yaml"))
    }

    /// The pretrained pipeline files: MobileNetV2 from ImageNet, and Fast R-CNN
    /// still Faster R-CNN with another proposal stage.
    func testPretrainedPipelineFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix("-mobilenet.yaml") }.sorted()
        XCTAssertEqual(files, ["fast-rcnn-mobilenet.yaml", "faster-rcnn-mobilenet.yaml", "rcnn-mobilenet.yaml"])
        for file in files {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(file)").path)
            XCTAssertEqual(c.backbone.type, .mobilenetV2, file)
            XCTAssertEqual(c.backbone.weights, "imagenet", file)
            XCTAssertTrue(c.model.hasSuffix("-mobilenet.safetensors"), file)
        }
        let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn-mobilenet.yaml").path)
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn-mobilenet.yaml").path)
        XCTAssertEqual(fast.backbone, faster.backbone)
        XCTAssertEqual(fast.roiPooling, faster.roiPooling)
        XCTAssertEqual(fast.stages.filter { $0 != "selective_search" }, faster.stages.filter { $0 != "rpn" })
        // The default stays the from-scratch ResNet.
        XCTAssertEqual(try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path).backbone,
                       PipelineConfig.BackboneConfig())
    }

    func testBackboneSectionIsValidated() {
        func reason(_ backbone: String) -> String {
            do { _ = try PipelineConfig.parse("name: faster-rcnn\nstages: [backbone, rpn]\nbackbone:\n" + backbone, path: "p.yaml"); return "accepted" }
            catch { return "\(error)" }
        }
        XCTAssertEqual(reason("  type: mobilenet_v2\n  stride: 32\n  frozen_stages: 19\n"), "accepted")
        XCTAssertTrue(reason("  type: vgg16\n").contains("backbone.type"))
        XCTAssertTrue(reason("  type: mobilenet_v2\n  stride: 8\n").contains("backbone.stride"))
        XCTAssertTrue(reason("  type: mobilenet_v2\n  frozen_stages: 15\n").contains("backbone.frozen_stages"))
        XCTAssertTrue(reason("  type: resnet\n  weights: imagenet\n").contains("backbone.weights"))
        XCTAssertTrue(reason("  type: resnet\n  frozen_stages: 2\n").contains("backbone.frozen_stages"))
    }

    /// The FPN pipeline files are their single-map bases plus a neck: the
    /// same head, training and proposal stage, the whole MobileNetV2, and
    /// anchor sizes split over four levels.
    func testFeaturePyramidPipelineFilesReuseTheirBases() throws {
        func load(_ name: String) throws -> PipelineConfig {
            try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(name).yaml").path)
        }
        for (fpnName, baseName) in [("faster-rcnn-mobilenet-fpn", "faster-rcnn-mobilenet"), ("fast-rcnn-mobilenet-fpn", "fast-rcnn-mobilenet")] {
            let fpn = try load(fpnName), base = try load(baseName)
            XCTAssertEqual(fpn.name, fpnName)
            XCTAssertEqual(fpn.architecture, base.architecture)
            XCTAssertEqual(fpn.stages.filter { $0 != "neck" }, base.stages, "the base's stages, and the pyramid's own")
            XCTAssertEqual(fpn.stages[fpn.stages.firstIndex(of: "backbone")! + 1], "neck")
            XCTAssertEqual(fpn.neck.type, .fpn)
            XCTAssertEqual(base.neck.type, .none)
            XCTAssertEqual(fpn.neck.inStrides, [8, 16, 32])
            XCTAssertEqual(fpn.backbone.stride, 32)
            XCTAssertEqual(fpn.backbone.frozenStages, base.backbone.frozenStages)
            XCTAssertEqual(fpn.boxHead, base.boxHead)
            XCTAssertEqual(fpn.training, base.training)
            XCTAssertNotEqual(fpn.model, base.model, "each pipeline has its own model")
        }
        let faster = try load("faster-rcnn-mobilenet-fpn")
        XCTAssertEqual(faster.neck.levelStrides(backboneStride: 32), [8, 16, 32, 64])
        XCTAssertEqual(faster.rpn.anchorSizes.count % 4, 0)
        XCTAssertEqual(try load("fast-rcnn-mobilenet-fpn").neck.levelStrides(backboneStride: 32), [8, 16, 32])
    }

    func testNeckSectionIsValidated() throws {
        func parse(_ body: String) throws -> PipelineConfig {
            try PipelineConfig.parse("name: p\nstages: [decode, preprocess, backbone, rpn, roi_pool, box_head, nms]\n"
                                     + "backbone:\n  type: mobilenet_v2\n  stride: 32\n" + body, path: "p.yaml")
        }
        func reason(_ body: String) -> String {
            do { _ = try parse(body); return "accepted" } catch { return "\(error)" }
        }
        let fourLevels = "rpn:\n  anchor_sizes: [16, 32, 64, 128]\n"
        XCTAssertEqual(try parse("neck: fpn\n" + fourLevels).neck.type, .fpn, "neck: fpn is short for neck: {type: fpn}")
        XCTAssertEqual(reason("neck:\n  type: fpn\n  in_strides: [4, 8, 16, 32]\n  max_pool_level: false\n" + fourLevels), "accepted")
        XCTAssertTrue(reason("neck: fpn\nrpn:\n  anchor_sizes: [16, 32, 64]\n").contains("rpn.anchor_sizes has 3 sizes for 4 pyramid levels"))
        XCTAssertTrue(reason("neck:\n  type: fpn\n  in_strides: [8, 16]\n" + fourLevels).contains("the deepest must be backbone.stride"))
        XCTAssertTrue(reason("neck:\n  type: fpn\n  in_strides: [16, 8, 32]\n" + fourLevels).contains("strides must increase"))
        XCTAssertTrue(reason("neck:\n  type: fpn\n  in_strides: [12, 32]\nrpn:\n  anchor_sizes: [16, 32, 64]\n")
            .contains("has no map at stride 12 (it has 4, 8, 16, 32)"))
        XCTAssertTrue(reason("neck:\n  type: fpn\n  channels: 0\n" + fourLevels).contains("neck.channels = 0"))
        XCTAssertTrue(reason("neck:\n  type: bifpn\n").contains("neck.type"))
        XCTAssertTrue(reason("neck:\n  type: fpn\n  levels: 5\n").contains("unknown key 'neck.levels'"))
        XCTAssertTrue(reason("neck: fpn\n" + fourLevels + "roi_pooling:\n  canonical_level: 40\n").contains("roi_pooling.canonical_level"))
        // The pyramid's own stage needs a pyramid.
        let neckless = "name: p\nstages: [decode, preprocess, backbone, neck, rpn, roi_pool, box_head, nms]\n"
        XCTAssertThrowsError(try PipelineConfig.parse(neckless, path: "p.yaml")) {
            XCTAssertTrue("\($0)".contains("stages: 'neck' times the feature pyramid, but this pipeline has none"), "\($0)")
        }
        // R-CNN runs its CNN per region: a pyramid has nothing to feed.
        let rcnn = "name: r\nstages: [decode, selective_search, warp, cnn_features, svm, box_regression, nms]\nneck: fpn\n"
        XCTAssertThrowsError(try PipelineConfig.parse(rcnn, path: "r.yaml")) { XCTAssertTrue("\($0)".contains("neck.type = fpn"), "\($0)") }
    }

    /// Training looks the ImageNet weights up in the project folders; missing,
    /// the error says how to fetch them (it was unreachable behind a resolved path).
    func testMissingImageNetWeightsSayHowToFetchThem() throws {
        var b = PipelineConfig.BackboneConfig()
        XCTAssertNil(try b.resolvedWeightsPath(roots: ["/nonexistent"]))
        b.type = .mobilenetV2; b.weights = "imagenet"
        XCTAssertThrowsError(try b.resolvedWeightsPath(roots: ["/nonexistent", "/also-not"])) { error in
            XCTAssertTrue("\(error)".contains("detect weights fetch mobilenet_v2"), "\(error)")
        }
        let root = NSTemporaryDirectory() + "roots-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/models/imagenet", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        FileManager.default.createFile(atPath: root + "/models/imagenet/mobilenet_v2.safetensors", contents: Data([0]))
        XCTAssertEqual(try b.resolvedWeightsPath(roots: ["/nonexistent", root]), root + "/models/imagenet/mobilenet_v2.safetensors")
        b.weights = "w/mine.safetensors"
        XCTAssertThrowsError(try b.resolvedWeightsPath(roots: [root])) { XCTAssertTrue("\($0)".contains("no such weights file"), "\($0)") }
    }

    func testImageNetWeightsResolveUnderTheProjectRoot() {
        var b = PipelineConfig.BackboneConfig()
        XCTAssertNil(b.pretrainedPath(projectRoot: "/p"))
        b.type = .mobilenetV2; b.weights = "imagenet"
        XCTAssertEqual(b.pretrainedPath(projectRoot: "/p"), "/p/models/imagenet/mobilenet_v2.safetensors")
        b.weights = "/abs/w.safetensors"
        XCTAssertEqual(b.pretrainedPath(projectRoot: "/p"), "/abs/w.safetensors")
    }

    /// Every key is checked against its range at load, the error naming the
    /// file, the key, the value and what is allowed (issue 11's crashing files).
    func testOutOfRangeValuesAreRefusedWithKeyValueAndRange() {
        func reason(_ body: String, name: String = "faster-rcnn") -> String {
            do { _ = try PipelineConfig.parse("name: \(name)\nstages: [backbone, rpn]\n" + body, path: "p.yaml"); return "accepted" }
            catch { return "\(error)" }
        }
        let cases: [(String, String)] = [
            ("postprocess:\n  detections_per_image: -1\n", "postprocess.detections_per_image = -1"),
            // Issue 20: was "wrong type at top level", without the key.
            ("training:\n  seed: -1\n", "training.seed = -1"),
            ("training:\n  seed: 0.5\n", "training.seed = 0.5"),
            ("roi_pooling:\n  output_size: 100000\n", "roi_pooling.output_size = 100000"),
            ("rpn:\n  channels: 0\n", "rpn.channels = 0"),
            ("box_head:\n  representation_size: 0\n", "box_head.representation_size = 0"),
            ("rcnn:\n  warp_size: 0\n", "rcnn.warp_size = 0"),
            ("rcnn:\n  warp_size: -5\n", "rcnn.warp_size = -5"),
            ("rcnn:\n  context_padding: -100\n", "rcnn.context_padding = -100"),
            ("rcnn:\n  max_proposals: -1\n", "rcnn.max_proposals = -1"),
            ("rpn:\n  pre_nms_top_n_test: -6\n", "rpn.pre_nms_top_n_test = -6"),
            ("rpn:\n  post_nms_top_n_test: -3\n", "rpn.post_nms_top_n_test = -3"),
            ("rpn:\n  post_nms_top_n_test: 7000\n", "rpn.post_nms_top_n_test = 7000"),
            ("rpn:\n  nms_threshold: 2\n", "rpn.nms_threshold = 2.0"),
            ("postprocess:\n  nms_threshold: -1\n", "postprocess.nms_threshold = -1.0"),
            ("box_head:\n  box_coder_weights: [0, 10, 5, 5]\n", "box_head.box_coder_weights[0] = 0.0"),
            ("box_head:\n  svd_rank: -2\n", "box_head.svd_rank = -2"),
            ("selective_search:\n  max_side: 0\n", "selective_search.max_side = 0"),
            ("rpn:\n  bg_iou_threshold: 0.8\n", "rpn.bg_iou_threshold = 0.8"),
            ("training:\n  scale_jitter: [600, 400]\n", "training.scale_jitter[1] = 400"),
            ("input:\n  min_size: 600\n  max_size: 500\n", "input.max_size = 500"),
        ]
        for (body, expected) in cases {
            let r = reason(body)
            XCTAssertTrue(r.contains("p.yaml") && r.contains(expected) && r.contains("outside"), "\(body): \(r)")
        }
        XCTAssertThrowsError(try PipelineConfig.parse("name: rcnn\nstages: [decode, bogus]\n", path: "p.yaml")) { error in
            XCTAssertTrue("\(error)".contains("'bogus' is not a stage"), "\(error)")
        }
        let nan = reason("rpn:\n  nms_threshold: .nan\n")
        XCTAssertTrue(nan.contains("rpn.nms_threshold = nan: must be a finite number"), nan)
        XCTAssertTrue(reason("training:\n  learning_rate: .inf\n").contains("training.learning_rate"))
        XCTAssertEqual(reason("rpn:\n  nms_threshold: 0.6\n"), "accepted")
    }

    /// Command-line values (`detect train --epochs …`) are checked like the
    /// file's, and a refused one is named by its option and its key.
    func testOverridesAreValidatedLikeFileValues() throws {
        let file = PipelineConfig(.fasterRCNN)
        var raised = file
        raised.training.minIterations = 5000
        let applied = try raised.applying(TrainingOverrides(epochs: 3, seed: 7, learningRate: 0.01), path: "p.yaml")
        XCTAssertEqual(applied.training.epochs, 3)
        XCTAssertEqual(applied.training.minIterations, 0, "epochs asked for are run exactly")
        XCTAssertEqual(applied.training.seed, 7)
        XCTAssertEqual(applied.training.learningRate, 0.01)
        XCTAssertEqual(try file.applying(TrainingOverrides(), path: "p.yaml"), file)

        func message(_ o: TrainingOverrides) -> String {
            do { _ = try file.applying(o, path: "p.yaml"); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(TrainingOverrides(epochs: 0)), "--epochs 0: training.epochs = 0 is outside 1...10000")
        XCTAssertEqual(message(TrainingOverrides(epochs: -2)), "--epochs -2: training.epochs = -2 is outside 1...10000")
        XCTAssertTrue(message(TrainingOverrides(learningRate: -0.5)).hasPrefix("--learning-rate -0.5: training.learning_rate = -0.5 is outside"))
        XCTAssertTrue(message(TrainingOverrides(learningRate: .nan)).hasPrefix("--learning-rate nan: training.learning_rate"))
        XCTAssertEqual(message(TrainingOverrides(epochs: 20_000, seed: 1)), "--epochs 20000: training.epochs = 20000 is outside 1...10000")
    }

    /// A few hundred bytes of nested aliases would expand to gigabytes: anchors
    /// and aliases are refused before anything is built.
    func testYAMLAliasesAreRefused() {
        var yaml = "name: faster-rcnn\nstages: [backbone, rpn]\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let start = Date()
        XCTAssertThrowsError(try PipelineConfig.parse(yaml, path: "laughs.yaml")) { error in
            XCTAssertTrue("\(error)".contains("laughs.yaml") && "\(error)".contains("anchors and aliases"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
    }

    /// Fast R-CNN's files are Faster R-CNN's (`base:`) with another proposal
    /// stage: everything the two share comes from one place.
    func testFastRCNNFilesAreFasterRCNNWithAnotherProposalStage() throws {
        for (fastFile, fasterFile) in [("fast-rcnn.yaml", "faster-rcnn.yaml"), ("fast-rcnn-mobilenet.yaml", "faster-rcnn-mobilenet.yaml")] {
            let fast = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(fastFile)").path)
            let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(fasterFile)").path)
            XCTAssertEqual(fast.name, String(fastFile.dropLast(5)), "each file is its own pipeline, not its base's")
            XCTAssertEqual(fast.architecture, .fastRCNN)
            XCTAssertEqual(faster.architecture, .fasterRCNN)
            var same = fast
            same.name = faster.name; same.description = faster.description; same.model = faster.model
            XCTAssertEqual(fast.proposals, .selectiveSearch)
            XCTAssertEqual(faster.proposals, .rpn)
            same.stages = faster.stages; same.selectiveSearch = faster.selectiveSearch
            same.training.epochs = faster.training.epochs   // each schedule measured on its own
            same.training.minIterations = faster.training.minIterations
            same.boxHead.bgIouLow = faster.boxHead.bgIouLow   // Fast R-CNN's own background band
            XCTAssertEqual(same, faster, fastFile)
            XCTAssertTrue(try String(contentsOf: Self.root.appendingPathComponent("pipelines/\(fastFile)"), encoding: .utf8)
                .contains("base: \(fasterFile)"))
        }
    }

    func testBaseIncludesMergeAndRefuseCycles() throws {
        let dir = NSTemporaryDirectory() + "base-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name: faster-rcnn\nstages: [backbone, rpn]\nrpn: {nms_threshold: 0.6, channels: 128}\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "base: a.yaml\nrpn: {channels: 64}\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        let b = try PipelineConfig.load(path: dir + "/b.yaml")
        XCTAssertEqual(b.rpn.channels, 64)
        XCTAssertEqual(b.rpn.nmsThreshold, 0.6)
        try "base: d.yaml\nname: rcnn\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        try "base: c.yaml\n".write(toFile: dir + "/d.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineConfig.load(path: dir + "/c.yaml")) { XCTAssertTrue("\($0)".contains("cycle"), "\($0)") }
        XCTAssertThrowsError(try PipelineConfig.load(path: dir + "/missing-base.yaml"))
        // A base not next to the file is looked up in the toolkit's folders, by file name or pipeline name;
        // one next to it wins.
        let elsewhere = dir + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try "base: a\nrpn: {channels: 32}\n".write(toFile: elsewhere + "/e.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineConfig.load(path: elsewhere + "/e.yaml")) { XCTAssertTrue("\($0)".contains("a.yaml"), "\($0)") }
        let e = try PipelineConfig.load(path: elsewhere + "/e.yaml", baseDirectories: [dir])
        XCTAssertEqual(e.rpn.channels, 32)
        XCTAssertEqual(e.rpn.nmsThreshold, 0.6)
        try "name: faster-rcnn\nstages: [backbone, rpn]\nrpn: {nms_threshold: 0.5}\n".write(toFile: elsewhere + "/a.yaml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try PipelineConfig.load(path: elsewhere + "/e.yaml", baseDirectories: [dir]).rpn.nmsThreshold, 0.5)
    }

    /// Found by `scripts/fuzz pipeline`: a mapping used as a key (`? nms: 0.7`)
    /// made Yams trap; it is refused with the line instead.
    func testComplexMappingKeysAreRefused() {
        for yaml in ["name: faster-rcnn\nstages: [backbone, rpn]\nrpn:\n  channels: 64\n? nms_threshold: 0.7\n  fg_iou: 0.5\n",
                     "name: faster-rcnn\n? [a, b]\n: 1\n"] {
            XCTAssertThrowsError(try PipelineConfig.parse(yaml, path: "k.yaml")) { error in
                XCTAssertTrue("\(error)".contains("k.yaml") && "\(error)".contains("mapping keys"), "\(error)")
            }
        }
    }

    /// A pipeline's architecture follows from its stages, in one place: the
    /// per-region CNN makes R-CNN, otherwise the proposal stage decides. An
    /// older file's `proposals:` key must agree; stages that cannot run in the
    /// architecture are refused by name.
    func testArchitectureFollowsTheStages() throws {
        func reason(_ yaml: String) -> String {
            do { _ = try PipelineConfig.parse(yaml, path: "p.yaml"); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(try PipelineConfig.parse("name: a\nstages: [backbone, rpn]\n").architecture, .fasterRCNN)
        XCTAssertEqual(try PipelineConfig.parse("name: a\nstages: [backbone, rpn]\n").proposals, .rpn)
        XCTAssertEqual(try PipelineConfig.parse("name: a\nstages: [selective_search, backbone]\n").architecture, .fastRCNN)
        XCTAssertEqual(try PipelineConfig.parse("name: a\nstages: [selective_search, backbone]\n").proposals, .selectiveSearch)
        XCTAssertEqual(try PipelineConfig.parse("name: a\nstages: [selective_search, warp, cnn_features, svm]\n").architecture, .rcnn)
        for architecture in PipelineArchitecture.allCases {
            XCTAssertEqual(PipelineArchitecture(stages: architecture.stages), architecture)
            XCTAssertEqual(PipelineConfig(architecture).architecture, architecture)
        }
        // The older key, where it agrees, is accepted; where it disagrees, refused.
        XCTAssertEqual(reason("name: a\nstages: [backbone, rpn]\nproposals: rpn\n"), "")
        XCTAssertTrue(reason("name: a\nstages: [selective_search, backbone]\nproposals: rpn\n").contains("proposals = rpn"))
        XCTAssertTrue(reason("name: a\nstages: [selective_search, cnn_features]\nproposals: rpn\n").contains("proposals = rpn"))
        XCTAssertTrue(reason("name: a\nstages: [rpn]\nproposals: selective_search\n").contains("proposals = selective_search"))
        let unknown = reason("name: a\nstages: [rpn]\nproposals: edge_boxes\n")
        XCTAssertTrue(unknown.contains("proposals") && unknown.contains("'edge_boxes' is not one of rpn, selective_search"), unknown)
        // Stages that describe no architecture, or two.
        XCTAssertTrue(reason("name: a\nstages: [backbone, roi_pool]\n").contains("no proposal stage"))
        XCTAssertTrue(reason("name: a\nstages: [rpn, selective_search]\n").contains("both proposal stages"))
        XCTAssertTrue(reason("name: a\nstages: [selective_search, cnn_features, roi_pool]\n").contains("'roi_pool' does not run in an R-CNN"))
        XCTAssertTrue(reason("name: a\nstages: [cnn_features]\n").contains("selective_search"))
        XCTAssertTrue(reason("name: a\nstages: [rpn, warp]\n").contains("'warp' runs only in R-CNN"))

        // A file based on another is its own pipeline: its own name, and its
        // own stages free of the base's stated proposals.
        let dir = NSTemporaryDirectory() + "proposals-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name: base-one\nstages: [backbone, rpn]\nproposals: rpn\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "base: a.yaml\nstages: [selective_search, backbone]\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        try "base: a.yaml\nname: raccoon-faster\n".write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let b = try PipelineConfig.load(path: dir + "/b.yaml")
        XCTAssertEqual(b.proposals, .selectiveSearch)
        XCTAssertEqual(b.name, "b")
        XCTAssertEqual(try PipelineConfig.load(path: dir + "/a.yaml").name, "base-one")
        XCTAssertEqual(try PipelineConfig.load(path: dir + "/c.yaml").name, "raccoon-faster")
        XCTAssertEqual(try PipelineConfig.load(path: dir + "/c.yaml").architecture, .fasterRCNN)
        // The detector built from a file has an RPN exactly when its stages say so.
        let faster = try TwoStageDetector(config: PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path),
                                          classes: ["a"])
        let fast = try TwoStageDetector(config: PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/fast-rcnn.yaml").path),
                                        classes: ["a"])
        XCTAssertNotNil(faster.rpn)
        XCTAssertNil(fast.rpn)
    }

    /// What a model carries: the resolved configuration as JSON, read back
    /// equal, with the checks a file gets.
    func testConfigurationRoundTripsThroughJSON() throws {
        for file in ["rcnn-mobilenet", "fast-rcnn", "faster-rcnn-mobilenet"] {
            let c = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/\(file).yaml").path)
            XCTAssertEqual(try PipelineConfig.parseJSON(c.jsonText(), path: "m.safetensors"), c, file)
        }
        XCTAssertThrowsError(try PipelineConfig.parseJSON("{\"name\": \"x\", \"stages\": [\"rpn\"], \"rpn\": {\"channels\": 0}}", path: "m.safetensors")) {
            XCTAssertTrue("\($0)".contains("rpn.channels = 0"), "\($0)")
        }
        XCTAssertThrowsError(try PipelineConfig.parseJSON("[1]", path: "m.safetensors"))
    }

    /// Keys with a fixed set of values are typed; a value outside the set is
    /// refused with the file, the key and the choices.
    func testChoiceKeysNameTheirChoices() {
        for (yaml, expected) in [("backbone: {type: vgg16}", "backbone.type = 'vgg16' is not one of resnet, mobilenet_v2"),
                                 ("selective_search: {mode: slow}", "selective_search.mode = 'slow' is not one of single, fast, quality"),
                                 ("roi_pooling: {type: psroi}", "roi_pooling.type = 'psroi' is not one of roi_pool, roi_align")] {
            do {
                _ = try PipelineConfig.parse("name: fast-rcnn\nstages: [backbone, rpn]\n" + yaml + "\n", path: "mine.yaml")
                XCTFail("accepted \(yaml)")
            } catch {
                XCTAssertTrue("\(error)".contains("mine.yaml") && "\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// One source of defaults: a key left out of a file takes the bundled
    /// files' value. The defaults are faster-rcnn.yaml's values (and rcnn.yaml's
    /// for the sections only R-CNN and selective search read).
    func testDefaultsAreTheBundledFilesValues() throws {
        let faster = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/faster-rcnn.yaml").path)
        let rcnn = try PipelineConfig.load(path: Self.root.appendingPathComponent("pipelines/rcnn.yaml").path)
        var defaults = PipelineConfig(.fasterRCNN)
        defaults.description = faster.description; defaults.model = faster.model; defaults.stages = faster.stages
        XCTAssertEqual(defaults.input, faster.input)
        XCTAssertEqual(defaults.backbone, faster.backbone)
        XCTAssertEqual(defaults.neck, faster.neck)
        XCTAssertEqual(defaults.rpn, faster.rpn)
        XCTAssertEqual(defaults.roiPooling, faster.roiPooling)
        XCTAssertEqual(defaults.boxHead, faster.boxHead)
        XCTAssertEqual(defaults.postprocess, faster.postprocess)
        XCTAssertEqual(defaults.training, faster.training)
        XCTAssertEqual(defaults.selectiveSearch, rcnn.selectiveSearch)
        XCTAssertEqual(defaults.rcnn, rcnn.rcnn)
        // Each file writes every key of its sections, so a reader finds every value there.
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let all = try JSONSerialization.jsonObject(with: encoder.encode(defaults)) as! [String: Any]
        for (file, sections) in [("faster-rcnn.yaml", ["input", "backbone", "neck", "rpn", "roi_pooling", "box_head", "postprocess", "training"]),
                                 ("rcnn.yaml", ["selective_search", "rcnn", "postprocess", "training"])] {
            let path = Self.root.appendingPathComponent("pipelines/\(file)").path
            let written = try PipelineConfig.resolvedMapping(String(contentsOfFile: path, encoding: .utf8), path: path, chain: [])
            for section in sections {
                let keys = Set((all[section] as! [String: Any]).keys)
                let stated = Set((written[section] as? [String: Any] ?? [:]).keys)
                XCTAssertEqual(keys.subtracting(stated), [], "\(file) leaves out these \(section) keys")
            }
        }
    }

    /// Issue 20: a pipeline file (or its base) that is a FIFO is refused by
    /// kind, not waited on; one over the YAML size bound is refused unread.
    func testPipelineFilesAreRegularAndBounded() throws {
        let dir = NSTemporaryDirectory() + "pipeline-input-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(mkfifo(dir + "/pipe.yaml", 0o600), 0)
        XCTAssertThrowsError(try PipelineConfig.load(path: dir + "/pipe.yaml")) { error in
            XCTAssertTrue("\(error)".contains(dir + "/pipe.yaml") && "\(error)".contains("FIFO"), "\(error)")
        }
        try "base: pipe.yaml\nstages: [backbone, rpn]\n".write(toFile: dir + "/child.yaml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PipelineConfig.load(path: dir + "/child.yaml")) { error in
            XCTAssertTrue("\(error)".contains("base of \(dir)/child.yaml: a FIFO"), "\(error)")
        }
        try Data(count: 2 << 20).write(to: URL(fileURLWithPath: dir + "/big.yaml"))
        XCTAssertThrowsError(try PipelineConfig.load(path: dir + "/big.yaml")) { error in
            XCTAssertTrue("\(error)".contains("more than an input file may hold"), "\(error)")
        }
    }
}
