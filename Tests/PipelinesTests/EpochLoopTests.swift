import XCTest
import NeuralNet
import Pipelines
@testable import Training

/// The epoch loop both trainers run, driven directly with a one-weight model
/// (fit w in y = w·x to y = 3x, one sample per index): order, optimizer steps,
/// schedule, checkpoints, resuming and divergence.
final class EpochLoopTests: XCTestCase {
    /// A tiny trainer: its model, its checkpoints kept in memory, and the
    /// indices each step saw.
    final class Toy {
        let weight = Parameter(name: "w", value: Tensor(shape: [1], data: [0]), decay: false)
        var saved: [String: (epoch: Int, w: Float, momentum: [String: Tensor])] = [:]
        var seen: [[Int]] = []
        /// The loop resumes only from a checkpoint file that exists.
        let path = NSTemporaryDirectory() + "epoch-loop-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: path) }
        let xs: [Float] = [0.5, -1, 2, 1.5, -0.5, 1]

        func loop(epochs: Int, stopAfter: Int? = nil, resume: Bool = false) -> EpochLoop {
            var settings = PipelineConfig.TrainingConfig()
            settings.epochs = epochs
            settings.imagesPerBatch = 2
            settings.learningRate = 0.05
            settings.momentum = 0.5
            settings.warmupIterations = 2
            settings.lrDropFractions = [0.75]
            settings.gradientClipNorm = 0
            settings.weightDecay = 0
            return EpochLoop(settings: settings, parameters: [weight], sampleCount: xs.count, label: "toy", orderSalt: 7,
                             checkpointPath: path, resume: resume, showProgress: false, stopAfterEpoch: stopAfter, log: { _ in })
        }

        func run(_ loop: EpochLoop, nonFiniteAt badStep: Int? = nil) throws -> [EpochSummary<ScalarLoss>] {
            var step = 0
            return try loop.run(
                restore: { path, sgd in
                    let s = self.saved[path]!
                    self.weight.value.data[0] = s.w
                    try sgd.restoreMomentum(s.momentum)
                    return s.epoch
                },
                initialise: { self.weight.value.data[0] = 0 },
                save: { path, epoch, sgd in
                    self.saved[path] = (epoch, self.weight.value.data[0], sgd.momentumState())
                    FileManager.default.createFile(atPath: path, contents: Data())
                },
                step: { indices, rng in
                    step += 1
                    self.seen.append(Array(indices))
                    _ = rng.next()   // the step may draw from the epoch's generator
                    var loss = 0.0
                    for i in indices {
                        let x = self.xs[i], r = self.weight.value.data[0] * x - 3 * x
                        loss += Double(r * r)
                        self.weight.grad.data[0] += 2 * r * x / Float(indices.count)
                    }
                    if step == badStep { loss = .nan }
                    return EpochLoop.StepResult(loss: ScalarLoss(loss), count: indices.count)
                })
        }
    }

    func testEpochsCoverEverySampleOnceAndLearn() throws {
        let toy = Toy()
        let epochs = try toy.run(toy.loop(epochs: 8))
        XCTAssertEqual(epochs.map(\.epoch), Array(1...8))
        XCTAssertEqual(toy.seen.count, 8 * 3)   // 6 samples in minibatches of 2
        for e in 0..<8 {
            XCTAssertEqual(toy.seen[(3 * e)..<(3 * e + 3)].flatMap { $0 }.sorted(), Array(0..<6), "epoch \(e + 1) sees each sample once")
        }
        XCTAssertNotEqual(toy.seen[0...2].flatMap { $0 }, toy.seen[3...5].flatMap { $0 }, "each epoch draws its own order")
        XCTAssertLessThan(epochs.last!.meanLoss.value, 0.1 * epochs.first!.meanLoss.value)
        XCTAssertEqual(toy.weight.value.data[0], 3, accuracy: 0.3)
        XCTAssertEqual(toy.saved[toy.path]?.epoch, 8)
    }

    func testResumedRunEqualsUninterruptedOne() throws {
        let whole = Toy()
        _ = try whole.run(whole.loop(epochs: 5))
        let interrupted = Toy()
        _ = try interrupted.run(interrupted.loop(epochs: 5, stopAfter: 2))
        XCTAssertEqual(interrupted.saved[interrupted.path]?.epoch, 2)
        interrupted.weight.value.data[0] = 42   // a fresh process: nothing but the checkpoint survives
        let rest = try interrupted.run(interrupted.loop(epochs: 5, resume: true))
        XCTAssertEqual(rest.map(\.epoch), [3, 4, 5])
        XCTAssertEqual(interrupted.weight.value.data[0], whole.weight.value.data[0])
        XCTAssertEqual(interrupted.seen, whole.seen)
    }

    func testNonFiniteLossStopsWithTheEpochAndStep() throws {
        let toy = Toy()
        XCTAssertThrowsError(try toy.run(toy.loop(epochs: 3), nonFiniteAt: 5)) { error in
            guard case TrainingError.diverged(let epoch, let step) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 2)
            XCTAssertEqual(step, 2)
        }
    }
}
