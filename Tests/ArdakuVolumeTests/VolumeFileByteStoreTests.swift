import Testing
import ArdakuFormat
import ArdakuVolume
import TestSupport

@Suite struct VolumeFileByteStoreTests {
    @Test func writesAreCommittedTogetherAtFlush() throws {
        let (store, volume) = try TestVolumes.make(pages: 128)
        let name = TestVolumes.name("/nested.zest")
        var options = PutOptions()
        options.type = .zest
        try volume.put(name, bytes: [], options: options)
        let nested = try VolumeFileByteStore(volume: volume, name: name)
        var model = [UInt8]()
        var rng = SeededGenerator(seed: 8)
        for step in 0..<300 {
            // Many small writes at random offsets, some past the end.
            let offset = Int.random(in: 0...(model.count + 5_000), using: &rng)
            let bytes = rng.bytes(Int.random(in: 1...3_000, using: &rng))
            try nested.write(at: UInt64(offset), bytes)
            if model.count < offset + bytes.count { model += [UInt8](repeating: 0, count: offset + bytes.count - model.count) }
            model.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
            if step == 150 {
                // Nothing is durable before flush: a fresh view of the store sees the empty file.
                #expect(try Volume(store: store).stat(name).byteLength == 0)
                try nested.flush()
                #expect(try Volume(store: store).readAll(name) == model)
            }
        }
        #expect(nested.length == UInt64(model.count))
        #expect(try nested.read(at: 100, count: 50) == Array(model[100..<150]))
        try nested.setLength(10_000)
        model.removeSubrange(10_000...)
        try nested.close()
        let reopened = try Volume(store: store)
        #expect(try reopened.readAll(name) == model)
        #expect(try reopened.stat(name).type == .zest)
        let audit = try Audit.run(store)
        #expect(audit.isConsistent, "\(audit)")
    }

    @Test func readingPastTheEndIsAnError() throws {
        let (_, volume) = try TestVolumes.make(pages: 32)
        let name = TestVolumes.name("/f")
        try volume.put(name, bytes: [1, 2, 3])
        let nested = try VolumeFileByteStore(volume: volume, name: name)
        #expect(throws: StoreError.self) { try nested.read(at: 2, count: 2) }
        try nested.close()
    }
}
