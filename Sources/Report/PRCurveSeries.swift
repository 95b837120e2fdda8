import Evaluation

/// One pipeline's precision–recall curve for one class.
public struct PRCurveSeries: Sendable, Equatable {
    public var pipeline: String
    public var className: String
    /// Points in detection order (highest score first), as `PRCurve` holds them.
    public var recall: [Double]
    public var precision: [Double]
    public var ap: Double?

    public init(pipeline: String, className: String, recall: [Double], precision: [Double], ap: Double?) {
        self.pipeline = pipeline; self.className = className
        self.recall = recall; self.precision = precision; self.ap = ap
    }

    public init(pipeline: String, className: String, curve: PRCurve, ap: Double?) {
        self.init(pipeline: pipeline, className: className, recall: curve.recall, precision: curve.precision, ap: ap)
    }
}
