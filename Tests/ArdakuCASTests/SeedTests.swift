import ArdakuFormat
import Testing
@testable import ArdakuCAS

/// The objects of the CIYAM seed (seeds/cas-files.txt) must get exactly the seed's ids, and
/// `info` must print exactly the seed's `file_info -recurse -d=2` output.
@Suite struct SeedTests {
    static let blobID = "cceeb7a985ecc3dabcb4c8f666cd637f16f008e3c963db6aa6f83a7b288c54ef"
    static let helloItemID = "73c3e168e4ee7fa520206a2443c4c9b285ade8f3df957c6ae53b10ea0e1cf1ff"
    static let helloTreeID = "389c29735fe47fd25bb69cb50e0e56b4fef565bb1c3a8d8fc3c7c508aa9ed460"
    static let greetingsItemID = "6157266eef1b081e83fdf2b4103bae00717470652ae9405ec92fe40a803e36b2"
    static let greetingsTreeID = "2ff855f2b47220fb99e472aacf8ae3d44c6b9ae1f54531ef482af10c1db35a04"

    @Test func theFiveSeedIDs() throws {
        let blob = CASObject.blob(Array("hello".utf8))
        #expect(blob.id.hex == Self.blobID)
        let helloItem = try CASObject.item(name: "hello", target: blob.id)
        #expect(helloItem.payload == Array("hello\n\(Self.blobID)".utf8))
        #expect(helloItem.id.hex == Self.helloItemID)
        let helloTree = try CASObject.tree([helloItem.id])
        #expect(helloTree.id.hex == Self.helloTreeID)
        let greetingsItem = try CASObject.item(name: "greetings", target: blob.id)
        #expect(greetingsItem.id.hex == Self.greetingsItemID)
        #expect(try CASObject.tree([greetingsItem.id]).id.hex == Self.greetingsTreeID)
    }

    @Test func idIgnoresTheCompressedBit() {
        let payload = Array("hello".utf8)
        #expect(ObjectID.hashing(typeByte: 0x09, payload: payload) == ObjectID.hashing(typeByte: 0x01, payload: payload))
        #expect(ObjectID.hashing(typeByte: 0x11, payload: payload) != ObjectID.hashing(typeByte: 0x01, payload: payload))
    }

    /// The seed's session: three raw objects, a tag, a rename by a new item and tree.
    @Test func fileInfoOutputMatchesTheSeed() throws {
        let volume = try CASVolume.create(on: MemoryByteStore())
        let blob = try volume.putBlob(Array("hello".utf8))
        let item = try volume.putItem(name: "hello", target: blob)
        let tree = try volume.putTree([item])
        try volume.setTag("hello", to: tree)
        let greetingsItem = try volume.putItem(name: "greetings", target: blob)
        let greetingsTree = try volume.putTree([greetingsItem])
        try volume.setTag("greetings", to: greetingsTree)
        try volume.commit()

        let hello = """
            [tree] 389c29735fe47fd25bb69cb50e0e56b4fef565bb1c3a8d8fc3c7c508aa9ed460
             [item] hello 73c3e168e4ee7fa520206a2443c4c9b285ade8f3df957c6ae53b10ea0e1cf1ff
              [blob] utf8 cceeb7a985ecc3dabcb4c8f666cd637f16f008e3c963db6aa6f83a7b288c54ef
            hello

            """
        #expect(try volume.info(Self.helloTreeID, depth: 2) == hello)
        #expect(try volume.info("hello", depth: 2) == hello)
        let greetings = """
            [tree] 2ff855f2b47220fb99e472aacf8ae3d44c6b9ae1f54531ef482af10c1db35a04
             [item] greetings 6157266eef1b081e83fdf2b4103bae00717470652ae9405ec92fe40a803e36b2
              [blob] utf8 cceeb7a985ecc3dabcb4c8f666cd637f16f008e3c963db6aa6f83a7b288c54ef
            hello

            """
        #expect(try volume.info("greetings", depth: 2) == greetings)
        // The blob is stored once, shared by both items.
        #expect(volume.objectCount == 5)
        // Depth limits the recursion.
        #expect(try volume.info("hello", depth: 1) == """
            [tree] 389c29735fe47fd25bb69cb50e0e56b4fef565bb1c3a8d8fc3c7c508aa9ed460
             [item] hello 73c3e168e4ee7fa520206a2443c4c9b285ade8f3df957c6ae53b10ea0e1cf1ff

            """)
    }

    @Test func seedObjectsSurviveStorageInPacksAndReopen() throws {
        // Small objects live in pack records: one per put here, the item's and the tree's
        // member areas (75 and 69 bytes, mostly hex digits) shrink under zlib and are
        // stored compressed; ids and payloads must not change.
        let store = MemoryByteStore()
        let volume = try CASVolume.create(on: store)
        let blob = try volume.putBlob(Array("hello".utf8))
        let item = try volume.putItem(name: "hello", target: blob)
        let tree = try volume.putTree([item])
        try volume.commit()
        var compressed = 0
        for id in volume.objectIDs {
            #expect(volume.packMember(of: id) == 0)
            let location = try #require(volume.location(of: id))
            let record = try store.read(at: location.offset, count: Int(location.recordLength))
            let pack = try record.withUnsafeBytes { try PackRecord.decode($0, origin: location.offset) }
            #expect(pack.members.map(\.id) == [id])
            if pack.isCompressed { compressed += 1 }
        }
        #expect(compressed == 2)
        let reopened = try CASVolume.open(store)
        #expect(try reopened.object(item).payload == Array("hello\n\(Self.blobID)".utf8))
        #expect(try reopened.object(tree).id.hex == Self.helloTreeID)
        #expect(try reopened.content(blob) == Array("hello".utf8))
    }
}
