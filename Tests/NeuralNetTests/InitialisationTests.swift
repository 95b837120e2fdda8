import Foundation
import XCTest
@testable import NeuralNet

final class InitialisationTests: XCTestCase {
    func testGeneratorIsReproducibleAndSeedDependent() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<100).map { _ in c.next() })
        // SplitMix64 reference outputs for seed 0 (Vigna's splitmix64.c).
        var z = SeededGenerator(seed: 0)
        XCTAssertEqual(z.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(z.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testBoundedIntegersAndShuffle() {
        var rng = SeededGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.next(below: 7)] += 1 }
        XCTAssert(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")

        var a = Array(0..<50), b = Array(0..<50)
        var r1 = SeededGenerator(seed: 8), r2 = SeededGenerator(seed: 8)
        r1.shuffle(&a)
        r2.shuffle(&b)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, Array(0..<50))
        XCTAssertEqual(a.sorted(), Array(0..<50), "a permutation")
    }

    /// `sample(k, from: n)`: k distinct indices in range, the same for the same
    /// seed, every index equally likely (R-CNN draws its SVM training proposals
    /// with it, and a bias towards the start of the list is what it must not have).
    func testSampleDrawsDistinctIndicesUniformly() {
        var r1 = SeededGenerator(seed: 11), r2 = SeededGenerator(seed: 11)
        let s1 = r1.sample(20, from: 100), s2 = r2.sample(20, from: 100)
        XCTAssertEqual(s1, s2)
        XCTAssertEqual(Set(s1).count, 20)
        XCTAssertTrue(s1.allSatisfy { (0..<100).contains($0) })
        XCTAssertEqual(r1.sample(5, from: 3).sorted(), [0, 1, 2], "all of them when count ≥ n")
        XCTAssertEqual(r1.sample(3, from: 0), [])
        XCTAssertEqual(r1.sample(-1, from: 4), [])
        // 20,000 draws of 10 of 40: each index is chosen 5,000 times in expectation (sd ≈ 61).
        var counts = [Int](repeating: 0, count: 40)
        for _ in 0..<20_000 { for i in r1.sample(10, from: 40) { counts[i] += 1 } }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 5_000) < 300 }, "\(counts)")
    }

    func testUniformAndGaussianStatistics() {
        var rng = SeededGenerator(seed: 7)
        let n = 200_000
        var sum = 0.0, sumSq = 0.0, lo = 1.0, hi = 0.0
        for _ in 0..<n {
            let u = rng.nextUniform()
            sum += u; sumSq += u * u; lo = min(lo, u); hi = max(hi, u)
        }
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 0.005)
        XCTAssertEqual(sumSq / Double(n) - pow(sum / Double(n), 2), 1.0 / 12, accuracy: 0.002)
        XCTAssert(lo >= 0 && hi < 1)

        var g = 0.0, g2 = 0.0, g4 = 0.0
        for _ in 0..<n {
            let x = rng.nextGaussian()
            g += x; g2 += x * x; g4 += x * x * x * x
        }
        XCTAssertEqual(g / Double(n), 0, accuracy: 0.01)
        XCTAssertEqual(g2 / Double(n), 1, accuracy: 0.01)
        XCTAssertEqual(g4 / Double(n), 3, accuracy: 0.06, "Gaussian kurtosis")
    }

    private func stats(_ t: Tensor) -> (mean: Double, std: Double, maxAbs: Float) {
        let n = Double(t.count)
        let mean = t.data.reduce(0.0) { $0 + Double($1) } / n
        let v = t.data.reduce(0.0) { $0 + pow(Double($1) - mean, 2) } / n
        return (mean, v.squareRoot(), t.data.map(abs).max() ?? 0)
    }

    func testKaimingAndXavierStatistics() throws {
        var rng = SeededGenerator(seed: 1)
        // Conv weight [out 64, in 32, 3, 3]: fan_in 288, fan_out 576.
        let shape = [64, 32, 3, 3]
        let kn = try Initialisation.kaimingNormal(shape: shape, using: &rng)
        XCTAssertEqual(stats(kn).std, (2.0 / 288).squareRoot(), accuracy: 0.02 * (2.0 / 288).squareRoot())
        XCTAssertEqual(stats(kn).mean, 0, accuracy: 0.002)

        let knOut = try Initialisation.kaimingNormal(shape: shape, mode: .fanOut, using: &rng)
        XCTAssertEqual(stats(knOut).std, (2.0 / 576).squareRoot(), accuracy: 0.02 * (2.0 / 576).squareRoot())

        let leaky = Nonlinearity.leakyReLU(negativeSlope: 0.2)
        XCTAssertEqual(leaky.gain, (2 / 1.04 as Float).squareRoot(), accuracy: 1e-6)
        let ku = try Initialisation.kaimingUniform(shape: shape, nonlinearity: leaky, using: &rng)
        let bound = Double(leaky.gain) * (3.0 / 288).squareRoot()
        XCTAssertLessThanOrEqual(Double(stats(ku).maxAbs), bound)
        XCTAssertGreaterThan(Double(stats(ku).maxAbs), 0.99 * bound)
        XCTAssertEqual(stats(ku).std, bound / 3.0.squareRoot(), accuracy: 0.02 * bound)

        // Linear [out 100, in 300].
        let xn = try Initialisation.xavierNormal(shape: [100, 300], using: &rng)
        XCTAssertEqual(stats(xn).std, (2.0 / 400).squareRoot(), accuracy: 0.02 * (2.0 / 400).squareRoot())
        let xu = try Initialisation.xavierUniform(shape: [100, 300], gain: Nonlinearity.tanh.gain, using: &rng)
        let xb = 5.0 / 3 * (6.0 / 400).squareRoot()
        XCTAssertLessThanOrEqual(Double(stats(xu).maxAbs), xb)
        XCTAssertEqual(stats(xu).std, xb / 3.0.squareRoot(), accuracy: 0.02 * xb)

        XCTAssertThrowsError(try Initialisation.kaimingNormal(shape: [10], using: &rng))
        XCTAssertThrowsError(try Initialisation.kaimingNormal(shape: [10, 0], using: &rng))
    }

    func testInitialisationIsReproducibleGivenSeed() throws {
        func draw(_ seed: UInt64) throws -> [Float] {
            var rng = SeededGenerator(seed: seed)
            let a = try Initialisation.kaimingNormal(shape: [8, 4, 3, 3], using: &rng)
            let b = try Initialisation.xavierUniform(shape: [10, 20], using: &rng)
            return a.data + b.data
        }
        XCTAssertEqual(try draw(2026), try draw(2026))
        XCTAssertNotEqual(try draw(2026), try draw(2027))
    }
}
