import Boxes

/// One annotated training image: its file and objects in original-image pixels.
public struct TrainingSample: Sendable, Equatable {
    public var path: String
    public var boxes: [Box]
    /// Class index of each box, 0..<K in the model's class list.
    public var labels: [Int]

    public init(path: String, boxes: [Box], labels: [Int]) {
        precondition(boxes.count == labels.count, "one label per box")
        self.path = path
        self.boxes = boxes
        self.labels = labels
    }
}

/// Errors of a training run.
public enum TrainingError: Error, CustomStringConvertible {
    case noImages(String)
    case checkpoint(path: String, reason: String)
    case diverged(epoch: Int, step: Int)

    public var description: String {
        switch self {
        case let .noImages(why): return "nothing to train on: \(why)"
        case let .checkpoint(path, reason): return "\(path): cannot resume: \(reason)"
        case let .diverged(epoch, step): return "training diverged (non-finite loss) in epoch \(epoch), step \(step); lower the learning rate"
        }
    }
}
