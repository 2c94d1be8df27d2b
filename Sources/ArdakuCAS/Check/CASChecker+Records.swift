import ArdakuFormat

/// Reading the index and the tag table when their CRCs fail: one-byte correction, and the
/// newest intact tag table the walk found.
extension Analysis {
    /// The record of `length` bytes at `offset` corrected in one byte (§C3.2.1): when exactly
    /// one change of one covered byte, or of the stored CRC, makes its CRC match and it then
    /// decodes. The covered end is tried from the record's end back over its padding (a tag
    /// table's covered end is not a multiple of 8). Returns the record and the store offset
    /// of the byte changed.
    func correctedRecord<R>(at offset: UInt64, length: UInt64, kind: RecordPrefix.Kind,
                                    _ decode: (UnsafeRawBufferPointer, UInt64) throws(FormatError) -> R) -> (R, UInt64)? {
        guard length >= 16, length <= UInt64(CASScan.maxReadableRecord),
              var bytes = window.bytes(at: offset, count: Int(length)) else { return nil }
        // The magic lies outside the CRC: the header names the record's kind, so a damaged
        // magic is proven by the bytes the CRC covers.
        let magic = withUnsafeBytes(of: kind.rawValue.littleEndian) { Array($0) }
        if Array(bytes[0..<4]) != magic {
            bytes.replaceSubrange(0..<4, with: magic)
            if let record = try? decodeBytes(bytes, { raw throws(FormatError) in try decode(raw, offset) }) {
                return (record, offset)
            }
        }
        let stored = bytes.withUnsafeBytes { ByteReader.uint32(in: $0, at: RecordPrefix.Offset.crc) } ?? 0
        let end = Int(length)
        for coveredEnd in stride(from: end, to: max(end - CASLimits.recordAlignment, 8), by: -1) {
            let fix = bytes.withUnsafeBytes {
                SingleByteCorrection.find(covered: UnsafeRawBufferPointer(rebasing: $0[8..<coveredEnd]), storedCRC: stored)
            }
            guard let fix else { continue }
            var copy = bytes
            let changed: Int
            switch fix {
            case let .coveredByte(at, mask):
                copy[8 + at] ^= mask
                changed = 8 + at
            case let .storedChecksum(index):
                let crc = CRC32.checksum(copy[8..<coveredEnd])
                copy[4 + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index)))
                changed = 4 + index
            }
            if let record = try? decodeBytes(copy, { raw throws(FormatError) in try decode(raw, offset) }) {
                return (record, offset + UInt64(changed))
            }
        }
        return nil
    }

    /// The newest tag table the walk found.
    func newestTagTable(_ walk: [ScannedRecord]) -> (table: TagTableRecord, offset: UInt64, length: Int)? {
        var best: (TagTableRecord, UInt64, Int)?
        for record in walk {
            if case let .tagTable(table) = record.content, best.map({ table.generation > $0.0.generation }) ?? true {
                best = (table, record.offset, Int(record.length))
            }
        }
        return best
    }
}
