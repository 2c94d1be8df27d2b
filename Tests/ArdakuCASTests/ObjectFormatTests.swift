import ArdakuFormat
import Testing
@testable import ArdakuCAS

@Suite struct ObjectFormatTests {
    // MARK: Compression rule

    @Test(arguments: [0, 1, 31, 32])
    func payloadsUnder33BytesAreNeverCompressed(length: Int) {
        let prepared = PreparedObject(.blob([UInt8](repeating: 0x61, count: length)), level: 9)
        #expect(!prepared.isCompressed)
        #expect(prepared.record.count == ObjectRecord.minimumLength(objectLength: 1 + length))
    }

    @Test func thirtyThreeCompressibleBytesAreCompressed() throws {
        let payload = [UInt8](repeating: 0x61, count: 33)
        let prepared = PreparedObject(.blob(payload), level: 9)
        #expect(prepared.isCompressed)
        let record = try prepared.record.withUnsafeBytes { try ObjectRecord.decode($0, origin: 8192) }
        #expect(record.object.count < 1 + 33)
        #expect(record.rawLength == 33)
        #expect(try CASVolume.decodeObject(record, offset: 8192).payload == payload)
    }

    @Test func incompressiblePayloadsAreStoredRaw() throws {
        for length in [33, 100, 4096] {
            let payload = TestData.random(length, seed: UInt64(length))
            let prepared = PreparedObject(.blob(payload), level: 9)
            #expect(!prepared.isCompressed)
            let record = try prepared.record.withUnsafeBytes { try ObjectRecord.decode($0, origin: 0) }
            #expect(Array(record.object.dropFirst()) == payload)
        }
    }

    @Test func theIDDoesNotDependOnCompressionLevel() {
        let payload = TestData.text(5000, seed: 1)
        let ids = Set([1, 6, 9].map { PreparedObject(.blob(payload), level: Int32($0)).id })
        #expect(ids.count == 1)
        #expect(ids.first == CASObject.blob(payload).id)
    }

    // MARK: Golden bytes

    @Test func objectRecordGoldenBytes() {
        let id = CASObject.blob(Array("hello".utf8)).id
        let bytes = ObjectRecord(id: id, object: [0x01] + Array("hello".utf8), rawLength: 5).encoded()
        var expected: [UInt8] = [0x43, 0x4F, 0x42, 0x4A]                 // "COBJ"
        expected += [0, 0, 0, 0]                                         // CRC, checked below
        expected += [64, 0, 0, 0, 0, 0, 0, 0]                            // record length 56 + 6 -> 64
        expected += [6, 0, 0, 0]                                         // object length
        expected += [5, 0, 0, 0]                                         // raw length
        expected += id.bytes
        expected += [0x01] + Array("hello".utf8) + [0, 0]                // object + padding
        #expect(bytes.count == 64)
        #expect(Array(bytes[0..<4]) == Array(expected[0..<4]))
        #expect(Array(bytes[8...]) == Array(expected[8...]))
        #expect(bytes[4..<8].elementsEqual(le32(CRC32.checksum(bytes[8..<62]))))
        #expect(id.hex.hasPrefix("cceeb7a9"))
    }

    @Test func headerGoldenBytes() throws {
        let header = VolumeHeader(generation: 0x0102, dataEnd: 0x3000, indexOffset: 0x2000, indexLength: 0x40, objectCount: 1,
                                  tagCount: 2, tagTableOffset: 0x2040, tagTableLength: 0x80, objectBytes: 0x40)
        let bytes = header.encoded()
        #expect(bytes.count == 128)
        #expect(Array(bytes[0..<8]) == [0x41, 0x43, 0x41, 0x53, 1, 0, 128, 0])
        #expect(Array(bytes[8..<16]) == [0x02, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[16..<24]) == [0, 0x20, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[24..<32]) == [0, 0x30, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[32..<40]) == [0, 0x20, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[40..<48]) == [0x40, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[48..<56]) == [1, 0, 0, 0, 2, 0, 0, 0])
        #expect(Array(bytes[56..<64]) == [0x40, 0x20, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[64..<72]) == [0x80, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[72..<80]) == [0x40, 0, 0, 0, 0, 0, 0, 0])
        #expect(bytes[80..<124].allSatisfy { $0 == 0 })
        #expect(bytes[124..<128].elementsEqual(le32(CRC32.checksum(bytes[0..<124]))))
        #expect(try bytes.withUnsafeBytes { try VolumeHeader.decode($0, origin: 0) } == header)
        #expect(header.slot == 0)
    }

    @Test func indexRecordGoldenBytes() throws {
        let id = CASObject.blob([]).id
        let record = IndexRecord(generation: 7, entries: [.init(id: id, offset: 0x2000, recordLength: 64, typeByte: 0x09)])
        let bytes = record.encoded()
        #expect(bytes.count == 80)
        #expect(Array(bytes[0..<4]) == Array("CIDX".utf8))
        #expect(Array(bytes[8..<32]) == [80, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 48, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(bytes[32..<64]) == id.bytes)
        // Offset, length, the type byte with the compressed bit cleared, reserved.
        #expect(Array(bytes[64..<80]) == [0, 0x20, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0x01, 0, 0, 0])
        #expect(bytes[4..<8].elementsEqual(le32(CRC32.checksum(bytes[8..<80]))))
        let decoded = try bytes.withUnsafeBytes { try IndexRecord.decode($0, origin: 0) }
        #expect(decoded.entries[0].typeByte == 0x01)
        #expect(decoded.generation == 7)
    }

    @Test func tagTableAndFreeRecordGoldenBytes() throws {
        let id = CASObject.blob([]).id
        let bytes = TagTableRecord(generation: 3, entries: [.init(name: "ab", id: id)]).encoded()
        // 32 header + 2 length + 2 name + 32 id = 68 -> 72.
        #expect(bytes.count == 72)
        #expect(Array(bytes[0..<4]) == Array("CTAG".utf8))
        #expect(Array(bytes[8..<36]) == [72, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x61, 0x62])
        #expect(Array(bytes[36..<68]) == id.bytes)
        #expect(bytes[4..<8].elementsEqual(le32(CRC32.checksum(bytes[8..<68]))))
        #expect(try bytes.withUnsafeBytes { try TagTableRecord.decode($0, origin: 0) }.entries == [.init(name: "ab", id: id)])

        let free = FreeRecord.encoded(length: 0x1234_5678)
        #expect(free.count == 16)
        #expect(Array(free[0..<4]) == Array("CFRE".utf8))
        #expect(Array(free[8..<16]) == [0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0])
        #expect(free[4..<8].elementsEqual(le32(CRC32.checksum(free[8..<16]))))
    }

    func le32(_ value: UInt32) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt32(value)
        return w.bytes
    }

    // MARK: Payload syntax

    @Test func typeBytes() {
        #expect(ObjectType(byte: 0x01) == .blob)
        #expect(ObjectType(byte: 0x09) == .blob)
        #expect(ObjectType(byte: 0x13) == .chunkList)
        #expect(ObjectType(byte: 0x21)?.isMIME == true)
        for invalid: UInt8 in [0x00, 0x04, 0x07, 0x41, 0x81, 0xFF] { #expect(ObjectType(byte: invalid) == nil) }
        #expect(ObjectType.chunkList.byte == 0x13)
    }

    @Test func itemAndTreeSyntax() throws {
        let target = CASObject.blob([1]).id
        for bad in ["", ".", "..", "a/b", "a\nb", "a\u{0}b", String(repeating: "x", count: 256)] {
            #expect(throws: CASError.self) { try CASObject.item(name: bad, target: target) }
        }
        let item = try CASObject.item(name: "ok", target: target)
        #expect(try item.itemFields().name == "ok")
        #expect(try item.references() == [target])
        // Uppercase hex, a short id and a missing newline are malformed.
        for payload in ["ok\n" + target.hex.uppercased(), "ok\n" + target.hex.dropLast(), "ok" + target.hex] {
            #expect(throws: CASError.self) { try CASObject(.item, payload: Array(payload.utf8)).itemFields() }
        }
        let tree = try CASObject.tree([target, item.id])
        #expect(tree.payload.count == 129)
        #expect(try tree.treeEntries() == [target, item.id])
        #expect(try CASObject.tree([]).treeEntries() == [])
        for payload in [target.hex + "\n", target.hex + " " + item.id.hex, "zz"] {
            #expect(throws: CASError.self) { try CASObject(.tree, payload: Array(payload.utf8)).treeEntries() }
        }
    }

    @Test func chunkListSyntax() throws {
        let a = CASObject.blob([1, 2, 3]).id, b = CASObject.blob([4]).id
        let list = try CASObject.chunkList([.init(id: a, length: 3), .init(id: b, length: 1)])
        #expect(String(decoding: list.payload, as: UTF8.self) == "chk:n=2,s=4\n\(a.hex) 3\n\(b.hex) 1")
        #expect(list.type.byte == 0x13)
        #expect(try list.chunkListEntries() == ChunkListContents(chunks: [.init(id: a, length: 3), .init(id: b, length: 1)], totalLength: 4))
        for bad in ["chk:n=1,s=3\n\(a.hex) 4", "chk:n=2,s=3\n\(a.hex) 3", "chk:n=1,s=03\n\(a.hex) 3",
                    "chk:n=1,s=3\n\(a.hex)  3", "chk:n=1,s=0\n\(a.hex) 0", "chq:n=0,s=0", "chk:n=99999999999999999999999,s=0"] {
            #expect(throws: CASError.self) { try CASObject(.chunkList, payload: Array(bad.utf8)).chunkListEntries() }
        }
    }
}
