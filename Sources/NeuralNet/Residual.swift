/// y = activation(body(x) + shortcut(x)), the shortcut being the identity when absent:
/// the residual block of ResNets, and the "residual add" node of small graphs.
///
/// Residual adds no name of its own: the body's children keep their names
/// (`conv1`, `bn1`, …) and the shortcut is named `shortcutName` (torchvision's
/// `downsample`), giving keys like `layer2.0.downsample.0.weight`.
public final class Residual: LayerContainer, ShapeInferring {
    public let body: any Layer
    public let shortcut: (any Layer)?
    public let activation: (any Layer)?
    public let children: [(name: String, layer: any Layer)]

    public init(body: any Layer, shortcut: (any Layer)? = nil, shortcutName: String = "downsample",
                activation: (any Layer)? = nil) {
        self.body = body
        self.shortcut = shortcut?.named(shortcutName)
        self.activation = activation
        var c: [(name: String, layer: any Layer)] = [(name: "", layer: body)]
        if let shortcut { c.append((name: shortcutName, layer: shortcut)) }
        if let activation { c.append((name: "", layer: activation)) }
        children = c
    }

    /// A block with the same structure whose parts are taken as they are, their
    /// parameter names untouched (copies that share layers with an original).
    init(sharing body: any Layer, shortcut: (any Layer)?, shortcutName: String, activation: (any Layer)?) {
        self.body = body
        self.shortcut = shortcut
        self.activation = activation
        var c: [(name: String, layer: any Layer)] = [(name: "", layer: body)]
        if let shortcut { c.append((name: shortcutName, layer: shortcut)) }
        if let activation { c.append((name: "", layer: activation)) }
        children = c
    }

    public var parameters: [Parameter] { children.flatMap { $0.layer.parameters } }
    public var buffers: [Parameter] { children.flatMap { $0.layer.buffers } }

    public var training: Bool {
        get { body.training }
        set { for c in children { c.layer.training = newValue } }
    }

    public func forward(_ input: Tensor) throws -> Tensor {
        let a = try body.forward(input)
        let b = try shortcut?.forward(input) ?? input
        guard a.shape == b.shape else {
            throw TensorError.shapeMismatch(operation: "Residual add (body vs shortcut)", expected: a.shape, got: b.shape)
        }
        let sum = Elementwise.zip(a, b, AddOp())
        return try activation?.forward(sum) ?? sum
    }

    public func backward(_ gradOutput: Tensor) throws -> Tensor {
        let g = try activation?.backward(gradOutput) ?? gradOutput
        let viaBody = try body.backward(g)
        let viaShortcut = try shortcut?.backward(g) ?? g
        guard viaBody.shape == viaShortcut.shape else {
            throw TensorError.shapeMismatch(operation: "Residual.backward", expected: viaBody.shape, got: viaShortcut.shape)
        }
        return Elementwise.zip(viaBody, viaShortcut, AddOp())
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let a = try FLOPCounter.count(body, inputShape: inputShape).outputShape
        let b = try shortcut.map { try FLOPCounter.count($0, inputShape: inputShape).outputShape } ?? inputShape
        guard a == b else {
            throw TensorError.shapeMismatch(operation: "Residual add (body vs shortcut)", expected: a, got: b)
        }
        return a
    }

    public func forwardFLOPs(for inputShape: [Int]) -> Int {
        var total = (try? FLOPCounter.count(body, inputShape: inputShape).flops) ?? 0
        if let shortcut { total += (try? FLOPCounter.count(shortcut, inputShape: inputShape).flops) ?? 0 }
        return total
    }
}
