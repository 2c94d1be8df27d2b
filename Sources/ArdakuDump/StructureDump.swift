import ArdakuFormat

/// A structure view of the volume (everything but raw hex).
public enum DumpView: Equatable, Sendable {
    /// The dumpe2fs-style overview (the default).
    case summary
    /// Page 0 and its backup, field by field, and how they differ.
    case system
    /// The used-page bitfield as runs of used and free pages.
    case bitmap
    /// The File Infix Tree, node by node.
    case trie
    /// A file's record, extension pages and data pages, found by name in the trie.
    case file(String)
    /// The record in a subpage, and what it lists.
    case record(UInt32)
    /// Which structure owns each page.
    case owners

    /// The view's name in JSON (`"view": "summary"`).
    public var name: String {
        switch self {
        case .summary: return "summary"
        case .system: return "system"
        case .bitmap: return "bitmap"
        case .trie: return "trie"
        case .file: return "file"
        case .record: return "record"
        case .owners: return "owners"
        }
    }
}

/// A view asked for something the image does not hold.
public struct DumpError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Renders the structure views of one image.
public struct StructureDump {
    /// Version of the JSON schema (docs/DUMPFS.md); bumped when a key changes meaning.
    public static let schema = "ardaku-dumpfs/1"

    public let scan: VolumeScan

    public init(image: ImageBytes, name: String) {
        scan = VolumeScan(image: image, name: name)
    }

    /// Writes `view` as text, or as one JSON document when `json` is set.
    /// - Throws: `DumpError` when the view names something the image does not hold (a file
    ///   the trie does not list, a subpage past the end); whatever the output's sink throws.
    public func render(_ view: DumpView, json: Bool, to output: OutputBuffer) throws {
        if json {
            var writer = JSONWriter(output: output)
            try writer.beginDocument(view: view.name, imageName: scan.imageName, bytes: scan.image.count, pages: scan.imagePages)
            try renderJSON(view, &writer)
            try writer.endObject()
            try writer.finish()
        } else {
            try renderText(view, output)
        }
    }

    private func renderText(_ view: DumpView, _ output: OutputBuffer) throws {
        switch view {
        case .summary: try SummaryView(scan: scan).writeText(output)
        case .system: try systemText(output)
        case .bitmap: try BitmapView(scan: scan).writeText(output)
        case .trie: try TrieView(scan: scan).writeText(output)
        case .file(let name): try FileView(scan: scan, inspection: try inspect(name: name)).writeText(output)
        case .record(let subpage): try FileView(scan: scan, inspection: try inspect(subpage: subpage)).writeText(output)
        case .owners: try OwnersView(scan: scan).writeText(output)
        }
    }

    private func renderJSON(_ view: DumpView, _ json: inout JSONWriter) throws {
        switch view {
        case .summary: try SummaryView(scan: scan).writeJSON(&json)
        case .system: try systemJSON(&json)
        case .bitmap: try BitmapView(scan: scan).writeJSON(&json)
        case .trie: try TrieView(scan: scan).writeJSON(&json)
        case .file(let name): try FileView(scan: scan, inspection: try inspect(name: name)).writeJSON(&json)
        case .record(let subpage): try FileView(scan: scan, inspection: try inspect(subpage: subpage)).writeJSON(&json)
        case .owners: try OwnersView(scan: scan).writeJSON(&json)
        }
    }

    // MARK: Finding a record

    func inspect(name: String) throws -> FileInspection {
        let key = Array(name.utf8)
        let files = TrieWalk(scan: scan).run().files
        guard let file = files.first(where: { $0.name == key }) else {
            if scan.system == nil { throw DumpError("\(name): no system information block decodes, so there is no trie to look in") }
            throw DumpError("\(name): not in the trie (it lists \(TextFormat.count(UInt64(files.count), "file")); see --trie)")
        }
        guard let inspection = FileInspection(scan: scan, subpage: file.subpage, expectedName: file.name) else {
            throw DumpError("\(name): the trie leads to subpage \(file.subpage), byte \(Hex.format(UInt64(file.subpage) << 14, width: 8)), past the end of the image (\(scan.image.count) bytes)")
        }
        return inspection
    }

    private func inspect(subpage: UInt32) throws -> FileInspection {
        guard let inspection = FileInspection(scan: scan, subpage: subpage, expectedName: nil) else {
            throw DumpError("subpage \(subpage) (bytes \(Hex.format(UInt64(subpage) << 14, width: 8))..<\(Hex.format((UInt64(subpage) + 1) << 14, width: 8))) lies past the end of the image (\(scan.image.count) bytes)")
        }
        return inspection
    }

    // MARK: --system

    /// Fields whose bytes differ between page 0 and the backup (copy and checksum always do).
    private var copyDifferences: [String] {
        guard let primary = scan.primary, let backup = scan.backup else { return [] }
        var names: [String] = []
        for (a, b) in zip(primary.fields, backup.fields) where a.name == b.name {
            let left = scan.image.availableBytes(at: a.offset, count: a.size)
            let right = scan.image.availableBytes(at: b.offset, count: b.size)
            if !left.elementsEqual(right) { names.append(a.name) }
        }
        return names
    }

    private func systemText(_ output: OutputBuffer) throws {
        guard let primary = scan.primary else {
            throw DumpError("the image is \(scan.image.count) bytes, shorter than page 0 (65536 bytes)")
        }
        try primary.writeText(to: output)
        try output.line()
        if let backup = scan.backup {
            try backup.writeText(to: output)
            try output.line()
            let differences = copyDifferences
            let unexpected = differences.filter { $0 != "copy" && $0 != "checksum" }
            try output.line(TextFormat.labelled("Backup copy", "page \(scan.backupPage ?? 0)"))
            try output.line(TextFormat.labelled("Fields that differ", differences.isEmpty ? "<none>" : differences.joined(separator: ", ")))
            try output.line(TextFormat.labelled("Copies agree", unexpected.isEmpty
                ? "yes (copy and checksum differ by design)" : "no: \(unexpected.joined(separator: ", ")) differ"))
        } else {
            try output.line(TextFormat.labelled("Backup copy", "<none> (the image has no last page to hold one)"))
        }
        try output.line(TextFormat.labelled("Block in use", scan.systemChoice))
    }

    private func systemJSON(_ json: inout JSONWriter) throws {
        try json.key("copies")
        try json.beginArray()
        if let primary = scan.primary { try primary.writeJSON(&json) }
        if let backup = scan.backup { try backup.writeJSON(&json) }
        try json.endArray()
        try json.member("backup_page", scan.backupPage)
        try json.member("differences", strings: copyDifferences)
        try json.member("block_in_use", scan.systemPage)
        try json.member("choice", scan.systemChoice)
    }
}
