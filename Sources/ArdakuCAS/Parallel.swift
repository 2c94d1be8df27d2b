import Dispatch

/// Runs independent, CPU-bound work (hashing, compression, chunking) on every core.
///
/// The core does no I/O, so the only shared state is the result buffer, written once per
/// index by exactly one worker.
enum Parallel {
    /// `body(i)` for every i in 0..<count, in parallel when `enabled` and worthwhile;
    /// results in index order.
    static func map<T>(_ count: Int, enabled: Bool = true, _ body: (Int) -> T) -> [T] {
        if !enabled || count < 2 { return (0..<count).map(body) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let shared = results
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: count) { i in shared[i] = work(i) }
        }
        // Every index was written by concurrentPerform above.
        return results.map { $0! }
    }
}
