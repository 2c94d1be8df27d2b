/// The 16-byte volume identifier, shown in the canonical 8-4-4-4-12 lowercase form.
public struct VolumeUUID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "a UUID has 16 bytes")
        self.bytes = bytes
    }

    /// The all-zero UUID (`mkfs.ardaku -U clear`).
    public static let zero = VolumeUUID(bytes: [UInt8](repeating: 0, count: 16))

    /// A random (version 4, RFC 9562 variant) UUID.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> VolumeUUID {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return VolumeUUID(bytes: bytes)
    }

    public static func random() -> VolumeUUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case); nil when malformed.
    public init?(string: String) {
        let hex = Array(string.utf8)
        guard hex.count == 36, [8, 13, 18, 23].allSatisfy({ hex[$0] == UInt8(ascii: "-") }) else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < hex.count {
            if hex[index] == UInt8(ascii: "-") { index += 1; continue }
            guard index + 1 < hex.count, let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var description: String {
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
