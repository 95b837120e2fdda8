/// The result of hierarchical grouping: every region ever formed, the initial
/// regions first and then one per merge, in merge order. The last region is the
/// whole image (when the initial regions are connected).
public struct Hierarchy: Sendable {
    /// Features of all regions; merged ones were computed by combining their
    /// parts (sizes and boxes exactly, histograms size-weighted).
    public let regions: RegionFeatures
    public let initialCount: Int
    /// For the merged region `initialCount + i`, the two regions it was made of.
    public let merges: [(Int32, Int32)]
}

/// Uijlings et al. (2013), algorithm 1: start from the initial regions, merge
/// the most similar pair of neighbours, update the similarities of the merged
/// region with its neighbours, repeat until one region is left.
public enum HierarchicalGrouping {
    public static func group(_ initial: RegionFeatures, measures: SimilarityMeasures) -> Hierarchy {
        let n = initial.count
        guard n > 1 else { return Hierarchy(regions: initial, initialCount: n, merges: []) }
        let capacity = 2 * n - 1
        let cd = initial.colourDimensions, td = initial.textureDimensions
        let imageSize = initial.imageSize
        var sizes = initial.sizes + [Float](repeating: 0, count: n - 1)
        var boxes = initial.boxes + [Int32](repeating: 0, count: 4 * (n - 1))
        var colour = initial.colour + [Float](repeating: 0, count: cd * (n - 1))
        var texture = initial.texture + [Float](repeating: 0, count: td * (n - 1))
        var alive = [Bool](repeating: true, count: n) + [Bool](repeating: false, count: n - 1)
        var mergedInto = [Int32](repeating: -1, count: capacity)
        var adjacency = [[Int32]](repeating: [], count: capacity)
        for (a, b) in initial.neighbours {
            adjacency[Int(a)].append(b)
            adjacency[Int(b)].append(a)
        }
        var merges: [(Int32, Int32)] = []
        merges.reserveCapacity(n - 1)
        var heap = SimilarityHeap(capacity: initial.neighbours.count * 2)
        var next = n

        sizes.withUnsafeMutableBufferPointer { sb in
        boxes.withUnsafeMutableBufferPointer { bb in
        colour.withUnsafeMutableBufferPointer { cb in
        texture.withUnsafeMutableBufferPointer { tb in
        alive.withUnsafeMutableBufferPointer { live in
        mergedInto.withUnsafeMutableBufferPointer { into in
            let sz = sb.baseAddress!, bx = bb.baseAddress!, col = cb.baseAddress!, tex = tb.baseAddress!
            @inline(__always) func similarity(_ a: Int, _ b: Int) -> Float {
                var s: Float = 0
                if measures.contains(.colour) {
                    s += SimilarityMeasures.intersection(col + a * cd, col + b * cd, count: cd)
                }
                if measures.contains(.texture) {
                    s += SimilarityMeasures.intersection(tex + a * td, tex + b * td, count: td)
                }
                if measures.contains(.size) {
                    s += SimilarityMeasures.size(sz[a], sz[b], imageSize: imageSize)
                }
                if measures.contains(.fill) {
                    let w = max(bx[4 * a + 2], bx[4 * b + 2]) - min(bx[4 * a], bx[4 * b])
                    let h = max(bx[4 * a + 3], bx[4 * b + 3]) - min(bx[4 * a + 1], bx[4 * b + 1])
                    s += SimilarityMeasures.fill(sz[a], sz[b], unionBoxArea: Float(w) * Float(h),
                                                 imageSize: imageSize)
                }
                return s
            }
            @inline(__always) func current(_ r: Int32) -> Int32 {
                var x = r
                while into[Int(x)] >= 0 { x = into[Int(x)] }
                // Path compression: later look-ups of r jump straight to the live region.
                var y = r
                while into[Int(y)] >= 0 && into[Int(y)] != x { let z = into[Int(y)]; into[Int(y)] = x; y = z }
                return x
            }

            for (a, b) in initial.neighbours {
                heap.push(similarity(Int(a), Int(b)), a, b)
            }
            var merged: [Int32] = []
            while let e = heap.pop() {
                let a = Int(e.a), b = Int(e.b)
                guard live[a] && live[b] else { continue }
                let t = next
                next += 1
                let sa = sz[a], sb = sz[b], st = sa + sb
                sz[t] = st
                bx[4 * t] = min(bx[4 * a], bx[4 * b])
                bx[4 * t + 1] = min(bx[4 * a + 1], bx[4 * b + 1])
                bx[4 * t + 2] = max(bx[4 * a + 2], bx[4 * b + 2])
                bx[4 * t + 3] = max(bx[4 * a + 3], bx[4 * b + 3])
                // Size-weighted histograms equal the histograms of the union's pixels.
                let wa = sa / st, wb = sb / st
                for i in 0..<cd { col[t * cd + i] = wa * col[a * cd + i] + wb * col[b * cd + i] }
                for i in 0..<td { tex[t * td + i] = wa * tex[a * td + i] + wb * tex[b * td + i] }
                live[a] = false; live[b] = false; live[t] = true
                into[a] = Int32(t); into[b] = Int32(t)
                merges.append((e.a, e.b))

                merged.removeAll(keepingCapacity: true)
                for x in adjacency[a] { let r = current(x); if r != Int32(t) { merged.append(r) } }
                for x in adjacency[b] { let r = current(x); if r != Int32(t) { merged.append(r) } }
                merged.sort()
                var unique: [Int32] = []
                unique.reserveCapacity(merged.count)
                for r in merged where unique.last != r { unique.append(r) }
                adjacency[a] = []
                adjacency[b] = []
                for m in unique { heap.push(similarity(t, Int(m)), Int32(t), m) }
                adjacency[t] = unique
            }
        }}}}}}
        let count = next
        let regions = RegionFeatures(
            imageSize: imageSize, colourDimensions: cd, textureDimensions: td,
            sizes: Array(sizes[0..<count]), boxes: Array(boxes[0..<(4 * count)]),
            colour: Array(colour[0..<(cd * count)]), texture: Array(texture[0..<(td * count)]),
            neighbours: initial.neighbours)
        return Hierarchy(regions: regions, initialCount: n, merges: merges)
    }
}
