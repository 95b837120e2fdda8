/// A layer that can say, without running, what shape it produces and how much
/// arithmetic that costs; used by `FLOPCounter` and for checking graphs early.
public protocol ShapeInferring {
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Floating-point operations of one forward pass, a multiply-add counting as 2.
    /// Only matrix work (convolutions, fully connected) is counted; element-wise
    /// layers report 0, the usual convention for CNN FLOP figures.
    func forwardFLOPs(for inputShape: [Int]) -> Int
}

public extension ShapeInferring {
    func forwardFLOPs(for inputShape: [Int]) -> Int { 0 }
}
