/// The one JSON emitter of the tools: objects with keys in the order written, two-space
/// indentation, strings escaped per RFC 8259 (and DEL, so no control byte reaches a
/// terminal). Writes as it goes, so a document of any size needs no tree in memory;
/// `JSONValue` is the tree for the small documents that are easier built whole.
public struct JSONWriter {
    public let output: OutputBuffer
    /// For each open container: whether it already holds a member.
    private var containers: [Bool] = []
    /// True after `key(_:)`, until its value is written.
    private var afterKey = false

    public init(output: OutputBuffer) { self.output = output }

    // MARK: Containers

    public mutating func beginObject() throws { try openContainer("{") }
    public mutating func endObject() throws { try closeContainer("}") }
    public mutating func beginArray() throws { try openContainer("[") }
    public mutating func endArray() throws { try closeContainer("]") }

    /// Starts the member `name` of the open object; the next value written is its value.
    public mutating func key(_ name: String) throws {
        try separate()
        try writeString(name)
        try output.write(": ")
        afterKey = true
    }

    // MARK: Values

    public mutating func value(_ text: String) throws {
        try separate()
        try writeString(text)
    }

    public mutating func value<T: BinaryInteger>(_ number: T) throws {
        try separate()
        try output.write(String(number))
    }

    public mutating func value(_ flag: Bool) throws {
        try separate()
        try output.write(flag ? "true" : "false")
    }

    /// A fraction with exactly six decimals (microseconds are plenty for the times the tools
    /// report; a fixed format keeps the output stable); 0 for a value that is not finite.
    public mutating func value(_ number: Double) throws {
        try separate()
        let micro = (number * 1_000_000).rounded()
        guard micro.isFinite, abs(micro) < 9e18 else { return try output.write("0") }
        let whole = Int64(micro)
        let digits = String(abs(whole) % 1_000_000)
        let sign = whole < 0 ? "-" : ""
        try output.write(sign + String(abs(whole) / 1_000_000) + "." + String(repeating: "0", count: 6 - digits.count) + digits)
    }

    /// A value whose text `body` writes straight to the output (a long hex string, streamed);
    /// the caller writes valid JSON.
    public mutating func verbatimValue(_ body: (OutputBuffer) throws -> Void) throws {
        try separate()
        try body(output)
    }

    public mutating func null() throws {
        try separate()
        try output.write("null")
    }

    /// `name: text`, or `name: null` when `text` is nil.
    public mutating func member(_ name: String, _ text: String?) throws {
        try key(name)
        if let text { try value(text) } else { try null() }
    }

    public mutating func member<T: BinaryInteger>(_ name: String, _ number: T?) throws {
        try key(name)
        if let number { try value(number) } else { try null() }
    }

    public mutating func member(_ name: String, _ flag: Bool) throws {
        try key(name)
        try value(flag)
    }

    public mutating func member(_ name: String, strings: [String]) throws {
        try key(name)
        try beginArray()
        for text in strings { try value(text) }
        try endArray()
    }

    public mutating func member<T: BinaryInteger>(_ name: String, numbers: [T]) throws {
        try key(name)
        try inlineArray(numbers)
    }

    /// An array of numbers on one line: `[2, 5, 7]`.
    public mutating func inlineArray<T: BinaryInteger>(_ numbers: [T]) throws {
        try separate()
        try output.byte(UInt8(ascii: "["))
        for (index, number) in numbers.enumerated() {
            if index > 0 { try output.write(", ") }
            try output.write(String(number))
        }
        try output.byte(UInt8(ascii: "]"))
    }

    /// Ends the document with a newline.
    public func finish() throws { try output.byte(0x0A) }

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
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
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
            case 0..<0x20, 0x7F:
                let digits: [UInt8] = Array("0123456789abcdef".utf8)
                try output.write("\\u00")
                try output.byte(digits[Int(byte >> 4)])
                try output.byte(digits[Int(byte & 0xF)])
            default:
                try output.byte(byte)
            }
        }
        try output.byte(UInt8(ascii: "\""))
    }
}

/// A JSON document built whole, written by `JSONWriter`: for reports small enough to build
/// before printing. Objects keep their keys in the order given.
public indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public func write(to writer: inout JSONWriter) throws {
        switch self {
        case .null: try writer.null()
        case let .bool(flag): try writer.value(flag)
        case let .int(number): try writer.value(number)
        case let .uint(number): try writer.value(number)
        case let .double(number): try writer.value(number)
        case let .string(text): try writer.value(text)
        case let .array(values):
            try writer.beginArray()
            for value in values { try value.write(to: &writer) }
            try writer.endArray()
        case let .object(members):
            try writer.beginObject()
            for (key, value) in members {
                try writer.key(key)
                try value.write(to: &writer)
            }
            try writer.endObject()
        }
    }

    /// The document as text, ending with a newline.
    public var rendered: String {
        // Rendering into memory cannot fail: the sink only appends.
        (try? OutputBuffer.render { output in
            var writer = JSONWriter(output: output)
            try write(to: &writer)
            try writer.finish()
        }) ?? ""
    }
}
