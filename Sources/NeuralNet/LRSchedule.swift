import Foundation

/// A learning rate as a function of the iteration (0-based optimizer step).
/// Schedules compose: `LinearWarmup` wraps any schedule, as do the step and
/// cosine decays of the R-CNN papers' and torchvision's detection recipes.
public protocol LRSchedule: Sendable {
    func learningRate(at step: Int) -> Float
}

/// A fixed rate.
public struct ConstantLR: LRSchedule {
    public var base: Float
    public init(_ base: Float) { self.base = base }
    public func learningRate(at step: Int) -> Float { base }
}

/// Multiply by `gamma` every `stepSize` iterations (Fast R-CNN: ×0.1 after 30k).
/// A `stepSize` below 1 counts as 1, so a bad configuration cannot trap.
public struct StepLR: LRSchedule {
    public var base: Float
    public var stepSize: Int
    public var gamma: Float
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        self.base = base; self.stepSize = max(stepSize, 1); self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Float {
        base * Float(pow(Double(gamma), Double(max(step, 0) / stepSize)))
    }
}

/// Multiply by `gamma` at each milestone iteration (torchvision detection: epochs 16 and 22).
public struct MultiStepLR: LRSchedule {
    public var base: Float
    public var milestones: [Int]
    public var gamma: Float
    public init(base: Float, milestones: [Int], gamma: Float = 0.1) {
        self.base = base; self.milestones = milestones.sorted(); self.gamma = gamma
    }
    public func learningRate(at step: Int) -> Float {
        let passed = milestones.filter { step >= $0 }.count
        return base * Float(pow(Double(gamma), Double(passed)))
    }
}

/// Half-cosine from `base` at step 0 to `minimum` at `totalSteps` (at least 1), then flat.
public struct CosineLR: LRSchedule {
    public var base: Float
    public var totalSteps: Int
    public var minimum: Float
    public init(base: Float, totalSteps: Int, minimum: Float = 0) {
        self.base = base; self.totalSteps = max(totalSteps, 1); self.minimum = minimum
    }
    public func learningRate(at step: Int) -> Float {
        let t = Double(min(max(step, 0), totalSteps)) / Double(totalSteps)
        return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * t)))
    }
}

/// Scales the wrapped schedule by a factor rising linearly from `startFactor`
/// at step 0 to 1 at `warmupSteps` (torchvision detection's warm-up: factor
/// `startFactor·(1 − α) + α` with `α = step / warmupSteps`).
public struct LinearWarmup: LRSchedule {
    public var wrapped: any LRSchedule
    public var warmupSteps: Int
    public var startFactor: Float
    public init(_ wrapped: any LRSchedule, warmupSteps: Int, startFactor: Float = 0.001) {
        self.wrapped = wrapped; self.warmupSteps = warmupSteps; self.startFactor = startFactor
    }
    public func learningRate(at step: Int) -> Float {
        let base = wrapped.learningRate(at: step)
        guard step < warmupSteps, warmupSteps > 0 else { return base }
        let alpha = Float(max(step, 0)) / Float(warmupSteps)
        return base * (startFactor * (1 - alpha) + alpha)
    }
}
