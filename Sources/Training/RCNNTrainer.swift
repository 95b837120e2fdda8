import Foundation
import Boxes
import Heads
import Imaging
import NeuralNet
import Parallelism
import Pipelines

/// R-CNN's three training stages (Girshick et al. 2014, section 2.3):
/// 1. the CNN learns to classify warped regions (K + 1 classes; regions with
///    IoU ≥ 0.5 with an object are that object, the rest background) — the
///    paper's fine-tuning, from the backbone's ImageNet weights when the
///    pipeline names them (`backbone.weights`), otherwise from random
///    initialisation;
/// 2. one linear SVM per class on the CNN's features: ground-truth boxes are
///    positives, proposals under 0.3 IoU negatives, with hard-negative mining;
/// 3. one ridge box regressor per class on proposals with IoU > 0.6.
public final class RCNNTrainer {
    public let detector: RCNNDetector
    public let samples: [TrainingSample]
    public let proposals: [String: [Box]]
    public var settings: PipelineConfig.TrainingConfig
    public var log: (String) -> Void = { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
    public var showProgress = true
    /// Stop after this many fine-tuning epochs (tests of resuming).
    public var stopAfterEpoch: Int?

    public struct Summary: Sendable {
        public var fineTuneLoss: [Double] = []
        public var svmTrainingAccuracy: [Double] = []
        public var regressorExamples: [Int] = []
    }

    public init(detector: RCNNDetector, samples: [TrainingSample], proposals: [String: [Box]]) {
        self.detector = detector
        self.samples = samples
        self.proposals = proposals
        self.settings = detector.config.training
    }

    var rcnn: PipelineConfig.RCNNConfig { detector.config.rcnn }

    /// Fine-tunes the CNN (a checkpoint after every epoch at `checkpointPath`;
    /// with `resume`, the epochs it holds are not run again), then fits the SVMs
    /// and regressors. A resumed run gives the model an uninterrupted one gives.
    public func train(checkpointPath: String? = nil, resume: Bool = false) throws -> Summary {
        guard !samples.isEmpty else { throw TrainingError.noImages("the dataset has no training images") }
        var summary = Summary()
        summary.fineTuneLoss = try fineTune(checkpointPath: checkpointPath, resume: resume)
        if let stop = stopAfterEpoch, stop < settings.epochs { return summary }
        let data = try extractFeatures()
        if rcnn.classifier == .svm {
            try fitSVMs(data, summary: &summary)
        } else {
            log("rcnn.classifier = softmax: the fine-tuned softmax scores the regions, no SVMs are trained")
        }
        try fitRegressors(data, summary: &summary)
        return summary
    }

    // MARK: 1. CNN on warped regions

    func fineTune(checkpointPath: String?, resume: Bool) throws -> [Double] {
        let params = detector.backbone.parameters + detector.fineTuneClassifier.parameters
        let augmentation = Augmentation(horizontalFlip: settings.horizontalFlip, shorterSides: nil)
        let perImage = max(2, rcnn.fineTuneRegionsPerImage)
        let sampler = try BalancedSampler(batchSizePerImage: perImage, positiveFraction: rcnn.fineTuneForegroundFraction)
        let matcher = try Matcher(highThreshold: 0.5, lowThreshold: 0.5, allowLowQualityMatches: false)
        let loop = EpochLoop(settings: settings, parameters: params, sampleCount: samples.count, label: "\(detector.config.name) cnn",
                             orderSalt: 0x9E3779B9, checkpointPath: checkpointPath, resume: resume, showProgress: showProgress,
                             stopAfterEpoch: stopAfterEpoch, log: log)
        detector.backbone.training = true
        defer { detector.backbone.training = false }
        let summaries: [EpochSummary<ScalarLoss>] = try loop.run(
            restore: { path, sgd in
                try TrainingCheckpoint.restore(path, pipeline: detector.config, classes: detector.classes, seed: settings.seed,
                                               into: params + detector.backbone.buffers, sgd: sgd)
            },
            initialise: {
                var rng = SeededGenerator(seed: settings.seed)
                try detector.features.initialise(using: &rng)
                detector.fineTuneClassifier.weight.value = Initialisation.normal(shape: detector.fineTuneClassifier.weight.value.shape,
                                                                                std: 0.01, using: &rng)
            },
            save: { path, epoch, sgd in
                try TrainingCheckpoint.save(detector.bundle(), epoch: epoch, seed: settings.seed, images: samples.count, sgd: sgd, to: path)
            },
            step: { indices, rng in
                var regions: [Tensor] = [], labels: [Int] = []
                for i in indices {
                    let sample = samples[i]
                    guard let image = try? JPEG.decode(path: sample.path) else { log("skipping \(sample.path): cannot decode"); continue }
                    let (img, gt, flipped, _) = augmentation.apply(image, boxes: sample.boxes, using: &rng)
                    let w = Float(image.width)
                    let props = (proposals[sample.path] ?? []).map { flipped ? $0.flippedHorizontally(imageWidth: w) : $0 }
                    let candidates = props + gt.filter { !$0.isDegenerate }
                    // The paper's fine-tuning labels: IoU ≥ 0.5 with an object is that object, the rest background.
                    let matched = matcher.match(groundTruth: gt, predictions: candidates)
                    let l = matched.map { $0 >= 0 ? sample.labels[$0] + 1 : 0 }
                    let (pos, neg) = sampler.sample(labels: l, using: &rng)
                    let chosen = pos + neg
                    if chosen.isEmpty { continue }
                    regions.append(detector.warpedRegions(img, boxes: chosen.map { candidates[$0] }))
                    labels += chosen.map { l[$0] }
                }
                if labels.isEmpty { return nil }
                let input = Tensor(shape: [labels.count] + Array(regions[0].shape.dropFirst()), data: regions.flatMap(\.data))
                let logits = try detector.fineTuneClassifier.forward(detector.cnnFeatures(input))
                let ce = try SoftmaxCrossEntropyLoss()(logits: logits, targets: labels)
                if ce.value.isFinite { try detector.cnnBackward(detector.fineTuneClassifier.backward(ce.gradient)) }
                return EpochLoop.StepResult(loss: ScalarLoss(Double(ce.value)), count: 1)
            })
        return summaries.map(\.meanLoss.value)
    }

    // MARK: 2. Features

    struct ImageFeatures {
        /// Ground truth first (their labels in `gtLabels`), then proposals.
        var features: [Float]
        var boxes: [Box]
        var gtCount: Int
        var gtLabels: [Int]
        var gtBoxes: [Box]
    }

    func extractFeatures() throws -> [ImageFeatures] {
        var out: [ImageFeatures] = []
        var bar = ProgressBar(total: samples.count, label: "[\(detector.config.name) features]")
        var timer = StageTimer()
        detector.featureScale = 1
        // The SVMs' negatives come from a uniform sample of the proposals the
        // detector scores at test time, not from the first ones: selective
        // search ranks large regions first, so the top of the list holds few
        // of the small background patches the SVMs must reject at test time
        // (aquarium, same CNN: 0.254 with the first 200, 0.261 with a sample).
        var rng = SeededGenerator(seed: settings.seed ^ 0x5356_4D4E_4547_5331)
        for (n, sample) in samples.enumerated() {
            guard let image = try? JPEG.decode(path: sample.path) else { continue }
            let gt = zip(sample.boxes, sample.labels).filter { !$0.0.isDegenerate }
            let scored = detector.scoredProposals(proposals[sample.path] ?? [])
            let props = rng.sample(rcnn.trainProposals, from: scored.count).sorted().map { scored[$0] }
            let boxes = gt.map(\.0) + props
            if boxes.isEmpty { continue }
            let f = try detector.features(image, boxes: boxes, timer: &timer)
            out.append(ImageFeatures(features: f, boxes: boxes, gtCount: gt.count, gtLabels: gt.map(\.1), gtBoxes: gt.map(\.0)))
            if showProgress { bar.update(n + 1, detail: "", force: n == samples.count - 1) }
        }
        if showProgress { bar.finish() }
        // R-CNN scales features to a mean norm of 20 so one SVM C fits every layer.
        let d = detector.featureDimension
        var normSum = 0.0, count = 0
        for im in out {
            for r in 0..<(im.features.count / d) {
                var s: Float = 0
                for j in 0..<d { let v = im.features[r * d + j]; s += v * v }
                normSum += Double(s.squareRoot()); count += 1
            }
        }
        let scale = count > 0 && normSum > 0 ? Float(Double(rcnn.featureNorm) / (normSum / Double(count))) : 1
        detector.featureScale = scale
        return out.map { var m = $0; m.features = m.features.map { $0 * scale }; return m }
    }

    // MARK: 3. SVMs with hard-negative mining

    struct RegionRef: Hashable { var image: Int; var row: Int }

    /// One class's SVM after mining, the accuracy on the set it was last fitted
    /// to, and its log lines; nil SVM for a class without training boxes.
    struct ClassSVM {
        var svm: LinearSVM?
        var accuracy = 0.0
        var log: [String] = []
    }

    /// The classes' SVMs are independent problems, so they are solved at once
    /// on the cores (each is one thread's coordinate descent). Their log lines
    /// are printed afterwards in class order, so the output does not depend on
    /// which finished first.
    func fitSVMs(_ data: [ImageFeatures], summary: inout Summary) throws {
        var options = LinearSVM.TrainingOptions()
        options.c = rcnn.svmC
        options.positiveWeight = rcnn.svmPositiveWeight
        options.biasMultiplier = rcnn.svmBiasMultiplier
        options.seed = settings.seed
        let fits = Parallel.map(detector.classes.count) { k in fitSVM(classIndex: k, data, options: options) }
        for (k, fit) in fits.enumerated() {
            fit.log.forEach(log)
            guard let svm = fit.svm else { continue }
            summary.svmTrainingAccuracy.append(fit.accuracy)
            detector.svms[k] = svm
        }
    }

    func fitSVM(classIndex k: Int, _ data: [ImageFeatures], options: LinearSVM.TrainingOptions) -> ClassSVM {
        let d = detector.featureDimension, name = detector.classes[k]
        var result = ClassSVM()
        var positives: [RegionRef] = []
        var negatives: [RegionRef] = []
        for (i, im) in data.enumerated() {
            let classGT = im.gtBoxes.indices.filter { im.gtLabels[$0] == k }.map { im.gtBoxes[$0] }
            for g in 0..<im.gtCount where im.gtLabels[g] == k { positives.append(RegionRef(image: i, row: g)) }
            let props = Array(im.boxes[im.gtCount...])
            let best = Matcher.best(groundTruth: classGT, predictions: props).iou
            for (p, o) in best.enumerated() where o < rcnn.negativeIouThreshold {
                negatives.append(RegionRef(image: i, row: im.gtCount + p))
            }
        }
        guard !positives.isEmpty else {
            result.log.append("class \(name): no training boxes; its SVM rejects everything")
            return result
        }
        // First fit on a seeded random subset of negatives, then mine.
        var rng = SeededGenerator(seed: settings.seed &+ UInt64(k))
        var cache = Set<RegionRef>()
        let initial = min(negatives.count, max(4 * positives.count, 2000))
        cache.formUnion(rng.sample(initial, from: negatives.count).map { negatives[$0] })
        var svm = LinearSVM(weights: [Float](repeating: 0, count: d), bias: 0)
        var feats = [Float](), labels = [Float]()
        for round in 0...max(0, rcnn.miningRounds) {
            feats.removeAll(keepingCapacity: true)
            labels.removeAll(keepingCapacity: true)
            for r in positives { feats += data[r.image].features[(r.row * d)..<((r.row + 1) * d)]; labels.append(1) }
            // Sorted: a Set's order changes between processes, the result must not.
            for r in cache.sorted(by: { ($0.image, $0.row) < ($1.image, $1.row) }) {
                feats += data[r.image].features[(r.row * d)..<((r.row + 1) * d)]; labels.append(-1)
            }
            svm = LinearSVM.train(features: feats, labels: labels, dimension: d, options: options)
            if round == rcnn.miningRounds { break }
            // Hard negatives: outside the margin's safe side; easy ones leave the cache.
            var added = 0
            for r in negatives {
                let score = data[r.image].features.withUnsafeBufferPointer { svm.score($0.baseAddress! + r.row * d) }
                if score > rcnn.hardThreshold {
                    if cache.insert(r).inserted { added += 1 }
                } else if score < rcnn.evictThreshold {
                    cache.remove(r)
                }
            }
            result.log.append("class \(name): mining round \(round + 1): \(added) hard negatives added, cache \(cache.count)")
            if added == 0 { break }
        }
        // Accuracy on the set the final SVM was fitted to.
        let scores = svm.scores(features: feats, count: labels.count)
        let correct = zip(scores, labels).filter { ($0 > 0) == ($1 > 0) }.count
        result.accuracy = Double(correct) / Double(labels.count)
        result.svm = svm
        return result
    }

    // MARK: 4. Box regressors

    func fitRegressors(_ data: [ImageFeatures], summary: inout Summary) throws {
        let d = detector.featureDimension
        let coder = RCNNDetector.boxCoder
        for k in 0..<detector.classes.count {
            var feats = [Float](), targets = [Float]()
            for im in data {
                let classGT = im.gtBoxes.indices.filter { im.gtLabels[$0] == k }.map { im.gtBoxes[$0] }
                if classGT.isEmpty { continue }
                let props = Array(im.boxes[im.gtCount...])
                let (best, index) = Matcher.best(groundTruth: classGT, predictions: props)
                for (p, o) in best.enumerated() where o > rcnn.ridgeMinIou {
                    let row = im.gtCount + p
                    feats += im.features[(row * d)..<((row + 1) * d)]
                    let t = coder.encode(classGT[index[p]], relativeTo: props[p])
                    targets += [t[0], t[1], t[2], t[3]]
                }
            }
            summary.regressorExamples.append(targets.count / 4)
            guard !targets.isEmpty else { continue }
            detector.regressors[k] = try RidgeRegressor.fit(features: feats, targets: targets, dimension: d, outputs: 4,
                                                            lambda: rcnn.ridgeLambda)
        }
    }
}
