import Foundation
import Boxes
import Imaging
import NeuralNet
import Pipelines

/// Trains Fast R-CNN or Faster R-CNN end to end with SGD (momentum, weight
/// decay, linear warm-up, ×0.1 steps), minibatches of `images_per_batch`
/// images whose gradients are averaged. Deterministic for a seed: every epoch
/// draws its order and augmentations from a generator derived from (seed,
/// epoch), so a run resumed from a checkpoint continues exactly as it would
/// have.
public final class TwoStageTrainer {
    public let detector: TwoStageDetector
    public let samples: [TrainingSample]
    public var settings: PipelineConfig.TrainingConfig
    /// Fast R-CNN's precomputed proposals by image path (original pixels).
    public let proposals: [String: [Box]]
    public var log: (String) -> Void = { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
    public var showProgress = true
    /// Stop (as if interrupted) once this many epochs are done; nil runs them all.
    public var stopAfterEpoch: Int?

    public struct EpochSummary: Sendable {
        public var epoch: Int
        public var meanLoss: StepLossMeans
        public var seconds: Double
    }

    public struct StepLossMeans: Sendable, CustomStringConvertible {
        public var rpnObjectness: Double = 0, rpnBoxRegression: Double = 0, classifier: Double = 0, boxRegression: Double = 0
        public var total: Double { rpnObjectness + rpnBoxRegression + classifier + boxRegression }
        public var description: String {
            String(format: "loss %.4f (rpn %.4f + %.4f, cls %.4f, box %.4f)", total, rpnObjectness, rpnBoxRegression,
                   classifier, boxRegression)
        }
    }

    public init(detector: TwoStageDetector, samples: [TrainingSample], proposals: [String: [Box]] = [:]) {
        self.detector = detector
        self.samples = samples
        self.settings = detector.config.training
        self.proposals = proposals
    }

    /// Runs the epochs not yet in `checkpointPath` (when `resume`) and returns
    /// one summary per epoch run now.
    public func train(checkpointPath: String, resume: Bool) throws -> [EpochSummary] {
        guard !samples.isEmpty else { throw TrainingError.noImages("the dataset has no training images") }
        let params = detector.parameters
        let sgd = try SGD(parameters: params, learningRate: settings.learningRate, momentum: settings.momentum,
                          weightDecay: settings.weightDecay)
        let batch = max(1, settings.imagesPerBatch)
        let stepsPerEpoch = (samples.count + batch - 1) / batch
        let totalSteps = settings.epochs * stepsPerEpoch
        let milestones = settings.lrDropFractions.map { Int(Float(totalSteps) * $0) }
        let schedule = LinearWarmup(MultiStepLR(base: settings.learningRate, milestones: milestones),
                                    warmupSteps: settings.warmupIterations)
        var firstEpoch = 0
        if resume, FileManager.default.fileExists(atPath: checkpointPath) {
            firstEpoch = try restore(checkpointPath, sgd: sgd)
            log("resuming from \(checkpointPath) after epoch \(firstEpoch)")
        } else {
            try detector.initialise(seed: settings.seed)
        }
        let jitter = settings.scaleJitter.count == 2 ? settings.scaleJitter[0]...settings.scaleJitter[1] : nil
        let augmentation = Augmentation(horizontalFlip: settings.horizontalFlip, shorterSides: jitter)
        var summaries: [EpochSummary] = []
        for epoch in firstEpoch..<settings.epochs {
            let started = Date()
            var rng = SeededGenerator(seed: settings.seed &+ 0x5DEECE66D &* UInt64(epoch + 1))
            var order = Array(samples.indices)
            rng.shuffle(&order)
            var sums = StepLossMeans(), seen = 0
            var bar = ProgressBar(total: order.count, label: "[\(detector.config.name.rawValue) epoch \(epoch + 1)/\(settings.epochs)]")
            for s in 0..<stepsPerEpoch {
                let indices = order[(s * batch)..<min(order.count, (s + 1) * batch)]
                for p in params { p.zeroGrad() }
                var used = 0
                for i in indices {
                    let sample = samples[i]
                    let image: Image
                    do { image = try JPEG.decode(path: sample.path) } catch {
                        log("skipping \(sample.path): \(error)")
                        continue
                    }
                    let (img, boxes, flipped, side) = augmentation.apply(image, boxes: sample.boxes, using: &rng)
                    var props: [Box]? = nil
                    if detector.rpn == nil {
                        let w = Float(image.width)
                        props = (proposals[sample.path] ?? []).map { flipped ? $0.flippedHorizontally(imageWidth: w) : $0 }
                    }
                    let loss = try detector.trainStep(img, groundTruth: boxes, labels: sample.labels, proposals: props,
                                                      shorterSide: side, lossScale: 1 / Float(indices.count), using: &rng)
                    guard loss.total.isFinite else { throw TrainingError.diverged(epoch: epoch + 1, step: s + 1) }
                    sums.rpnObjectness += Double(loss.rpnObjectness); sums.rpnBoxRegression += Double(loss.rpnBoxRegression)
                    sums.classifier += Double(loss.classifier); sums.boxRegression += Double(loss.boxRegression)
                    seen += 1; used += 1
                }
                if used > 0 {
                    if settings.gradientClipNorm > 0 { _ = clipGradientNorm(params, maxNorm: settings.gradientClipNorm) }
                    sgd.learningRate = schedule.learningRate(at: epoch * stepsPerEpoch + s)
                    try sgd.step()
                }
                if showProgress {
                    bar.update(min(order.count, (s + 1) * batch), detail: means(sums, seen).description,
                               force: s == stepsPerEpoch - 1)
                }
            }
            if showProgress { bar.finish() }
            let summary = EpochSummary(epoch: epoch + 1, meanLoss: means(sums, seen), seconds: Date().timeIntervalSince(started))
            summaries.append(summary)
            try saveCheckpoint(checkpointPath, epoch: epoch + 1, sgd: sgd)
            if let stop = stopAfterEpoch, epoch + 1 >= stop { break }
        }
        return summaries
    }

    private func means(_ s: StepLossMeans, _ n: Int) -> StepLossMeans {
        let d = Double(max(n, 1))
        return StepLossMeans(rpnObjectness: s.rpnObjectness / d, rpnBoxRegression: s.rpnBoxRegression / d,
                             classifier: s.classifier / d, boxRegression: s.boxRegression / d)
    }

    private func saveCheckpoint(_ path: String, epoch: Int, sgd: SGD) throws {
        try TrainingCheckpoint.save(detector.bundle(), epoch: epoch, seed: settings.seed, images: samples.count, sgd: sgd, to: path)
    }

    /// Loads a checkpoint into the detector and optimizer; returns the epochs done.
    private func restore(_ path: String, sgd: SGD) throws -> Int {
        try TrainingCheckpoint.restore(path, pipeline: detector.config.name, classes: detector.classes, seed: settings.seed,
                                       into: detector.state, sgd: sgd)
    }
}
