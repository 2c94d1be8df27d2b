import ArdakuFormat

/// Raw views of a byte range: `hexdump -C` text, annotated text, or JSON.
public struct RawDump {
    public let image: ImageBytes
    public let name: String

    public init(image: ImageBytes, name: String) {
        self.image = image
        self.name = name
    }

    public struct Options: Sendable {
        /// Every line, no `*` (hexdump -v).
        public var showAllLines = false
        /// Mark the fields of the structures in the range.
        public var annotate = false
        public var json = false
        public init() {}
    }

    /// Writes `range` of the image.
    /// - Throws: `RawRange.Problem` when the range is not inside the image; the sink's errors.
    public func render(_ range: RawRange, options: Options, to output: OutputBuffer) throws {
        let (offset, length) = try range.resolve(imageSize: image.count)
        // resolve() guarantees the range lies inside the image.
        guard let bytes = image.bytes(at: offset, count: Int(length)) else { return }
        switch (options.annotate, options.json) {
        case (false, false):
            try CanonicalHexDump.write(bytes, startOffset: offset, showAllLines: options.showAllLines, to: output)
        case (true, false):
            let scan = VolumeScan(image: image, name: name)
            try AnnotatedHexDump(scan: scan).write(offset: offset, length: length, showAllLines: options.showAllLines, to: output)
        case (_, true):
            var json = JSONWriter(output: output)
            try json.beginDocument(view: options.annotate ? "annotate" : "bytes", imageName: name, bytes: image.count, pages: image.wholePageCount)
            try json.member("unit", range.unit.rawValue)
            try json.member("range", range.text)
            try json.member("offset", offset)
            try json.member("length", length)
            if options.annotate {
                try annotatedJSON(offset: offset, length: length, &json)
            } else {
                try json.member("hex", hexOf: bytes)
            }
            try json.endObject()
            try json.finish()
        }
    }

    private func annotatedJSON(offset: UInt64, length: UInt64, _ json: inout JSONWriter) throws {
        let dump = AnnotatedHexDump(scan: VolumeScan(image: image, name: name))
        let end = offset + length
        var byteLengths: [Int: UInt64] = [:]
        try json.key("regions")
        try json.beginArray()
        if length > 0 {
            for page in (offset >> 16)...((end - 1) >> 16) {
                for region in dump.regions(of: page, byteLengths: &byteLengths) {
                    let fields = region.fields.filter { $0.offset < end && $0.offset + UInt64($0.size) > offset }
                    guard !fields.isEmpty else { continue }
                    try json.beginObject()
                    try json.member("page", page)
                    try json.member("heading", region.heading)
                    try json.member("problems", strings: region.problems)
                    try json.key("fields")
                    try json.beginArray()
                    for field in fields { try field.writeJSON(&json) }
                    try json.endArray()
                    try json.endObject()
                }
            }
        }
        try json.endArray()
    }
}
