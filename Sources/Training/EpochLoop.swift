import Foundation
import Boxes
import NeuralNet
import Pipelines

/// A loss a trainer reports: summed over the units of an epoch (images or
/// minibatches, as the trainer counts them), then averaged for the summary.
public protocol EpochLoss: Sendable, CustomStringConvertible {
    static var zero: Self { get }
    static func + (lhs: Self, rhs: Self) -> Self
    /// The sum divided by `count` units.
    func mean(over count: Int) -> Self
    var isFinite: Bool { get }
}

/// A loss of one term (R-CNN's fine-tuning cross-entropy), summed over units.
public struct ScalarLoss: EpochLoss {
    public var value: Double
    public init(_ value: Double) { self.value = value }
    public static var zero: ScalarLoss { ScalarLoss(0) }
    public static func + (a: ScalarLoss, b: ScalarLoss) -> ScalarLoss { ScalarLoss(a.value + b.value) }
    public func mean(over count: Int) -> ScalarLoss { ScalarLoss(value / Double(max(count, 1))) }
    public var isFinite: Bool { value.isFinite }
    public var description: String { String(format: "loss %.4f", value) }
}

/// One finished epoch: its number (1-based), mean loss and wall-clock seconds.
public struct EpochSummary<Loss: EpochLoss>: Sendable {
    public var epoch: Int
    public var meanLoss: Loss
    public var seconds: Double
}

/// The epoch loop every trainer runs: SGD with momentum and weight decay, a
/// linear warm-up into ×0.1 steps at fractions of training, gradient clipping,
/// minibatches of `images_per_batch` images in an order drawn per epoch from
/// (seed, epoch), a progress bar, a checkpoint after every epoch, and resuming
/// from one. Because each epoch's generator depends only on the seed and the
/// epoch, a resumed run continues exactly as the uninterrupted one would have.
/// What a step does with its images is the trainer's (`step`).
struct EpochLoop {
    var settings: PipelineConfig.TrainingConfig
    /// What SGD updates.
    var parameters: [Parameter]
    var sampleCount: Int
    /// Progress-bar label before " epoch k/n".
    var label: String
    /// Mixed into each epoch's seed; each trainer keeps its own so its runs stay reproducible.
    var orderSalt: UInt64
    var checkpointPath: String?
    var resume = false
    var showProgress = true
    /// Stop (as if interrupted) once this many epochs are done.
    var stopAfterEpoch: Int?
    var log: (String) -> Void

    /// What one minibatch step returns: the loss summed over `count` units, or
    /// nil when none of its images could be used (no optimizer step then).
    struct StepResult<Loss: EpochLoss> {
        var loss: Loss
        var count: Int
    }

    /// Runs the epochs not yet in the checkpoint. `restore` loads a checkpoint
    /// into the model and `sgd` and returns the epochs it holds; `initialise`
    /// prepares a fresh model; `save` writes a checkpoint; `step` runs forward
    /// and backward on one minibatch (sample indices) with the epoch's generator,
    /// leaving the gradients in the parameters (zeroed before each step).
    func run<Loss: EpochLoss>(restore: (String, SGD) throws -> Int,
                              initialise: () throws -> Void,
                              save: (String, Int, SGD) throws -> Void,
                              step: (ArraySlice<Int>, inout SeededGenerator) throws -> StepResult<Loss>?) throws -> [EpochSummary<Loss>] {
        let sgd = try SGD(parameters: parameters, learningRate: settings.learningRate, momentum: settings.momentum,
                          weightDecay: settings.weightDecay)
        let batch = max(1, settings.imagesPerBatch)
        let stepsPerEpoch = settings.stepsPerEpoch(images: sampleCount)
        let totalSteps = settings.epochs * stepsPerEpoch
        let schedule = LinearWarmup(MultiStepLR(base: settings.learningRate,
                                                milestones: settings.lrDropFractions.map { Int(Float(totalSteps) * $0) }),
                                    warmupSteps: settings.warmupIterations)
        var firstEpoch = 0
        if resume, let checkpointPath, FileManager.default.fileExists(atPath: checkpointPath) {
            firstEpoch = try restore(checkpointPath, sgd)
            log("resuming from \(checkpointPath) after epoch \(firstEpoch)")
        } else {
            try initialise()
        }
        var summaries: [EpochSummary<Loss>] = []
        for epoch in firstEpoch..<settings.epochs {
            let started = Date()
            var rng = SeededGenerator(seed: settings.seed &+ orderSalt &* UInt64(epoch + 1))
            var order = Array(0..<sampleCount)
            rng.shuffle(&order)
            var sum = Loss.zero, units = 0
            var bar = ProgressBar(total: order.count, label: "[\(label) epoch \(epoch + 1)/\(settings.epochs)]")
            for s in 0..<stepsPerEpoch {
                let indices = order[(s * batch)..<min(order.count, (s + 1) * batch)]
                for p in parameters { p.zeroGrad() }
                if let result = try step(indices, &rng) {
                    guard result.loss.isFinite else { throw TrainingError.diverged(epoch: epoch + 1, step: s + 1) }
                    sum = sum + result.loss
                    units += result.count
                    if settings.gradientClipNorm > 0 { _ = clipGradientNorm(parameters, maxNorm: settings.gradientClipNorm) }
                    sgd.learningRate = schedule.learningRate(at: epoch * stepsPerEpoch + s)
                    try sgd.step()
                }
                if showProgress {
                    bar.update(min(order.count, (s + 1) * batch), detail: sum.mean(over: max(units, 1)).description,
                               force: s == stepsPerEpoch - 1)
                }
            }
            if showProgress { bar.finish() }
            summaries.append(EpochSummary(epoch: epoch + 1, meanLoss: sum.mean(over: max(units, 1)),
                                          seconds: Date().timeIntervalSince(started)))
            if let checkpointPath { try save(checkpointPath, epoch + 1, sgd) }
            if let stop = stopAfterEpoch, epoch + 1 >= stop { break }
        }
        return summaries
    }
}
