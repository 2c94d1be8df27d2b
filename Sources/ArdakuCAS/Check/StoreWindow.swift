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
