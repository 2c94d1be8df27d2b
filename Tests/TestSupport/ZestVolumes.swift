import ArdakuFormat
import ArdakuZest

/// Test helpers for ZEST volumes built in memory.
public enum TestZest {
    /// The bytes of a ZEST volume (default options) holding `files`. With `damaging`, the
    /// byte at `offset` of that file's stored content is flipped (bit 0x40) after the commit.
    public static func volume(_ files: [(name: String, bytes: [UInt8])], damaging name: String? = nil,
                              at offset: UInt64 = 100) throws -> [UInt8] {
        let store = MemoryByteStore()
        let volume = try ZestVolume.create(in: store)
        for file in files { try volume.insert(try FileName(file.name), file.bytes) }
        try volume.flush()
        if let name {
            let info = try volume.stat(try FileName(name))
            let position = UInt64(info.segments.start) * UInt64(volume.segmentSize) + offset
            try store.write(at: position, [try store.read(at: position, count: 1)[0] ^ 0x40])
        }
        return store.bytes
    }

    /// Every file of the ZEST volume in `bytes`, by name (content CRC-32s verified).
    public static func files(of bytes: [UInt8]) throws -> [String: [UInt8]] {
        let volume = try ZestVolume.open(MemoryByteStore(bytes))
        var result: [String: [UInt8]] = [:]
        for info in volume.list() { result[info.name.description] = try volume.read(info.name) }
        return result
    }
}
