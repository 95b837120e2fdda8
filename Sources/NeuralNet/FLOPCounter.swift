/// Counts the forward FLOPs of a network for one input shape by walking its
/// layers; layers that cannot infer their shape are run once on zeros.
public enum FLOPCounter {
    public struct Count: Sendable, Equatable {
        public var flops: Int
        public var outputShape: [Int]
    }

    public static func count(_ layer: any Layer, inputShape: [Int]) throws -> Count {
        if let s = layer as? any ShapeInferring {
            return Count(flops: s.forwardFLOPs(for: inputShape), outputShape: try s.outputShape(for: inputShape))
        }
        let out = try layer.forward(Tensor(zeros: inputShape))
        return Count(flops: 0, outputShape: out.shape)
    }
}
