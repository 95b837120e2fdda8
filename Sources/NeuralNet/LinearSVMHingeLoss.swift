/// The loss of R-CNN's per-class linear SVMs, for training them by gradient
/// descent on `[N, C]` scores (one column per class, one-vs-rest).
///
/// Each class is an independent binary SVM with labels `y ∈ {+1, −1}`:
/// `ℓ = c_y · max(0, 1 − y·s)` (hinge, liblinear's "L1-loss"), or
/// `ℓ = c_y · max(0, 1 − y·s)²` with `squared` (liblinear's "L2-loss"),
/// where `c_{+1} = positiveWeight` and `c_{−1} = 1`.
///
/// What R-CNN used (rbgirshick/rcnn, `rcnn_train.m`, function `update_model`):
/// liblinear solver type 3 — L2-regularised **L1-loss** (plain, not squared)
/// hinge SVM solved in the dual — called with `-w1 2` (positives' hinge loss
/// weighted by `pos_loss_weight = 2`), `-c 1e-3` (`svm_C`) and `-B 10`
/// (`bias_mult`: a constant feature 10 whose weight becomes the bias, so the bias
/// is regularised too). Positives are the ground-truth boxes of the class;
/// negatives are proposals with IoU < 0.3 with every box of that class, found
/// by hard-negative mining (cache scores > −1.0001 added, < −1.2 evicted).
/// Its objective is `½‖w‖² + C·Σᵢ c_{yᵢ}·max(0, 1 − yᵢ·(w·xᵢ + b))`; with this
/// loss under `.sum` that is an L2 weight decay of `1/C` on the SVM weights
/// (`1/(C·N)` under `.mean`).
public struct LinearSVMHingeLoss: Sendable {
    /// `c_{+1}`: the cost factor on positives' loss (R-CNN: 2).
    public var positiveWeight: Float
    /// Squared hinge (liblinear L2-loss) instead of the hinge R-CNN used.
    public var squared: Bool
    public var reduction: LossReduction

    public init(positiveWeight: Float = 1, squared: Bool = false, reduction: LossReduction = .mean) {
        self.positiveWeight = positiveWeight
        self.squared = squared
        self.reduction = reduction
    }

    /// `labels` has the scores' shape with values +1 (positive), −1 (negative) or
    /// 0 (this example does not train this class's SVM). `.mean` divides by the
    /// number of non-zero labels.
    public func callAsFunction(scores: Tensor, labels: Tensor) throws -> LossResult {
        try scores.requireSameShape(labels, "SVM hinge labels")
        try validateReduction(reduction, "SVM hinge")
        let count = scores.count
        var grad = Tensor(zeros: scores.shape)
        var total = 0.0
        var used = 0
        var badLabel: (Int, Float)?
        let cPos = Double(positiveWeight)
        let sq = squared
        scores.withUnsafeBufferPointer { s in
            labels.withUnsafeBufferPointer { y in
                grad.withUnsafeMutableBufferPointer { g in
                    for i in 0..<count {
                        let yi = y[i]
                        if yi == 0 { continue }
                        guard yi == 1 || yi == -1 else { badLabel = (i, yi); return }
                        used += 1
                        let c = yi > 0 ? cPos : 1
                        let margin = 1 - Double(yi) * Double(s[i])
                        if margin <= 0 { continue }
                        if sq {
                            total += c * margin * margin
                            g[i] = Float(-2 * c * margin * Double(yi))
                        } else {
                            total += c * margin
                            g[i] = Float(-c * Double(yi))
                        }
                    }
                }
            }
        }
        if let (i, v) = badLabel {
            throw TensorError.invalid("SVM hinge: label \(v) at element \(i) is not +1, −1 or 0")
        }
        let div = reduction.divisor(elements: used)
        let f = Float(1 / div)
        grad.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= f } }
        return LossResult(value: Float(total / div), gradient: grad)
    }

    /// One-vs-rest labels from class indices: `+1` in the column of the sample's
    /// class, `−1` in every other column. A class index outside `0..<classes`
    /// (background, e.g. −1) makes the sample a negative for every class; `nil`
    /// entries are ignored (all 0).
    public static func oneVsRestLabels(classIndices: [Int?], classes: Int) -> Tensor {
        var labels = Tensor(zeros: [classIndices.count, classes])
        labels.withUnsafeMutableBufferPointer { l in
            for (i, k) in classIndices.enumerated() {
                guard let k else { continue }
                for j in 0..<classes { l[i * classes + j] = j == k ? 1 : -1 }
            }
        }
        return labels
    }
}
