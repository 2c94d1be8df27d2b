import ArdakuFormat
import ArdakuVolume

/// Test helpers for building volumes in memory.
public enum TestVolumes {
    /// A fresh volume of `pages` pages in memory, with a fixed UUID and time.
    public static func make(pages: UInt32 = 256, label: String = "test") throws -> (MemoryPageStore, Volume) {
        let store = MemoryPageStore(pageCount: pages)
        var options = Volume.FormatOptions()
        options.label = Array(label.utf8)
        options.uuid = VolumeUUID(string: "12345678-9abc-4def-8123-456789abcdef")!
        options.creationTime = 1_700_000_000
        let volume = try Volume.format(store, options: options)
        volume.clock = { 1_700_000_100 }
        return (store, volume)
    }

    public static func name(_ string: String) -> FileName {
        try! FileName(string)
    }
}
