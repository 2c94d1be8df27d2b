import ArdakuFormat

/// Reads a possibly damaged store through a cached window; a read outside the store or a
/// failing store answers nil instead of throwing, so a checker can carry on.
final class StoreWindow {
    let store: ByteStore
    private var base: UInt64 = 0
    private var buffer: [UInt8] = []
    static let windowSize = 4 << 20

    init(_ store: ByteStore) { self.store = store }

    var length: UInt64 { store.length }

    func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        let size = store.length
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else { return nil }
        if count > Self.windowSize / 2 { return try? store.read(at: offset, count: count) }
        if offset < base || offset - base > UInt64(buffer.count) || UInt64(count) > UInt64(buffer.count) - (offset - base) {
            let available = Int(min(UInt64(Self.windowSize), size - offset))
            guard let fresh = try? store.read(at: offset, count: available) else { return nil }
            base = offset
            buffer = fresh
        }
        let start = Int(offset - base)
        return Array(buffer[start..<(start + count)])
    }
}

/// A store read as if it were `length` bytes long, the bytes past its end zero; read-only.
///
/// Used when a store is shorter than the data end its header gives: padding (the bytes after
/// a record's covered end) is zero by definition and covered by no CRC, so a store cut only
/// in the padding of its last record still holds every record whole (§C3.2). A record whose
/// covered bytes were cut reads as zeros there and fails its CRC and id, as it should.
final class ZeroExtendedStore: ByteStore {
    let base: ByteStore
    let length: UInt64
    var isReadOnly: Bool { true }

    init(_ base: ByteStore, length: UInt64) {
        self.base = base
        self.length = max(length, base.length)
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        let count = UInt64(buffer.count)
        guard offset <= length, count <= length - offset else {
            throw StoreError.outOfRange(offset: offset, count: count, size: length)
        }
        let baseLength = base.length
        let inBase = offset < baseLength ? Int(min(count, baseLength - offset)) : 0
        if inBase > 0 { try base.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<inBase])) }
        if inBase < buffer.count { UnsafeMutableRawBufferPointer(rebasing: buffer[inBase...]).initializeMemory(as: UInt8.self, repeating: 0) }
    }

    func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) { throw .readOnly }
    func setLength(_ length: UInt64) throws(StoreError) { throw .readOnly }
    func flush() throws(StoreError) {}
}
