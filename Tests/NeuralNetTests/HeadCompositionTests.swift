import XCTest
@testable import NeuralNet

/// The containers must be able to express the detection heads with torchvision's
/// state_dict keys: an RPN head (shared conv, then two sibling 1×1 convs) and a
/// two-layer box head.
final class HeadCompositionTests: XCTestCase {
    func testRPNHeadNamesShapesAndGradients() throws {
        var rnd = TestRandom(seed: 90)
        let channels = 4, anchors = 3
        let head = Sequential([
            ("conv", Sequential([Sequential([Conv2d(channels, channels, kernel: 3, padding: 1), ReLU()])])),
            // Unnamed: the siblings keep their own names directly under the head.
            ("", ConcatChannels([
                ("cls_logits", Conv2d(channels, anchors, kernel: 1)),
                ("bbox_pred", Conv2d(channels, 4 * anchors, kernel: 1)),
            ])),
        ]).named("rpn.head")
        XCTAssertEqual(head.parameters.map(\.name), [
            "rpn.head.conv.0.0.weight", "rpn.head.conv.0.0.bias",
            "rpn.head.cls_logits.weight", "rpn.head.cls_logits.bias",
            "rpn.head.bbox_pred.weight", "rpn.head.bbox_pred.bias",
        ])
        rnd.fill(head)
        let x = rnd.tensor([1, channels, 5, 6])
        let out = try head.forward(x)
        let parts = try ConcatChannels.split(out, sizes: [anchors, 4 * anchors])
        XCTAssertEqual(parts[0].shape, [1, anchors, 5, 6], "objectness")
        XCTAssertEqual(parts[1].shape, [1, 4 * anchors, 5, 6], "box deltas")
        // The 3×3 conv feeds a ReLU: keep its outputs away from the kink by using
        // a positive bias, so finite differences stay valid.
        let conv = head.parameters[1]
        conv.value = Tensor(shape: conv.value.shape, repeating: 3)
        try checkGradients(head, input: x)
    }

    func testBoxHeadNamesAndGradients() throws {
        var rnd = TestRandom(seed: 91)
        let head = Sequential([
            ("flatten", Flatten()),
            ("fc6", Linear(2 * 3 * 3, 8)), ("relu6", Sigmoid()),
            ("fc7", Linear(8, 8)), ("relu7", Sigmoid()),
        ]).named("roi_heads.box_head")
        XCTAssertEqual(head.parameters.map(\.name), ["roi_heads.box_head.fc6.weight", "roi_heads.box_head.fc6.bias",
                                                     "roi_heads.box_head.fc7.weight", "roi_heads.box_head.fc7.bias"])
        rnd.fill(head)
        try checkGradients(head, input: rnd.tensor([3, 2, 3, 3]))
        XCTAssertEqual(try FLOPCounter.count(head, inputShape: [3, 2, 3, 3]).flops, 2 * 3 * (18 * 8 + 8 * 8))
    }
}
