import XCTest
@testable import Boxes

final class BalancedSamplerTests: XCTestCase {
    func testSplitMix64KnownOutputs() throws {
        // Reference values of SplitMix64 from seed 0.
        var g = SeededGenerator(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(g.next(), 0x06C4_5D18_8009_454F)
        var h = SeededGenerator(seed: 5)
        for _ in 0..<1000 {
            let v = h.next(below: 7)
            XCTAssertTrue((0..<7).contains(v))
            let f = h.nextUnitFloat()
            XCTAssertTrue(f >= 0 && f < 1)
        }
    }

    func testCounts() throws {
        let sampler = try BalancedSampler(batchSizePerImage: 256, positiveFraction: 0.5)
        var g = SeededGenerator(seed: 1)
        // Few positives: all taken, negatives fill the batch.
        var labels = [Int](repeating: 0, count: 1000) + [Int](repeating: -1, count: 50)
        for i in 0..<10 { labels[i * 7] = 1 }
        var s = sampler.sample(labels: labels, using: &g)
        XCTAssertEqual(s.positive, (0..<10).map { $0 * 7 })
        XCTAssertEqual(s.negative.count, 246)
        XCTAssertTrue(s.negative.allSatisfy { labels[$0] == 0 })
        XCTAssertEqual(s.negative, s.negative.sorted())
        XCTAssertEqual(Set(s.negative).count, 246)
        // Many positives: capped at half; class labels > 1 count as positive.
        labels = [Int](repeating: 3, count: 300) + [Int](repeating: 0, count: 300)
        s = sampler.sample(labels: labels, using: &g)
        XCTAssertEqual(s.positive.count, 128)
        XCTAssertEqual(s.negative.count, 128)
        XCTAssertTrue(s.positive.allSatisfy { $0 < 300 } && s.negative.allSatisfy { $0 >= 300 })
        // Not enough of anything: everything usable is returned.
        s = sampler.sample(labels: [1, 0, -1, -2, 0, 2], using: &g)
        XCTAssertEqual(s.positive, [0, 5])
        XCTAssertEqual(s.negative, [1, 4])
        // Fast R-CNN's 64 at 25 %.
        let fast = try BalancedSampler(batchSizePerImage: 64, positiveFraction: 0.25)
        s = fast.sample(labels: [Int](repeating: 1, count: 100) + [Int](repeating: 0, count: 100), using: &g)
        XCTAssertEqual(s.positive.count, 16)
        XCTAssertEqual(s.negative.count, 48)
    }

    func testInvalidParametersThrow() throws {
        XCTAssertThrowsError(try BalancedSampler(batchSizePerImage: -1, positiveFraction: 0.5))
        XCTAssertThrowsError(try BalancedSampler(batchSizePerImage: 256, positiveFraction: 1.5)) {
            XCTAssertTrue("\($0)".contains("1.5"))
        }
    }

    func testDeterministicAndSeedDependent() throws {
        let sampler = try BalancedSampler(batchSizePerImage: 32, positiveFraction: 0.25)
        let labels = (0..<500).map { $0 % 5 == 0 ? 1 : 0 }
        var g1 = SeededGenerator(seed: 99), g2 = SeededGenerator(seed: 99), g3 = SeededGenerator(seed: 100)
        let a = sampler.sample(labels: labels, using: &g1)
        let b = sampler.sample(labels: labels, using: &g2)
        let c = sampler.sample(labels: labels, using: &g3)
        XCTAssertEqual(a.positive, b.positive)
        XCTAssertEqual(a.negative, b.negative)
        XCTAssertNotEqual(a.negative, c.negative)
    }

    func testChoiceIsRoughlyUniform() throws {
        var g = SeededGenerator(seed: 2024)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<4000 {
            for i in BalancedSampler.choose(1, from: [0, 1, 2, 3], using: &g) { counts[i] += 1 }
        }
        // Expected 1000 each; ±150 is more than 5 standard deviations.
        for c in counts { XCTAssertTrue((850...1150).contains(c), "\(counts)") }
    }
}
