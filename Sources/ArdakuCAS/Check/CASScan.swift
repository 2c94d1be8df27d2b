import ArdakuFormat

/// One record found by a linear walk of the data area, or a run of bytes that is none.
public struct ScannedRecord: Sendable {
    public enum Content: Sendable {
        case object(ObjectRecord)
        case pack(PackRecord)
        case index(IndexRecord)
        case tagTable(TagTableRecord)
        case free
        /// Bytes that do not start a valid record; `reason` says why the first one failed.
        case unparseable(reason: String)
    }
    public var offset: UInt64
    public var length: UInt64
    public var content: Content
    public var end: UInt64 { offset + length }
}

enum CASScan {
    /// Largest record the walk reads whole (object records; index and tag tables of the
    /// largest volumes are read directly and may be bigger).
    static let maxReadableRecord = IndexRecord.recordLength(entryCount: CASLimits.maxObjects)

    /// Walks [start, end): each valid record is skipped by its length; where no valid record
    /// starts, the walk looks for the next 8-byte-aligned offset where one does.
    static func walk(_ window: StoreWindow, from start: UInt64, to end: UInt64) -> [ScannedRecord] {
        var records: [ScannedRecord] = []
        var position = start
        while position < end {
            switch decodeRecord(window, at: position, limit: end) {
            case let .success(record):
                records.append(record)
                position = record.end
            case let .failure(reason):
                var next = position + UInt64(CASLimits.recordAlignment)
                var found: ScannedRecord?
                while next < end {
                    if case let .success(record) = decodeRecord(window, at: next, limit: end) {
                        found = record
                        break
                    }
                    next += UInt64(CASLimits.recordAlignment)
                }
                records.append(ScannedRecord(offset: position, length: min(next, end) - position, content: .unparseable(reason: reason.reason)))
                if let found {
                    records.append(found)
                    position = found.end
                } else {
                    position = end
                }
            }
        }
        return records
    }

    struct Failure: Error { var reason: String }

    /// The valid record at `offset` that ends at or before `limit`, or why there is none.
    static func decodeRecord(_ window: StoreWindow, at offset: UInt64, limit: UInt64) -> Result<ScannedRecord, Failure> {
        guard let prefixBytes = window.bytes(at: offset, count: RecordPrefix.encodedSize) else {
            return .failure(Failure(reason: "the store ends"))
        }
        let prefix: RecordPrefix
        do { prefix = try decodeBytes(prefixBytes) { raw throws(FormatError) in try RecordPrefix.decode(raw, origin: offset) } } catch {
            return .failure(Failure(reason: error.reason))
        }
        guard offset <= limit, prefix.recordLength <= limit - offset else {
            return .failure(Failure(reason: "a \(prefix.kind) record of \(prefix.recordLength) bytes would run past the data end"))
        }
        if prefix.kind == .free {
            do { _ = try decodeBytes(prefixBytes) { raw throws(FormatError) in try FreeRecord.decode(raw, origin: offset) } } catch {
                return .failure(Failure(reason: error.reason))
            }
            return .success(ScannedRecord(offset: offset, length: prefix.recordLength, content: .free))
        }
        guard prefix.recordLength <= UInt64(maxReadableRecord), let bytes = window.bytes(at: offset, count: Int(prefix.recordLength)) else {
            return .failure(Failure(reason: "a \(prefix.kind) record of \(prefix.recordLength) bytes cannot be read"))
        }
        do {
            let content: ScannedRecord.Content
            switch prefix.kind {
            case .object: content = .object(try decodeBytes(bytes) { raw throws(FormatError) in try ObjectRecord.decode(raw, origin: offset) })
            case .index: content = .index(try decodeBytes(bytes) { raw throws(FormatError) in try IndexRecord.decode(raw, origin: offset) })
            case .tagTable: content = .tagTable(try decodeBytes(bytes) { raw throws(FormatError) in try TagTableRecord.decode(raw, origin: offset) })
            case .pack: content = .pack(try decodeBytes(bytes) { raw throws(FormatError) in try PackRecord.decode(raw, origin: offset) })
            case .free: content = .free
            }
            return .success(ScannedRecord(offset: offset, length: prefix.recordLength, content: content))
        } catch {
            return .failure(Failure(reason: error.reason))
        }
    }
}
