import Foundation
import XCTest
@testable import Parallelism

final class ParallelTests: XCTestCase {
    /// Sizes around the edges: nothing, one item, jobs below and above the
    /// serial threshold, and more items than chunks.
    let counts = [0, 1, 2, 3, 7, 100, 4_095, 100_003]

    func testForEachVisitsEveryIndexOnce() {
        for count in counts {
            for cost in [0, 1, 1_000, Int.max] {
                let visits = Recorder<Int>()
                Parallel.forEach(count, costPerItem: cost) { i in visits.append(i) }
                XCTAssertEqual(visits.sorted, Array(0..<count), "count \(count), cost \(cost)")
            }
        }
    }

    func testForEachKeepsSmallJobsOnTheCallingThread() {
        // 100 × 100 is under the 16K threshold; one item is never worth a dispatch.
        for (count, cost) in [(100, 100), (1, Int.max), (16_383, 1)] {
            let caller = pthread_self()
            let visits = Recorder<Int>()
            Parallel.forEach(count, costPerItem: cost) { i in
                visits.append(i, onCaller: pthread_equal(pthread_self(), caller) != 0)
            }
            XCTAssertEqual(visits.sorted, Array(0..<count))
            XCTAssertTrue(visits.allOnCaller, "count \(count), cost \(cost)")
        }
    }

    func testForRangesCoverWithDisjointNonEmptyRanges() {
        for count in counts {
            for minPerChunk in [0, 1, 16, 4_096] {
                let ranges = Recorder<Range<Int>>()
                Parallel.forRanges(count, minPerChunk: minPerChunk) { ranges.append($0) }
                let sorted = ranges.all.sorted { $0.lowerBound < $1.lowerBound }
                let label = "count \(count), minPerChunk \(minPerChunk)"
                XCTAssertTrue(sorted.allSatisfy { !$0.isEmpty }, label)
                // Sorted by start, each range begins where the previous ended:
                // no gap, no overlap, and together exactly 0..<count.
                XCTAssertEqual(sorted.first?.lowerBound ?? 0, 0, label)
                XCTAssertEqual(sorted.last?.upperBound ?? 0, count, label)
                for (a, b) in zip(sorted, sorted.dropFirst()) {
                    XCTAssertEqual(a.upperBound, b.lowerBound, label)
                }
                if sorted.count > 1 {
                    XCTAssertTrue(sorted.allSatisfy { $0.count >= minPerChunk }, label)
                    XCTAssertLessThanOrEqual(sorted.count, Parallel.chunksPerWorker * Parallel.workers, label)
                }
            }
        }
    }

    func testForRangesSplitsOnlyJobsOfTwoChunksOrMore() {
        let caller = pthread_self()
        let small = Recorder<Range<Int>>()
        Parallel.forRanges(63, minPerChunk: 32) { r in
            small.append(r, onCaller: pthread_equal(pthread_self(), caller) != 0)
        }
        XCTAssertEqual(small.all, [0..<63])
        XCTAssertTrue(small.allOnCaller)

        let large = Recorder<Range<Int>>()
        Parallel.forRanges(64, minPerChunk: 32) { large.append($0) }
        XCTAssertEqual(large.all.count, 2)
    }

    func testMapKeepsIndexOrder() {
        for count in counts {
            let out = Parallel.map(count) { i in "item \(i)" }
            XCTAssertEqual(out, (0..<count).map { "item \($0)" })
        }
        // Uneven jobs finish out of order; the results must not.
        let uneven = Parallel.map(16) { i -> [Int] in
            if i % 3 == 0 { usleep(2_000) }
            return [Int](repeating: i, count: i)
        }
        XCTAssertEqual(uneven, (0..<16).map { [Int](repeating: $0, count: $0) })
    }

    func testNestedLoopsVisitEveryPairOnce() {
        // Kernels call Parallel from inside other parallel work (a pipeline
        // stage over images, a layer inside it).
        let outer = 8, inner = 5_000
        let visits = Recorder<Int>()
        Parallel.forEach(outer, costPerItem: Int.max) { o in
            Parallel.forRanges(inner, minPerChunk: 100) { r in
                for i in r { visits.append(o * inner + i) }
            }
        }
        XCTAssertEqual(visits.sorted, Array(0..<(outer * inner)))
    }
}
