import Testing
import ArdakuFormat
import ArdakuVolume
import TestSupport

/// The whole volume against an in-memory model: random puts, overwrites, appends,
/// truncations, removes and renames, in and out of batches, with the volume reopened from
/// its pages now and then. After every step the audit recomputes the used pages from the
/// files and compares them with the bitfield and page 0's counters: no leaked page, no
/// page used but unmarked.
@Suite struct VolumeModelTests {
    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomOperationsMatchModel(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let (store, firstVolume) = try TestVolumes.make(pages: 600)
        var volume = firstVolume
        var model: [String: [UInt8]] = [:]
        let names = (0..<40).map { "/d\($0 % 5)/f\($0)" }

        func content() -> [UInt8] {
            let sizes = [0, 1, 100, 65_535, 65_536, 65_537, 140_000]
            var bytes = rng.bytes(sizes.randomElement(using: &rng)!)
            if bytes.count > 70_000, Bool.random(using: &rng) {
                // a hole in the middle
                for index in 65_536..<131_072 where index < bytes.count { bytes[index] = 0 }
            }
            return bytes
        }

        for step in 0..<400 {
            let name = names.randomElement(using: &rng)!
            let fileName = TestVolumes.name(name)
            let operation = Int.random(in: 0..<8, using: &rng)
            switch operation {
            case 0, 1:
                let bytes = content()
                var options = PutOptions()
                options.replaceExisting = true
                try volume.put(fileName, bytes: bytes, options: options)
                model[name] = bytes
            case 2 where model[name] != nil:
                let offset = Int.random(in: 0...(model[name]!.count + 70_000), using: &rng)
                let patch = rng.bytes(Int.random(in: 0...70_000, using: &rng))
                try volume.write(fileName, at: UInt64(offset), patch)
                var bytes = model[name]!
                if bytes.count < offset + patch.count { bytes += [UInt8](repeating: 0, count: offset + patch.count - bytes.count) }
                bytes.replaceSubrange(offset..<(offset + patch.count), with: patch)
                model[name] = bytes
            case 3 where model[name] != nil:
                let length = Int.random(in: 0...(model[name]!.count + 70_000), using: &rng)
                try volume.truncate(fileName, to: UInt64(length))
                var bytes = model[name]!
                if length < bytes.count { bytes.removeSubrange(length...) } else { bytes += [UInt8](repeating: 0, count: length - bytes.count) }
                model[name] = bytes
            case 4 where model[name] != nil:
                try volume.remove(fileName)
                model[name] = nil
            case 5 where model[name] != nil:
                let target = names.randomElement(using: &rng)!
                try volume.move(Array(name.utf8), to: Array(target.utf8), replaceExisting: true)
                if target != name { model[target] = model[name]; model[name] = nil }
            case 6:
                // Several operations in one batch.
                try volume.batch { () throws(VolumeError) in
                    for _ in 0..<3 {
                        let batchName = names.randomElement(using: &rng)!
                        let bytes = rng.bytes(Int.random(in: 0...100_000, using: &rng))
                        var options = PutOptions()
                        options.replaceExisting = true
                        try volume.put(TestVolumes.name(batchName), bytes: bytes, options: options)
                        model[batchName] = bytes
                    }
                }
            default:
                volume = try Volume(store: store)
                volume.clock = { 1_700_000_100 }
            }
            let audit = try Audit.run(store)
            #expect(audit.isConsistent, "seed \(seed) step \(step) op \(operation): \(audit)")
            if !audit.isConsistent { return }
            if step % 20 == 0 || step == 399 {
                let reopened = try Volume(store: store)
                #expect(try reopened.list().map(\.name) == model.keys.sorted(), "seed \(seed) step \(step)")
                for (modelName, bytes) in model {
                    #expect(try reopened.readAll(TestVolumes.name(modelName)) == bytes, "seed \(seed) step \(step) \(modelName)")
                }
            }
        }
    }
}
