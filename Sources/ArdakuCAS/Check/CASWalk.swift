import ArdakuFormat

/// One field of a structure as `dumpfs` shows it: where it is, its raw value, what it means.
public struct CASDumpField: Equatable, Sendable {
    public enum Check: String, Sendable { case ok, mismatch }
    public var name: String
    /// Absolute byte offset in the store.
    public var offset: UInt64
    public var size: Int
    /// The raw value: decimal and hex for integers, hex for byte strings.
    public var raw: String
    public var meaning: String
    /// For magics and checksums: whether the value is the expected one.
    public var check: Check?
}

/// One structure found in the store: a header slot, a record, or bytes that are neither.
public struct CASRecordDump: Sendable {
    public enum Kind: String, Sendable { case headerSlot = "header slot", object, pack, index, tagTable = "tag table", free, unparseable }
    public var kind: Kind
    public var offset: UInt64
    public var length: UInt64
    public var fields: [CASDumpField]
    /// Why an unparseable run is not a record, or what is unusual about a slot.
    public var note: String?
}

extension CASChecker {
    /// Every structure of the store in offset order, with its fields decoded from the raw
    /// bytes: both header slots, then a linear walk from the data start to the end of the
    /// store (docs/FORMAT.md §C3).
    /// Never throws: damaged bytes are shown as they are.
    public static func walk(_ store: ByteStore) -> [CASRecordDump] {
        let window = StoreWindow(store)
        var dumps: [CASRecordDump] = []
        // The whole store, past the committed data end too: uncommitted leftovers are shown.
        let dataEnd = store.length & ~UInt64(CASLimits.recordAlignment - 1)
        for slot in VolumeHeader.slotOffsets {
            guard let bytes = window.bytes(at: slot, count: VolumeHeader.encodedSize) else {
                dumps.append(CASRecordDump(kind: .headerSlot, offset: slot, length: 0, fields: [], note: "the store ends before this slot"))
                continue
            }
            var note: String?
            do { _ = try decodeBytes(bytes) { raw throws(FormatError) in try VolumeHeader.decode(raw, origin: slot) } } catch { note = error.reason }
            dumps.append(CASRecordDump(kind: .headerSlot, offset: slot, length: UInt64(VolumeHeader.slotSize),
                                       fields: headerFields(bytes, at: slot), note: note))
        }
        for record in CASScan.walk(window, from: VolumeHeader.dataStart, to: max(dataEnd, VolumeHeader.dataStart)) {
            let prefix = window.bytes(at: record.offset, count: min(Int(record.length), RecordPrefix.encodedSize)) ?? []
            var fields = prefixFields(prefix, at: record.offset)
            let kind: CASRecordDump.Kind
            var note: String?
            switch record.content {
            case let .object(object):
                kind = .object
                fields += objectFields(object, at: record.offset)
            case let .pack(pack):
                kind = .pack
                fields += [
                    field("member count", record.offset + UInt64(PackRecord.Offset.memberCount), 4, UInt64(pack.members.count), "objects in the pack"),
                    field("raw length", record.offset + UInt64(PackRecord.Offset.rawLength), 4, UInt64(pack.members.reduce(0) { $0 + 5 + $1.payload.count }), "bytes of the member area"),
                    field("stored length", record.offset + UInt64(PackRecord.Offset.storedLength), 4, record.length - UInt64(PackRecord.headerSize), "bytes of the body (with padding)"),
                    field("flags", record.offset + UInt64(PackRecord.Offset.flags), 1, pack.isCompressed ? 1 : 0, pack.isCompressed ? "body zlib-compressed" : "body stored raw"),
                ]
                for (n, member) in pack.members.enumerated() {
                    fields.append(CASDumpField(name: "member \(n)", offset: record.offset + UInt64(PackRecord.headerSize), size: 5 + member.payload.count,
                                               raw: member.id.hex,
                                               meaning: "\(ObjectType(byte: member.typeByte)?.name ?? "invalid type") \(Hex.format(member.typeByte, width: 2)), \(member.payload.count) bytes"))
                }
            case let .index(index):
                kind = .index
                fields += [
                    field("entry count", record.offset + UInt64(IndexRecord.Offset.entryCount), 4, UInt64(index.entries.count), "objects indexed"),
                    field("entry size", record.offset + UInt64(IndexRecord.Offset.entrySize), 4, UInt64(IndexRecord.entrySize), "bytes per entry"),
                    field("generation", record.offset + UInt64(IndexRecord.Offset.generation), 8, index.generation, "written by this commit"),
                ]
                for (n, entry) in index.entries.enumerated() {
                    let at = record.offset + UInt64(IndexRecord.headerSize + n * IndexRecord.entrySize)
                    fields.append(CASDumpField(name: "entry \(n)", offset: at, size: 48, raw: entry.id.hex,
                                               meaning: "record at \(Hex.format(entry.offset, width: 8)), \(entry.recordLength) bytes, \(ObjectType(byte: entry.typeByte)?.name ?? "invalid type") \(Hex.format(entry.typeByte, width: 2))"))
                }
            case let .tagTable(table):
                kind = .tagTable
                fields += [
                    field("tag count", record.offset + UInt64(TagTableRecord.Offset.tagCount), 4, UInt64(table.entries.count), "tags"),
                    field("generation", record.offset + UInt64(TagTableRecord.Offset.generation), 8, table.generation, "written by this commit"),
                ]
                var at = record.offset + UInt64(TagTableRecord.headerSize)
                for entry in table.entries {
                    let size = 2 + entry.name.utf8.count + 32
                    fields.append(CASDumpField(name: "tag \"\(entry.name)\"", offset: at, size: size, raw: entry.id.hex, meaning: "names \(entry.id)"))
                    at += UInt64(size)
                }
            case .free:
                kind = .free
            case let .unparseable(reason):
                kind = .unparseable
                note = reason
                fields = [CASDumpField(name: "bytes", offset: record.offset, size: prefix.count,
                                       raw: prefix.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: " "),
                                       meaning: "first bytes of \(record.length)")]
            }
            dumps.append(CASRecordDump(kind: kind, offset: record.offset, length: record.length, fields: fields, note: note))
        }
        return dumps
    }

    private static func field(_ name: String, _ offset: UInt64, _ size: Int, _ value: UInt64, _ meaning: String,
                              check: CASDumpField.Check? = nil) -> CASDumpField {
        CASDumpField(name: name, offset: offset, size: size, raw: "\(value) (\(Hex.format(value, width: size * 2)))", meaning: meaning, check: check)
    }

    private static func headerFields(_ b: [UInt8], at slot: UInt64) -> [CASDumpField] {
        typealias H = VolumeHeader.Offset
        return b.withUnsafeBytes { raw in
            func u16(_ o: Int) -> UInt64 { UInt64(ByteReader.uint16(in: raw, at: o) ?? 0) }
            func u32(_ o: Int) -> UInt64 { UInt64(ByteReader.uint32(in: raw, at: o) ?? 0) }
            func u64(_ o: Int) -> UInt64 { ByteReader.uint64(in: raw, at: o) ?? 0 }
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<VolumeHeader.checksumOffset]))
            return [
                field("magic", slot + UInt64(H.magic), 4, u32(H.magic), "\"ACAS\"", check: u32(H.magic) == UInt64(VolumeHeader.magic) ? .ok : .mismatch),
                field("version", slot + UInt64(H.version), 2, u16(H.version), "format version"),
                field("header length", slot + UInt64(H.headerLength), 2, u16(H.headerLength), "defined bytes of the slot"),
                field("generation", slot + UInt64(H.generation), 8, u64(H.generation), "commit counter"),
                field("data start", slot + UInt64(H.dataStart), 8, u64(H.dataStart), "first record"),
                field("data end", slot + UInt64(H.dataEnd), 8, u64(H.dataEnd), "end of the committed records"),
                field("index offset", slot + UInt64(H.indexOffset), 8, u64(H.indexOffset), "index record"),
                field("index length", slot + UInt64(H.indexLength), 8, u64(H.indexLength), "its length"),
                field("object count", slot + UInt64(H.objectCount), 4, u32(H.objectCount), "objects"),
                field("tag count", slot + UInt64(H.tagCount), 4, u32(H.tagCount), "tags"),
                field("tag table offset", slot + UInt64(H.tagTableOffset), 8, u64(H.tagTableOffset), "tag table record"),
                field("tag table length", slot + UInt64(H.tagTableLength), 8, u64(H.tagTableLength), "its length"),
                field("object bytes", slot + UInt64(H.objectBytes), 8, u64(H.objectBytes), "record bytes of all objects"),
                field("incompatible features", slot + UInt64(H.incompatibleFeatures), 4, u32(H.incompatibleFeatures), "must be 0"),
                field("CRC32", slot + UInt64(H.crc), 4, u32(H.crc), "CRC-32 of bytes 0..<124 is \(Hex.format(crc, width: 8))",
                      check: u32(H.crc) == UInt64(crc) ? .ok : .mismatch),
            ]
        }
    }

    private static func prefixFields(_ b: [UInt8], at offset: UInt64) -> [CASDumpField] {
        b.withUnsafeBytes { raw in
            guard let magic = ByteReader.uint32(in: raw, at: RecordPrefix.Offset.magic), let crc = ByteReader.uint32(in: raw, at: RecordPrefix.Offset.crc),
                  let length = ByteReader.uint64(in: raw, at: RecordPrefix.Offset.recordLength) else { return [] }
            let kind = RecordPrefix.Kind(rawValue: magic)
            return [
                field("magic", offset, 4, UInt64(magic), kind.map { "\($0) record" } ?? "unknown", check: kind == nil ? .mismatch : .ok),
                field("CRC32", offset + UInt64(RecordPrefix.Offset.crc), 4, UInt64(crc), "over the bytes from offset 8", check: .ok),
                field("record length", offset + UInt64(RecordPrefix.Offset.recordLength), 8, length, "bytes including padding"),
            ]
        }
    }

    private static func objectFields(_ object: ObjectRecord, at offset: UInt64) -> [CASDumpField] {
        var flags: [String] = []
        if object.typeByte & ObjectType.compressedFlag != 0 { flags.append("compressed") }
        if object.typeByte & ObjectType.coreFlag != 0 { flags.append("core") }
        if object.typeByte & ObjectType.mimeFlag != 0 { flags.append("MIME") }
        let type = ObjectType(byte: object.typeByte)?.name ?? "invalid type"
        return [
            field("object length", offset + UInt64(ObjectRecord.Offset.objectLength), 4, UInt64(object.object.count), "type byte plus stored payload"),
            field("raw length", offset + UInt64(ObjectRecord.Offset.rawLength), 4, UInt64(object.rawLength), "uncompressed payload bytes"),
            CASDumpField(name: "id", offset: offset + UInt64(ObjectRecord.Offset.id), size: ObjectID.byteCount, raw: object.id.hex, meaning: "SHA-256 of type byte and payload"),
            field("type byte", offset + UInt64(ObjectRecord.Offset.object), 1, UInt64(object.typeByte), ([type] + flags).joined(separator: ", ")),
        ]
    }
}
