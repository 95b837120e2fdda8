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

    public typealias EpochSummary = Training.EpochSummary<StepLossMeans>

    /// The four terms of the multi-task loss (RPN objectness and box regression,
    /// classifier and box regression of the head), summed or averaged over images.
    public struct StepLossMeans: EpochLoss, CustomStringConvertible {
        public var rpnObjectness: Double = 0, rpnBoxRegression: Double = 0, classifier: Double = 0, boxRegression: Double = 0
        public var total: Double { rpnObjectness + rpnBoxRegression + classifier + boxRegression }
        public var description: String {
            String(format: "loss %.4f (rpn %.4f + %.4f, cls %.4f, box %.4f)", total, rpnObjectness, rpnBoxRegression,
                   classifier, boxRegression)
        }
        public static var zero: StepLossMeans { StepLossMeans() }
        public static func + (a: StepLossMeans, b: StepLossMeans) -> StepLossMeans {
            StepLossMeans(rpnObjectness: a.rpnObjectness + b.rpnObjectness, rpnBoxRegression: a.rpnBoxRegression + b.rpnBoxRegression,
                          classifier: a.classifier + b.classifier, boxRegression: a.boxRegression + b.boxRegression)
        }
        public func mean(over count: Int) -> StepLossMeans {
            let d = Double(max(count, 1))
            return StepLossMeans(rpnObjectness: rpnObjectness / d, rpnBoxRegression: rpnBoxRegression / d,
                                 classifier: classifier / d, boxRegression: boxRegression / d)
        }
        public var isFinite: Bool { total.isFinite }
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
        let jitter = settings.scaleJitter.count == 2 ? settings.scaleJitter[0]...settings.scaleJitter[1] : nil
        let augmentation = Augmentation(horizontalFlip: settings.horizontalFlip, shorterSides: jitter)
        let loop = EpochLoop(settings: settings, parameters: detector.parameters, sampleCount: samples.count,
                             label: detector.config.name, orderSalt: 0x5DEECE66D, checkpointPath: checkpointPath,
                             resume: resume, showProgress: showProgress, stopAfterEpoch: stopAfterEpoch, log: log)
        return try loop.run(
            restore: { path, sgd in
                try TrainingCheckpoint.restore(path, pipeline: detector.config, classes: detector.classes, seed: settings.seed,
                                               into: detector.state, sgd: sgd)
            },
            initialise: { try detector.initialise(seed: settings.seed) },
            save: { path, epoch, sgd in
                try TrainingCheckpoint.save(detector.bundle(), epoch: epoch, seed: settings.seed, images: samples.count, sgd: sgd, to: path)
            },
            step: { indices, rng in
                var sums = StepLossMeans(), used = 0
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
                    sums = sums + StepLossMeans(rpnObjectness: Double(loss.rpnObjectness), rpnBoxRegression: Double(loss.rpnBoxRegression),
                                                classifier: Double(loss.classifier), boxRegression: Double(loss.boxRegression))
                    used += 1
                }
                return used > 0 ? EpochLoop.StepResult(loss: sums, count: used) : nil
            })
    }
}
