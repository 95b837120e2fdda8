import COpenBLAS

/// Truncated SVD of fully connected layers, Fast R-CNN's detection-time
/// speed-up (Girshick, ICCV 2015, section 3.1): a layer y = Wx + b with W of
/// size u × v becomes two, y = U_t (Σ_t V_tᵀ x) + b, keeping the t largest
/// singular values, so u·v multiply-adds per RoI become t·(u + v). The factors
/// come from the eigenvectors of W Wᵀ (u × u, LAPACK `ssyevd`): with E the top-t
/// eigenvectors as rows, Σ_t V_tᵀ = E W and U_t = Eᵀ.
public enum TruncatedSVD {
    /// `layer` as two layers of rank `rank` (the first without bias, the second
    /// with `layer`'s), or nil when the rank saves nothing.
    public static func factorized(_ layer: Linear, rank: Int) throws -> Sequential? {
        let u = layer.outFeatures, v = layer.inFeatures
        guard rank > 0, rank * (u + v) < u * v, rank < u else { return nil }
        let w = layer.weight.value.data
        // G = W Wᵀ, symmetric, so row- and column-major agree.
        var g = [Float](repeating: 0, count: u * u)
        w.withUnsafeBufferPointer { wp in
            g.withUnsafeMutableBufferPointer { gp in
                BLAS.sgemm(transB: true, m: u, n: u, k: v, a: wp.baseAddress!, lda: v, b: wp.baseAddress!, ldb: v,
                           beta: 0, c: gp.baseAddress!, ldc: u)
            }
        }
        var eigenvalues = [Float](repeating: 0, count: u)
        var n = Int32(u), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workSize: Float = 0, iworkSize: Int32 = 0
        ssyevd_("V", "U", &n, &g, &n, &eigenvalues, &workSize, &lwork, &iworkSize, &liwork, &info)   // workspace query
        lwork = Int32(workSize.rounded(.up)); liwork = iworkSize
        var work = [Float](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        ssyevd_("V", "U", &n, &g, &n, &eigenvalues, &work, &lwork, &iwork, &liwork, &info)
        guard info == 0 else { throw TensorError.invalid("TruncatedSVD: LAPACK ssyevd failed with info \(info)") }
        // Column j of the column-major result (eigenvalues ascending) is contiguous:
        // the top-t eigenvectors are the last t columns, taken largest first.
        var e = [Float](repeating: 0, count: rank * u)
        for r in 0..<rank {
            let column = u - 1 - r
            for i in 0..<u { e[r * u + i] = g[column * u + i] }
        }
        let first = Linear(v, rank, bias: false), second = Linear(rank, u, bias: layer.bias != nil)
        var a = [Float](repeating: 0, count: rank * v)
        e.withUnsafeBufferPointer { ep in
            w.withUnsafeBufferPointer { wp in
                a.withUnsafeMutableBufferPointer { ap in
                    BLAS.sgemm(m: rank, n: v, k: u, a: ep.baseAddress!, lda: u, b: wp.baseAddress!, ldb: v,
                               beta: 0, c: ap.baseAddress!, ldc: v)
                }
            }
        }
        var et = [Float](repeating: 0, count: u * rank)
        for r in 0..<rank { for i in 0..<u { et[i * rank + r] = e[r * u + i] } }
        first.weight.value = Tensor(shape: [rank, v], data: a)
        second.weight.value = Tensor(shape: [u, rank], data: et)
        if let bias = layer.bias { second.bias!.value = bias.value }
        first.training = false
        second.training = false
        return Sequential(sharing: [(name: "0", layer: first), (name: "1", layer: second)])
    }

    /// A copy of `sequential` whose child `name` (a `Linear`) is factorized at
    /// `rank`; the other children are shared. Nil when nothing would be saved.
    public static func replacing(_ name: String, in sequential: Sequential, rank: Int) throws -> Sequential? {
        guard let linear = sequential[name] as? Linear, let factors = try factorized(linear, rank: rank) else { return nil }
        let copy = Sequential(sharing: sequential.children.map { $0.name == name ? (name: name, layer: factors) : $0 })
        copy.training = false
        return copy
    }
}
