import Testing
import ArdakuFormat
@testable import ArdakuVolume
import TestSupport

/// `Volume.setLabel` and `setUUID` (ardaku label, ardaku uuid): one commit each; a new UUID
/// reaches every record; a refusal changes nothing.
@Suite struct VolumeIdentityTests {
    @Test func theLabelChangesInOneCommitAndTheRestStays() throws {
        let (store, volume) = try TestVolumes.make(pages: 64)
        try volume.put(TestVolumes.name("/a"), bytes: Array("a".utf8))
        let before = volume.committed
        try volume.setLabel(Array("new label".utf8))
        let after = try Volume(store: store).committed
        #expect(after.label == Array("new label".utf8))
        #expect(after.generation == before.generation + 1)
        var expected = before
        expected.label = after.label
        expected.generation = after.generation
        #expect(after == expected, "nothing else in the block changes")
    }

    @Test func badLabelsAreRefusedBeforeAnythingIsWritten() throws {
        let (store, volume) = try TestVolumes.make(pages: 64)
        let image = store.snapshot()
        for (label, why) in [([UInt8](repeating: 0x41, count: Limits.maxLabelBytes + 1), "1021 bytes, the limit is 1020"),
                             ([0x41, 0, 0x42], "contains a NUL byte"), ([0x41, 0xFF], "not valid UTF-8 (byte 1)")] {
            #expect(throws: VolumeError.invalidLabel(why)) { try volume.setLabel(label) }
        }
        #expect(store.snapshot() == image)
    }

    @Test func aNewUUIDReachesEveryRecord() throws {
        let (store, volume) = try TestVolumes.make(pages: 128)
        var rng = SeededGenerator(seed: 16)
        var contents: [String: [UInt8]] = [:]
        // Small files, a file with extension pages (a sparse one), and renames that left
        // replaced_file_id in a record.
        for index in 0..<30 { contents["/f/\(index)"] = rng.bytes(index * 1_000) }
        for (name, bytes) in contents { try volume.put(TestVolumes.name(name), bytes: bytes) }
        let inline = FileRecord.inlineCapacity(nameLength: 7, tagCount: 0, extensionPageCount: 0)
        try volume.put(TestVolumes.name("/sparse"), bytes: [])
        contents["/sparse"] = [UInt8](repeating: 0, count: (inline + 5) << 16) + Array("end".utf8)
        try volume.write(TestVolumes.name("/sparse"), at: UInt64(inline + 5) << 16, Array("end".utf8))
        try volume.move(Array("/f/1".utf8), to: Array("/f/2".utf8), replaceExisting: true)
        contents["/f/2"] = contents.removeValue(forKey: "/f/1")
        let generation = volume.committed.generation

        let uuid = VolumeUUID(string: "1b4e28ba-2fa1-41d2-883f-0016d3cca427")!
        try volume.setUUID(uuid)
        let reopened = try Volume(store: store)
        #expect(reopened.committed.uuid == uuid)
        #expect(reopened.committed.generation == generation + 1, "one commit")
        for (name, bytes) in contents { #expect(try reopened.readAll(TestVolumes.name(name)) == bytes) }
        #expect(try reopened.stat(TestVolumes.name("/sparse")).extensionPages.count >= 1)
        for status in try reopened.list() {
            #expect(status.generation == generation + 1, "\(status.name): written anew")
            #expect(try reopened.readRecord(at: status.subpage).volumeUUID == uuid)
        }
        try reopened.put(TestVolumes.name("/after"), bytes: [1, 2, 3])
        #expect(try Volume(store: store).list().count == contents.count + 1)
    }

    @Test func withoutRoomForTheRecordsNothingChanges() throws {
        let (store, volume) = try TestVolumes.make(pages: 16)
        var count = 0
        do {
            while true {
                try volume.put(TestVolumes.name("/f\(count)"), bytes: [UInt8(count & 0xFF) | 1])
                count += 1
            }
        } catch VolumeError.noSpace {}
        #expect(count > 4)
        let before = volume.committed
        #expect(throws: VolumeError.self) { try volume.setUUID(.zero) }
        #expect(volume.committed == before)
        let reopened = try Volume(store: store)
        #expect(reopened.committed == before)
        #expect(try reopened.list().count == count)
    }
}
