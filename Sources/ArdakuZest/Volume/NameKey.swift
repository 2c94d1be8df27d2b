/// Name bytes as a dictionary key, hashed in one call over the whole buffer.
///
/// `[UInt8]`'s own `hash(into:)` feeds the hasher one byte at a time, which made hashing
/// the names the largest cost of opening a volume of 20,000 files.
struct NameKey: Hashable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: NameKey, b: NameKey) -> Bool { a.bytes == b.bytes }
}
