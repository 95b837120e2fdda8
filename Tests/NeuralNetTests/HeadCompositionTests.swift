import XCTest
import TestSupport
@testable import NeuralNet

/// The containers must be able to express the detection heads with torchvision's
/// state_dict keys: an RPN head (shared conv, then two sibling 1×1 convs) and a
/// two-layer box head.
final class HeadCompositionTests: XCTestCase {
    func testBoxHeadNamesAndGradients() throws {
        var rnd = TestRandom(seed: 91)
        let head = Sequential([
            ("flatten", Flatten()),
            ("fc6", Linear(2 * 3 * 3, 8)), ("relu6", SmoothActivation()),
            ("fc7", Linear(8, 8)), ("relu7", SmoothActivation()),
        ]).named("roi_heads.box_head")
        XCTAssertEqual(head.parameters.map(\.name), ["roi_heads.box_head.fc6.weight", "roi_heads.box_head.fc6.bias",
                                                     "roi_heads.box_head.fc7.weight", "roi_heads.box_head.fc7.bias"])
        rnd.fill(head)
        try checkGradients(head, input: rnd.tensor([3, 2, 3, 3]))
        XCTAssertEqual(try FLOPCounter.count(head, inputShape: [3, 2, 3, 3]).flops, 2 * 3 * (18 * 8 + 8 * 8))
    }
}
