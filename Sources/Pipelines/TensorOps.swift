import Foundation
import NeuralNet

/// The softmax of one row of `count` logits into `out`, shifted by the row's
/// maximum so that no exponential overflows. Shared by the two-stage box head
/// and R-CNN's fine-tuning classifier.
@inline(__always)
func softmax(_ row: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
    var m = -Float.infinity
    for c in 0..<count { m = max(m, row[c]) }
    var sum: Float = 0
    for c in 0..<count { out[c] = expf(row[c] - m); sum += out[c] }
    let inv = 1 / sum
    for c in 0..<count { out[c] *= inv }
}
