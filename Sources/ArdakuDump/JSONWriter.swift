import ArdakuFormat

/// A streaming JSON writer: objects with keys in the order written, two-space indentation,
/// strings escaped per RFC 8259. Writes as it goes, so a view of any size needs no tree
/// in memory.
struct JSONWriter {
    let output: OutputBuffer
    /// For each open container: whether it already holds a member.
    private var containers: [Bool] = []
    /// True after `key(_:)`, until its value is written.
    private var afterKey = false

    init(output: OutputBuffer) { self.output = output }

    // MARK: Containers

    mutating func beginObject() throws { try openContainer("{") }
    mutating func endObject() throws { try closeContainer("}") }
    mutating func beginArray() throws { try openContainer("[") }
    mutating func endArray() throws { try closeContainer("]") }

    /// Starts the member `name` of the open object; the next value written is its value.
    mutating func key(_ name: String) throws {
        try separate()
        try writeString(name)
        try output.write(": ")
        afterKey = true
    }

    // MARK: Values

    mutating func value(_ text: String) throws {
        try separate()
        try writeString(text)
    }

    mutating func value<T: BinaryInteger>(_ number: T) throws {
        try separate()
        try output.write(String(number))
    }

    mutating func value(_ flag: Bool) throws {
        try separate()
        try output.write(flag ? "true" : "false")
    }

    mutating func null() throws {
        try separate()
        try output.write("null")
    }

    /// `name: text`, or `name: null` when `text` is nil.
    mutating func member(_ name: String, _ text: String?) throws {
        try key(name)
        if let text { try value(text) } else { try null() }
    }

    mutating func member<T: BinaryInteger>(_ name: String, _ number: T?) throws {
        try key(name)
        if let number { try value(number) } else { try null() }
    }

    mutating func member(_ name: String, _ flag: Bool) throws {
        try key(name)
        try value(flag)
    }

    mutating func member(_ name: String, strings: [String]) throws {
        try key(name)
        try beginArray()
        for text in strings { try value(text) }
        try endArray()
    }

    mutating func member<T: BinaryInteger>(_ name: String, numbers: [T]) throws {
        try key(name)
        try inlineArray(numbers)
    }

    /// An array of numbers on one line: `[2, 5, 7]`.
    mutating func inlineArray<T: BinaryInteger>(_ numbers: [T]) throws {
        try separate()
        try output.byte(UInt8(ascii: "["))
        for (index, number) in numbers.enumerated() {
            if index > 0 { try output.write(", ") }
            try output.write(String(number))
        }
        try output.byte(UInt8(ascii: "]"))
    }

    /// `name: "<hex digits of bytes>"`, streamed (the bytes may be any size).
    mutating func member(_ name: String, hexOf bytes: UnsafeRawBufferPointer) throws {
        try key(name)
        try separate()
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

    /// Ends the document with a newline.
    func finish() throws { try output.byte(0x0A) }

    // MARK: Layout

    private mutating func openContainer(_ bracket: String) throws {
        try separate()
        try output.write(bracket)
        containers.append(false)
    }

    private mutating func closeContainer(_ bracket: String) throws {
        let hadMembers = containers.removeLast()
        if hadMembers { try newline() }
        try output.write(bracket)
    }

    /// Writes the comma and line break before a value, unless it follows a key.
    private mutating func separate() throws {
        if afterKey {
            afterKey = false
            return
        }
        guard !containers.isEmpty else { return }
        if containers[containers.count - 1] { try output.byte(UInt8(ascii: ",")) }
        containers[containers.count - 1] = true
        try newline()
    }

    private func newline() throws {
        try output.byte(0x0A)
        try output.write(String(repeating: "  ", count: containers.count))
    }

    private func writeString(_ text: String) throws {
        try output.byte(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            try output.write(text)
            try output.byte(UInt8(ascii: "\""))
            return
        }
        // Swift strings are valid UTF-8, so every byte but quotes, backslashes and controls
        // passes through unchanged.
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): try output.write("\\\"")
            case UInt8(ascii: "\\"): try output.write("\\\\")
            case 0x0A: try output.write("\\n")
            case 0x0D: try output.write("\\r")
            case 0x09: try output.write("\\t")
            case 0..<0x20:
                try output.write("\\u00" + TextFormat.hexString([byte]))
            default:
                try output.byte(byte)
            }
        }
        try output.byte(UInt8(ascii: "\""))
    }
}

