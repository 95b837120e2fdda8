/// Felzenszwalb & Huttenlocher (IJCV 2004) graph-based segmentation, the
/// initial regions of selective search: Gaussian smoothing, an 8-neighbour
/// grid graph weighted by the Euclidean colour distance, edges in increasing
/// weight order, and a union-find merge whenever an edge is no heavier than
/// both components' internal difference plus k/|C|. Components smaller than
/// `minSize` pixels are merged into a neighbour afterwards.
///
/// The sorted edge list depends only on the image and σ, so one
/// `GraphSegmentation` serves every k (selective search's fast mode runs two k
/// per colour space).
public struct GraphSegmentation: Sendable {
    public let width: Int
    public let height: Int
    /// Edges sorted by weight. Each key is the weight's float bits in the upper
    /// 32 bits and `pixel * 4 + direction` in the lower 32 (see `neighbourOffset`).
    let sortedEdges: [UInt64]

    /// Builds the graph of `planes` after smoothing with a Gaussian of `sigma` (0 = none).
    public init(_ planes: ColorPlanes, sigma: Float = 0.8) {
        precondition(planes.planeSize < (1 << 29), "image too large for 32-bit edge ids")
        let smooth = sigma > 0 ? GaussianFilter.smooth(planes, sigma: sigma) : planes
        width = planes.width
        height = planes.height
        sortedEdges = GraphSegmentation.buildEdges(smooth)
    }

    /// Pixel-index offsets of the four forward neighbours: right, down, down-right, up-right.
    /// Together with their reverses they make the 8-neighbourhood.
    @inline(__always)
    static func neighbourOffset(_ direction: Int, width: Int) -> Int {
        switch direction {
        case 0: return 1
        case 1: return width
        case 2: return width + 1
        default: return 1 - width
        }
    }

    static func buildEdges(_ planes: ColorPlanes) -> [UInt64] {
        let w = planes.width, h = planes.height, n = planes.planeSize, nc = planes.channels
        var count = 0
        var keys = [UInt64](repeating: 0, count: 4 * n)
        planes.values.withUnsafeBufferPointer { vb in
            keys.withUnsafeMutableBufferPointer { kb in
                let v = vb.baseAddress!
                let k = kb.baseAddress!
                @inline(__always) func add(_ p: Int, _ dir: Int) {
                    let q = p + neighbourOffset(dir, width: w)
                    var d2: Float = 0
                    for c in 0..<nc {
                        let t = v[c * n + p] - v[c * n + q]
                        d2 += t * t
                    }
                    let weight = d2.squareRoot()
                    k[count] = UInt64(weight.bitPattern) << 32 | UInt64(p * 4 + dir)
                    count += 1
                }
                for y in 0..<h {
                    for x in 0..<w {
                        let p = y * w + x
                        if x + 1 < w { add(p, 0) }
                        if y + 1 < h { add(p, 1) }
                        if x + 1 < w && y + 1 < h { add(p, 2) }
                        if x + 1 < w && y > 0 { add(p, 3) }
                    }
                }
            }
        }
        keys.removeLast(keys.count - count)
        radixSortUpper32(&keys)
        return keys
    }

    /// Stable LSD radix sort on the upper 32 bits (two 16-bit digits). The
    /// weights are non-negative floats, whose bit patterns order like the values.
    static func radixSortUpper32(_ keys: inout [UInt64]) {
        let n = keys.count
        guard n > 1 else { return }
        var tmp = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in [UInt64(32), 48] {
            keys.withUnsafeMutableBufferPointer { src in
                tmp.withUnsafeMutableBufferPointer { dst in
                    counts.withUnsafeMutableBufferPointer { cnt in
                        for i in 0..<cnt.count { cnt[i] = 0 }
                        for i in 0..<n { cnt[Int((src[i] >> shift) & 0xFFFF)] += 1 }
                        var sum = 0
                        for i in 0..<cnt.count { let c = cnt[i]; cnt[i] = sum; sum += c }
                        for i in 0..<n {
                            let d = Int((src[i] >> shift) & 0xFFFF)
                            dst[cnt[d]] = src[i]
                            cnt[d] += 1
                        }
                    }
                }
            }
            swap(&keys, &tmp)
        }
    }

    /// Segments with threshold constant `k` (larger k, larger regions) and
    /// merges components under `minSize` pixels into their neighbours.
    public func segment(k: Float, minSize: Int) -> Segmentation {
        let n = width * height
        var parent = [Int32](0..<Int32(n))
        var size = [Int32](repeating: 1, count: n)
        var threshold = [Float](repeating: k, count: n)
        var labels = [Int32](repeating: 0, count: n)
        var regionCount = 0
        let w = width
        sortedEdges.withUnsafeBufferPointer { eb in
            parent.withUnsafeMutableBufferPointer { pb in
                size.withUnsafeMutableBufferPointer { sb in
                    threshold.withUnsafeMutableBufferPointer { tb in
                        let par = pb.baseAddress!, sz = sb.baseAddress!, thr = tb.baseAddress!
                        @inline(__always) func find(_ x: Int32) -> Int32 {
                            var x = x
                            while par[Int(x)] != x {
                                let g = par[Int(par[Int(x)])]
                                par[Int(x)] = g
                                x = g
                            }
                            return x
                        }
                        @inline(__always) func join(_ a: Int32, _ b: Int32) -> Int32 {
                            // Union by size keeps the trees shallow.
                            let (big, small) = sz[Int(a)] >= sz[Int(b)] ? (a, b) : (b, a)
                            par[Int(small)] = big
                            sz[Int(big)] += sz[Int(small)]
                            return big
                        }
                        let offsets = (0..<4).map { GraphSegmentation.neighbourOffset($0, width: w) }
                        let o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3]
                        @inline(__always) func ends(_ key: UInt64) -> (Int32, Int32) {
                            let e = Int(key & 0xFFFF_FFFF)
                            let p = e >> 2
                            let d = e & 3
                            let q = p + (d < 2 ? (d == 0 ? o0 : o1) : (d == 2 ? o2 : o3))
                            return (Int32(p), Int32(q))
                        }
                        for key in eb {
                            let (p, q) = ends(key)
                            let a = find(p), b = find(q)
                            if a == b { continue }
                            let weight = Float(bitPattern: UInt32(key >> 32))
                            if weight <= thr[Int(a)] && weight <= thr[Int(b)] {
                                let r = join(a, b)
                                thr[Int(r)] = weight + k / Float(sz[Int(r)])
                            }
                        }
                        if minSize > 1 {
                            // Most edges lie inside one component: the roots after the first
                            // pass (kept in `labels` until the labels are written) skip them without a find.
                            labels.withUnsafeMutableBufferPointer { lb in
                                let root = lb.baseAddress!
                                for i in 0..<n { root[i] = find(Int32(i)) }
                                for key in eb {
                                    let (p, q) = ends(key)
                                    if root[Int(p)] == root[Int(q)] { continue }
                                    let a = find(p), b = find(q)
                                    if a != b && (Int(sz[Int(a)]) < minSize || Int(sz[Int(b)]) < minSize) {
                                        _ = join(a, b)
                                    }
                                }
                            }
                        }
                        // Dense labels in raster order of each component's first pixel.
                        labels.withUnsafeMutableBufferPointer { lb in
                            // Sizes are no longer needed: reuse them as root -> label (-1 = unseen).
                            for i in 0..<n { sz[i] = -1 }
                            for i in 0..<n {
                                let r = Int(find(Int32(i)))
                                if sz[r] < 0 { sz[r] = Int32(regionCount); regionCount += 1 }
                                lb[i] = sz[r]
                            }
                        }
                    }
                }
            }
        }
        return Segmentation(width: width, height: height, labels: labels, regionCount: regionCount)
    }
}
