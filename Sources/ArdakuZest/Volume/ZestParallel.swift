import Dispatch
import Glibc
import Synchronization

/// Work spread over a few threads: compressing and decompressing many small files.
///
/// zlib streams are not shared: each worker owns its own, indexed by the worker number
/// `run` passes to the body.
public enum ZestParallel {
    /// Processors online, at most 8 (the work is zlib on files of a few KiB: more threads
    /// only wait for one another).
    public static var defaultThreads: Int { max(1, min(8, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    /// Starts a worker thread now, so that a `run` a little later finds one waiting: a new
    /// thread can take 1-3 ms to start on a virtual machine, as long as decoding a few hundred
    /// small files. Callers that will read many files call this before opening the volume.
    public static func warmUp() {
        guard defaultThreads > 1 else { return }
        DispatchQueue.global().async {}
    }

    /// Calls `body(worker, index)` once for every index in `0..<count`, on up to `threads`
    /// threads (the caller's among them). Indexes are handed out in ascending chunks of
    /// `chunk`; `worker` is in `0..<threads` and no two threads share one at a time.
    static func run(count: Int, threads: Int, chunk: Int = 1, _ body: (_ worker: Int, _ index: Int) -> Void) {
        guard count > 0 else { return }
        let chunk = max(1, chunk)
        let workers = max(1, min(threads, (count + chunk - 1) / chunk))
        if workers == 1 {
            for index in 0..<count { body(0, index) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            // The body only touches state that its indexes partition (each index's own
            // slot of an output buffer, each worker's own zlib stream): safe to share.
            let shared = UncheckedSendable(body)
            withUnsafePointer(to: next) { counter in
                let sharedCounter = UncheckedSendable(counter)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    while true {
                        let start = sharedCounter.value.pointee.add(chunk, ordering: .relaxed).oldValue
                        guard start < count else { break }
                        for index in start..<min(start + chunk, count) { shared.value(worker, index) }
                    }
                }
            }
        }
    }
}

/// A value handed to worker threads whose safety the code that shares it guarantees.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
