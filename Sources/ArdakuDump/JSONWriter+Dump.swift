import ArdakuFormat

/// The parts of a dumpfs JSON document that only dumpfs writes.
extension JSONWriter {
    /// `name: "<hex digits of bytes>"`, streamed (the bytes may be any size).
    mutating func member(_ name: String, hexOf bytes: UnsafeRawBufferPointer) throws {
        try key(name)
        try verbatimValue { output in
            try output.byte(UInt8(ascii: "\""))
            let pairs = CanonicalHexDump.Tables.hexPairs
            var index = 0
            while index < bytes.count {
                let take = min(bytes.count - index, output.capacity / 2)
                let out = try output.reserve(2 * take)
                for k in 0..<take { out.storeBytes(of: pairs[Int(bytes[index + k])], toByteOffset: 2 * k, as: UInt16.self) }
                output.commit(2 * take)
                index += take
            }
            try output.byte(UInt8(ascii: "\""))
        }
    }

    /// Opens a dumpfs document: `{"schema": ..., "view": view, "image": {"name", "bytes", "pages"}`;
    /// the view's keys follow, then `endObject()` and `finish()`.
    mutating func beginDocument(view: String, imageName: String, bytes: UInt64, pages: UInt64) throws {
        try beginObject()
        try member("schema", StructureDump.schema)
        try member("view", view)
        try key("image")
        try beginObject()
        try member("name", imageName)
        try member("bytes", bytes)
        try member("pages", pages)
        try endObject()
    }
}
