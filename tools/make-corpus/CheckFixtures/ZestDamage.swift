import ArdakuFormat
import ArdakuVolume
import ArdakuZest

/// The bytes of a ZEST volume being damaged, with the helpers the ZEST recipes need: find
/// an entry or the head's current slot, change a field, reseal an entry or a slot CRC.
///
/// Offsets are byte offsets in the volume. The layouts are those of docs/FORMAT.md Part II
/// §4 (slot) and §5 (entry).
public struct ZestDamage {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The structural walk of the bytes as they are now.
    public func walk() throws -> ZestWalk { try ZestWalk.walk(MemoryByteStore(bytes)) }

    /// The entry named `name` (the first one in chain order).
    public func entry(_ name: String) throws -> ZestWalkEntry {
        guard let found = try walk().entries.first(where: { $0.entry.name == Array(name.utf8) }) else {
            throw DamageError.notFound("ZEST entry \(name)")
        }
        return found
    }

    /// Byte offset of the head fragment's current slot.
    public func headSlot() throws -> UInt64 {
        guard let offset = try walk().fragments.first?.readOffset else { throw DamageError.notFound("ZEST head slot") }
        return offset
    }

    /// Byte offset of the segment field of an entry at `entry` (`segmentStart` is 0, then
    /// storedLength, originalLength, contentCRC, codec, kind, dictionaryID).
    public func fields(of entry: ZestWalkEntry) -> Int { Int(entry.offset) + ZestEntry.fieldsOffset(nameLength: entry.entry.name.count) }

    public mutating func setUInt16(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(truncatingIfNeeded: value)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    public mutating func setUInt32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    /// Recomputes the CRC of the entry at `offset` (whatever its SZ says now).
    public mutating func resealEntry(at offset: Int) {
        let nameLength = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
        let crcOffset = offset + ZestEntry.crcOffset(nameLength: nameLength)
        setUInt32(CRC32.checksum(bytes[offset..<crcOffset]), at: crcOffset)
    }

    /// Recomputes the CRC of the 4096-byte slot at `offset`.
    public mutating func resealSlot(at offset: UInt64) {
        let start = Int(offset)
        setUInt32(CRC32.checksum(bytes[start..<(start + ZestFragmentSlot.crcOffset)]), at: start + ZestFragmentSlot.crcOffset)
    }

    /// Edits one field of the entry `name` with `edit`, then reseals the entry and its slot.
    public mutating func editEntry(_ name: String, _ edit: (inout ZestDamage, _ entryOffset: Int, _ fields: Int) -> Void) throws {
        let found = try entry(name)
        let slot = try slotOffset(containing: found.offset)
        edit(&self, Int(found.offset), fields(of: found))
        resealEntry(at: Int(found.offset))
        resealSlot(at: slot)
    }

    /// The slot that holds the byte at `offset`: the read slot of the fragment whose entries include it.
    public func slotOffset(containing offset: UInt64) throws -> UInt64 {
        for fragment in try walk().fragments {
            if let slot = fragment.readOffset, offset >= slot, offset < slot + UInt64(ZestLimits.fragmentSize) { return slot }
        }
        throw DamageError.notFound("the slot holding ZEST byte \(offset)")
    }
}

extension Damage {
    /// Reads /nested.zest, lets `edit` damage its bytes, and writes them back through the
    /// Ardaku volume (so its page CRCs hold: only the ZEST checker can see the damage).
    public func editNestedZest(_ edit: (inout ZestDamage) throws -> Void) throws {
        let volume = try volume()
        let name = try Volume.fileName("/nested.zest")
        var bytes: [UInt8] = []
        try volume.read(name) { (chunk: UnsafeRawBufferPointer) throws(VolumeError) in bytes += chunk }
        var zest = ZestDamage(bytes)
        try edit(&zest)
        try volume.write(name, at: 0, zest.bytes)
        if zest.bytes.count < bytes.count { try volume.truncate(name, to: UInt64(zest.bytes.count)) }
        try volume.close()
    }
}

extension FixtureVolume {
    /// What is wrong with /nested.zest after a repair, against `nestedZestFiles`: it must
    /// open as a ZEST volume, and every inner file but those in `lost` must read back
    /// intact, under its own name or under /lost+found. Empty when all is well.
    public static func nestedZestProblems(_ volume: Volume, lost: [String]) throws -> [String] {
        var bytes: [UInt8] = []
        try volume.read(try Volume.fileName("/nested.zest")) { (chunk: UnsafeRawBufferPointer) throws(VolumeError) in bytes += chunk }
        let zest = try ZestVolume.open(MemoryByteStore(bytes))
        var found: [String: [UInt8]] = [:]
        for file in zest.list() { found[file.name.description] = try zest.read(file.name) }
        var problems: [String] = []
        for file in nestedZestFiles where !lost.contains(file.name) {
            if found[file.name] == file.bytes { continue }
            let moved = found.contains { $0.key.hasPrefix("/lost+found/") && $0.value == file.bytes }
            if !moved { problems.append("\(file.name) is neither intact nor in /lost+found (files: \(found.keys.sorted()))") }
        }
        return problems
    }
}
