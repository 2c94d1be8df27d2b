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
        guard length >= UInt64(RecordPrefix.encodedSize), length <= UInt64(CASScan.maxReadableRecord),
              var bytes = window.bytes(at: offset, count: Int(length)) else { return nil }
        // The magic lies outside the CRC: the header names the record's kind, so a damaged
        // magic is proven by the bytes the CRC covers.
        let magicRange = RecordPrefix.Offset.magic..<RecordPrefix.Offset.crc
        var magic = [UInt8](repeating: 0, count: magicRange.count)
        magic.withUnsafeMutableBytes { ByteWriter.storeUInt32(kind.rawValue, into: $0, at: 0) }
        if Array(bytes[magicRange]) != magic {
            bytes.replaceSubrange(magicRange, with: magic)
            if let record = try? decodeBytes(bytes, { raw throws(FormatError) in try decode(raw, offset) }) {
                return (record, offset)
            }
        }
        // The CRC covers the bytes from the record length on, up to the kind's covered end.
        let coveredStart = RecordPrefix.Offset.recordLength
        let end = Int(length)
        for coveredEnd in stride(from: end, to: max(end - CASLimits.recordAlignment, coveredStart), by: -1) {
            let covered = coveredStart..<coveredEnd
            guard let fix = SingleByteCorrection.find(in: bytes, covered: covered, crcOffset: RecordPrefix.Offset.crc) else { continue }
            var copy = bytes
            SingleByteCorrection.apply(fix, to: &copy, covered: covered, crcOffset: RecordPrefix.Offset.crc)
            if let record = try? decodeBytes(copy, { raw throws(FormatError) in try decode(raw, offset) }) {
                let changed = SingleByteCorrection.changedOffset(fix, covered: covered, crcOffset: RecordPrefix.Offset.crc)
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
