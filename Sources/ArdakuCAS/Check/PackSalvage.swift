import ArdakuFormat

/// What a damaged pack record still proves (docs/FORMAT.md §C3.6.1).
///
/// A pack whose body is damaged cannot be decoded whole: an uncompressed body loses only
/// the members whose bytes are hit, but one changed byte in a compressed body stops the
/// stream there, and the Adler-32 at its end fails even when the damage is late. DEFLATE
/// writes its output in order, so the bytes inflated before the damage are the member area's
/// own first bytes; the members that lie entirely in them, and whose SHA-256 then matches
/// the id the index gives, are proven and kept. The others are lost, and reported by id.
extension PackRecord {
    /// The members that can be read from the front of a pack record whose body does not
    /// decode: the header fields as far as they are plausible, then as many whole members
    /// as the (partly inflated) member area holds. Their ids are not checked here.
    static func salvageMembers(_ bytes: [UInt8]) -> [Member] {
        guard bytes.count >= headerSize else { return [] }
        let fields = bytes.withUnsafeBytes { raw in
            (count: ByteReader.uint32(in: raw, at: Offset.memberCount) ?? 0, raw: ByteReader.uint32(in: raw, at: Offset.rawLength) ?? 0,
             stored: ByteReader.uint32(in: raw, at: Offset.storedLength) ?? 0)
        }
        let flags = bytes[28]
        guard fields.count >= 1, fields.count <= UInt32(CASLimits.maxPackMembers), fields.raw <= UInt32(CASLimits.maxPackBytes),
              flags & ~compressedFlag == 0 else { return [] }
        let storedCount = min(Int(fields.stored), bytes.count - headerSize)
        let body = Array(bytes[headerSize..<(headerSize + storedCount)])
        let area = flags & compressedFlag != 0 ? Zlib.inflatedPrefix(body, rawLength: Int(fields.raw)) : body
        var members: [Member] = []
        var position = 0
        while members.count < Int(fields.count), area.count - position >= 5 {
            let length = Int(UInt32(area[position]) | UInt32(area[position + 1]) << 8 | UInt32(area[position + 2]) << 16
                             | UInt32(area[position + 3]) << 24)
            guard length >= 1, length <= area.count - position - 4 else { break }
            members.append(Member(typeByte: area[position + 4], payload: Array(area[(position + 5)..<(position + 4 + length)])))
            position += 4 + length
        }
        return members
    }
}
