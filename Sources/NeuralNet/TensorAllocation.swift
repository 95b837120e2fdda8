import CSystemInfo

extension Tensor {
    /// A tensor whose every element the caller is about to overwrite: skips the
    /// zero fill, which for the large activations of a 640×480 network is a
    /// whole extra pass over memory.
    init(uninitialized shape: [Int]) {
        _ = MemoryTuning.applied
        let n = shape.reduce(1, *)
        self.init(shape: shape, data: [Float](unsafeUninitializedCapacity: n) { _, count in count = n })
    }
}

/// Multi-megabyte activations are allocated and freed in every layer of every
/// step; with glibc's defaults each one is mapped fresh from the kernel and paid
/// for with a page fault per 4 KiB. Raising the mmap threshold once, when the
/// engine first allocates, lets freed blocks be reused instead.
enum MemoryTuning {
    static let applied: Void = si_keep_large_allocations_in_heap()
}
