import ArdakuCAS
import ArdakuFormat
import ArdakuVolume

/// The base of the CAS corpus recipes: the fixture volume (FixtureVolume.swift) plus
/// `/snapshots.cas`, a file of type `cas` holding two snapshots of a small tree.
///
/// | snapshot | tree | what differs |
/// |---|---|---|
/// | tag `v1` | readme.txt, docs/ (a.txt, big.txt) | |
/// | tag `v2` | readme.txt, docs/ (a.txt changed, big.txt) | a.txt |
///
/// big.txt (24,000 bytes of text) is the one object in an object record of its own
/// (compressed); every other object is alone in a pack record of one member (each is put
/// by its own call), so a recipe can remove one object without touching another. The
/// volume is committed once per snapshot: header slot 1 holds generation 1 (tag v1 only),
/// slot 0 generation 2 (both tags).
public enum CASFixture {
    public static let fileName = "/snapshots.cas"

    /// The ids of the objects of `/snapshots.cas`.
    public struct Objects: Sendable {
        public var readme, a1, a2, big: ObjectID
        public var readmeItem, a1Item, a2Item, bigItem: ObjectID
        public var docs1, docs2, docs1Item, docs2Item: ObjectID
        public var tree1, tree2: ObjectID
        /// Every object, in the order it was put.
        public var all: [ObjectID] {
            [readme, readmeItem, a1, a1Item, big, bigItem, docs1, docs1Item, tree1, a2, a2Item, docs2, docs2Item, tree2]
        }
    }

    static let readme = Array("Snapshots of a small tree, for the CAS corpus recipes.\n".utf8)
    static let a1 = Array("first version of a.txt\n".utf8)
    static let a2 = Array("second version of a.txt, one line longer\nthe new line\n".utf8)
    static let big = FixtureVolume.text(seed: 60, count: 24_000)

    /// The pristine CAS volume: its bytes and the ids of its objects.
    public static let pristine: (bytes: [UInt8], objects: Objects) = {
        do { return try build() } catch { fatalError("the CAS fixture cannot be built: \(error)") }
    }()

    public static var objects: Objects { pristine.objects }

    static func build() throws -> ([UInt8], Objects) {
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store, options: CASOptions(parallel: false))
        func put(_ object: CASObject) throws -> ObjectID { try volume.put(object) }
        let readmeID = try put(.blob(readme))
        let readmeItem = try put(.item(name: "readme.txt", target: readmeID))
        let a1ID = try put(.blob(a1))
        let a1Item = try put(.item(name: "a.txt", target: a1ID))
        let bigID = try put(.blob(big))
        let bigItem = try put(.item(name: "big.txt", target: bigID))
        let docs1 = try put(.tree([a1Item, bigItem]))
        let docs1Item = try put(.item(name: "docs", target: docs1))
        let tree1 = try put(.tree([docs1Item, readmeItem]))
        try volume.setTag("v1", to: tree1)
        try volume.commit()
        let a2ID = try put(.blob(a2))
        let a2Item = try put(.item(name: "a.txt", target: a2ID))
        let docs2 = try put(.tree([a2Item, bigItem]))
        let docs2Item = try put(.item(name: "docs", target: docs2))
        let tree2 = try put(.tree([docs2Item, readmeItem]))
        try volume.setTag("v2", to: tree2)
        try volume.commit()
        let objects = Objects(readme: readmeID, a1: a1ID, a2: a2ID, big: bigID, readmeItem: readmeItem, a1Item: a1Item,
                              a2Item: a2Item, bigItem: bigItem, docs1: docs1, docs2: docs2, docs1Item: docs1Item,
                              docs2Item: docs2Item, tree1: tree1, tree2: tree2)
        return (store.bytes, objects)
    }

    /// The fixture volume with `/snapshots.cas` holding the CAS volume after `damage`
    /// (and `reshape`, for a cut): the Ardaku volume itself is sound, only the CAS bytes differ.
    public static func image(reshape: ([UInt8]) -> [UInt8] = { $0 }, _ damage: (CASDamage) throws -> Void) throws -> MemoryPageStore {
        let cas = MemoryByteStore(pristine.bytes)
        try damage(CASDamage(cas))
        let store = FixtureVolume.fresh()
        let volume = try Volume(store: store)
        volume.clock = { 1_700_000_200 }
        var options = PutOptions()
        options.type = .cas
        try volume.put(try FileName(fileName), bytes: reshape(cas.bytes), options: options)
        try volume.close()
        return store
    }
}

/// Edits of a CAS volume's bytes in memory, below the library: records rewritten with
/// valid CRCs (to reach the checks behind them), or raw bytes changed.
public struct CASDamage {
    public let store: MemoryByteStore
    public init(_ store: MemoryByteStore) { self.store = store }
    public var objects: CASFixture.Objects { CASFixture.objects }

    /// The header of the newest generation (the volume is sound before the damage).
    public var header: VolumeHeader {
        get throws {
            let slots = try VolumeHeader.slotOffsets.map { slot in
                try store.read(at: slot, count: VolumeHeader.encodedSize).withUnsafeBytes { try VolumeHeader.decode($0, origin: slot) }
            }
            return slots.max { $0.generation < $1.generation }!
        }
    }

    public func writeHeader(_ header: VolumeHeader) throws {
        try store.write(at: VolumeHeader.slotOffsets[header.slot], header.encoded())
    }

    public func index() throws -> IndexRecord {
        let header = try header
        return try store.read(at: header.indexOffset, count: Int(header.indexLength))
            .withUnsafeBytes { try IndexRecord.decode($0, origin: header.indexOffset) }
    }

    public func tagTable() throws -> TagTableRecord {
        let header = try header
        return try store.read(at: header.tagTableOffset, count: Int(header.tagTableLength))
            .withUnsafeBytes { try TagTableRecord.decode($0, origin: header.tagTableOffset) }
    }

    public func entry(_ id: ObjectID) throws -> IndexRecord.Entry {
        guard let entry = try index().entries.first(where: { $0.id == id }) else { throw DamageError.notFound("object \(id)") }
        return entry
    }

    /// Writes a committed index holding `entries` (same generation) and updates the
    /// header: in place when it fits, the rest made a free record; else at the end of the data area,
    /// the old record made a free record.
    public func writeIndex(_ entries: [IndexRecord.Entry]) throws {
        var header = try header
        let record = IndexRecord(generation: header.generation, entries: entries)
        let length = UInt64(IndexRecord.recordLength(entryCount: entries.count))
        if length + UInt64(FreeRecord.headerSize) <= header.indexLength {
            try store.write(at: header.indexOffset, record.encoded())
            try store.write(at: header.indexOffset + length, FreeRecord.encoded(length: header.indexLength - length))
            header.indexLength = length
        } else {
            try store.write(at: header.indexOffset, FreeRecord.encoded(length: header.indexLength))
            let bytes = record.encoded()
            header.indexOffset = header.dataEnd
            header.indexLength = UInt64(bytes.count)
            header.dataEnd += UInt64(bytes.count)
            try store.write(at: header.indexOffset, bytes)
        }
        header.objectCount = UInt32(entries.count)
        try writeHeader(header)
    }

    /// Writes a committed tag table (same generation) at the end of the data area, the
    /// old one made a free record, and updates the header.
    public func writeTags(_ entries: [TagTableRecord.Entry]) throws {
        var header = try header
        let bytes = TagTableRecord(generation: header.generation, entries: entries).encoded()
        try store.write(at: header.tagTableOffset, FreeRecord.encoded(length: header.tagTableLength))
        header.tagTableOffset = header.dataEnd
        header.tagTableLength = UInt64(bytes.count)
        header.tagCount = UInt32(entries.count)
        header.dataEnd += UInt64(bytes.count)
        try store.write(at: header.tagTableOffset, bytes)
        try writeHeader(header)
    }

    /// `entries` in ascending order of their name bytes, as §C3.5 requires of a tag table
    /// (a recipe that adds a tag keeps the table valid apart from the damage it is about).
    public static func inNameOrder(_ entries: [TagTableRecord.Entry]) -> [TagTableRecord.Entry] {
        entries.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// Takes `id` out of the index and makes its record (a pack of one member, or an
    /// object record) a free record: the object is gone, cleanly, and what names it dangles.
    public func destroy(_ id: ObjectID) throws {
        let entry = try entry(id)
        try store.write(at: entry.offset, FreeRecord.encoded(length: UInt64(entry.recordLength)))
        try writeIndex(try index().entries.filter { $0.id != id })
    }

    /// Changes the stored object bytes of `id`'s object record and reseals its CRC.
    public func rewriteObject(_ id: ObjectID, _ change: (inout [UInt8]) -> Void) throws {
        let entry = try entry(id)
        let bytes = try store.read(at: entry.offset, count: Int(entry.recordLength))
        var record = try bytes.withUnsafeBytes { try ObjectRecord.decode($0, origin: entry.offset) }
        change(&record.object)
        try store.write(at: entry.offset, record.encoded())
    }

    /// Writes `bytes` at the end of the data area (the header's data end moves past them)
    /// and returns where.
    public func append(_ bytes: [UInt8]) throws -> UInt64 {
        var header = try header
        let offset = header.dataEnd
        try store.write(at: offset, bytes)
        header.dataEnd += UInt64(bytes.count)
        try writeHeader(header)
        return offset
    }

    /// Changes the members of the pack record holding `id` and reseals it (same size
    /// when the members keep their lengths and the pack stays uncompressed).
    public func rewritePack(holding id: ObjectID, _ change: (inout [PackRecord.Member]) -> Void) throws {
        let entry = try entry(id)
        let bytes = try store.read(at: entry.offset, count: Int(entry.recordLength))
        var pack = try bytes.withUnsafeBytes { try PackRecord.decode($0, origin: entry.offset) }
        change(&pack.members)
        let encoded = pack.encoded()
        guard encoded.count == bytes.count else { throw DamageError.notFound("a pack of the same size") }
        try store.write(at: entry.offset, encoded)
    }

    public func flip(at offset: UInt64, mask: UInt8 = 0x01) throws {
        let byte = try store.read(at: offset, count: 1)[0]
        try store.write(at: offset, [byte ^ mask])
    }
}
