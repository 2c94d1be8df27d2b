/// A resizable run of bytes addressed by byte offset: what a ZEST or CAS volume lives in.
///
/// Implementations: `MemoryByteStore`, a host file (`HostFileByteStore` in ArdakuIO), and a
/// file inside an Ardaku volume (`VolumeFileByteStore` in ArdakuVolume). Same ordering
/// contract as `PageStore`: nothing is durable until `flush()` returns.
public protocol ByteStore: AnyObject {
    /// Current length in bytes.
    var length: UInt64 { get }
    var isReadOnly: Bool { get }
    /// Fills `buffer` from `offset`; the whole range must lie inside `length`.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError)
    /// Writes `bytes` at `offset`, extending the store when the range ends past `length`.
    func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError)
    /// Grows (with zeros) or shrinks the store.
    func setLength(_ length: UInt64) throws(StoreError)
    /// Returns once every earlier write is durable.
    func flush() throws(StoreError)
    /// True when `read(at:into:)` may be called from several threads at once, as long as
    /// nothing writes meanwhile (a file read with pread). False by default.
    var allowsConcurrentReads: Bool { get }
}

extension ByteStore {
    public var allowsConcurrentReads: Bool { false }

    /// `count` bytes from `offset`, copied.
    public func read(at offset: UInt64, count: Int) throws(StoreError) -> [UInt8] {
        var failure: StoreError?
        let result = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(StoreError) {
                try read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = buffer.count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }

    public func write(at offset: UInt64, _ bytes: [UInt8]) throws(StoreError) {
        let outcome: Result<Void, StoreError> = bytes.withUnsafeBytes { raw in
            do throws(StoreError) { try write(at: offset, from: raw); return .success(()) } catch { return .failure(error) }
        }
        try outcome.get()
    }

    /// Checks that `count` bytes at `offset` lie inside `length` (no overflow).
    public func checkRange(_ offset: UInt64, _ count: Int) throws(StoreError) {
        let size = length
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw .outOfRange(offset: offset, count: UInt64(max(count, 0)), size: size)
        }
    }
}
