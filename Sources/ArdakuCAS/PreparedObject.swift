import ArdakuFormat

/// An object hashed, compressed by the rule of docs/FORMAT.md §C2.3 and framed as a
/// whole object record, ready to be written at any offset. Pure computation, safe to run
/// on any thread.
struct PreparedObject: Sendable {
    var id: ObjectID
    /// The type byte, compressed bit clear.
    var typeByte: UInt8
    /// The whole record, CRC included.
    var record: [UInt8]
    var rawLength: Int

    /// Hashes (unless `id` is given), compresses and frames `payload` as an object of `type`.
    init(type: ObjectType, payload: UnsafeRawBufferPointer, level: Int32, id knownID: ObjectID? = nil) {
        let id = knownID ?? ObjectID.hashing(typeByte: type.byte, payload: payload)
        let compressed = payload.count >= CASLimits.minCompressiblePayload ? Zlib.compress(payload, level: level) : nil
        let objectLength = 1 + (compressed?.count ?? payload.count)
        let recordLength = ObjectRecord.minimumLength(objectLength: objectLength)
        record = ObjectRecord.encode(id: id, rawLength: payload.count, recordLength: UInt64(recordLength)) { w in
            if let compressed {
                w.writeUInt8(type.byte | ObjectType.compressedFlag)
                w.writeBytes(compressed)
            } else {
                w.writeUInt8(type.byte)
                w.writeBytes(payload)
            }
        }
        self.id = id
        typeByte = type.byte
        rawLength = payload.count
    }

    init(_ object: CASObject, level: Int32) {
        self = object.payload.withUnsafeBytes { PreparedObject(type: object.type, payload: $0, level: level) }
    }

    var isCompressed: Bool { record[ObjectRecord.headerSize] & ObjectType.compressedFlag != 0 }
}
