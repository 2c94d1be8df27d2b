import ArdakuFormat

/// How a `StructureView` and its parts read, as text and as JSON.
extension StructureView {
    /// "System information block, page 0 (bytes 0x00000000-0x0000ffff)".
    var heading: String {
        let kindText = kind.prefix(1).uppercased() + kind.dropFirst()
        guard size > 0 else { return "\(kindText), \(location)" }
        return "\(kindText), \(location) (bytes \(Hex.format(offset, width: 8))-\(Hex.format(offset + UInt64(size) - 1, width: 8)))"
    }

    func writeText(to output: OutputBuffer) throws {
        try output.line(heading)
        if !fields.isEmpty {
            try output.line("  " + TextFormat.pad("address", 10) + TextFormat.pad("offset", 9) + TextFormat.pad("field", 23)
                            + TextFormat.pad("raw", 20) + "value")
        }
        for field in fields { try output.line(field.textLine) }
        for problem in problems { try output.line("  problem: " + problem) }
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        try json.beginObject()
        try json.member("kind", kind)
        try json.member("location", location)
        try json.member("offset", offset)
        try json.member("size", size)
        try json.key("fields")
        try json.beginArray()
        for field in fields { try field.writeJSON(&json) }
        try json.endArray()
        try json.member("problems", strings: problems)
        try json.endObject()
    }
}

extension FieldRow {
    /// `  00000400  +0x0400  magic                  0x4b445241   "ARDK" [ok]  # meaning`
    var textLine: String {
        var line = "  " + TextFormat.pad(TextFormat.address(offset), 10) + TextFormat.pad("+" + Hex.format(relativeOffset, width: 4), 9)
            + TextFormat.pad(name, 23) + TextFormat.pad(rawText, 20) + display
        if let check { line += " " + check.text }
        if !meaning.isEmpty { line += "  # " + meaning }
        return line
    }

    func writeJSON(_ json: inout JSONWriter) throws { try writeJSON(&json, address: offset, volumeOffset: nil) }

    /// - Parameters:
    ///   - address: the image offset to show (nil: the field lies in a hole).
    ///   - volumeOffset: for a field of a nested volume, its offset in that volume.
    func writeJSON(_ json: inout JSONWriter, address: UInt64?, volumeOffset: UInt64?) throws {
        try json.beginObject()
        try json.member("name", name)
        try json.member("offset", address)
        if let volumeOffset { try json.member("volume_offset", volumeOffset) }
        try json.member("relative_offset", relativeOffset)
        try json.member("size", size)
        try json.member("raw", TextFormat.hexString(raw))
        try json.member("raw_truncated", raw.count < size)
        try json.member("integer", integer)
        try json.key("value")
        switch value {
        case .number(let number): try json.value(number)
        case .text(let text): try json.value(text)
        case .numbers(let numbers): try json.inlineArray(numbers)
        case .bytes: try json.null()
        }
        try json.member("display", display)
        try json.member("meaning", meaning)
        try json.key("check")
        if let check { try check.writeJSON(&json) } else { try json.null() }
        try json.endObject()
    }
}

extension FieldCheck {
    func writeJSON(_ json: inout JSONWriter) throws {
        try json.beginObject()
        try json.member("status", status)
        switch self {
        case .ok: break
        case let .checksumOK(value):
            try json.member("stored", value)
            try json.member("computed", value)
        case let .badMagic(found, expected):
            try json.member("found", found)
            try json.member("expected", expected)
        case let .checksumMismatch(stored, computed):
            try json.member("stored", stored)
            try json.member("computed", computed)
        case let .invalid(reason):
            try json.member("reason", reason)
        }
        try json.endObject()
    }
}
