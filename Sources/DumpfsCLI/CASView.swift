import ArdakuCAS
import ArdakuDump
import ArdakuFormat

/// `dumpfs --cas NAME`: a CAS volume's structures field by field (docs/FORMAT.md §C3),
/// from `CASChecker.walk`, which never trusts a length or count it has not checked: both
/// header slots, then every record of the data area in offset order (objects, packs and
/// their members, the index and its entries, tag tables and their tags, free records, and
/// runs of bytes that are no record). `--object ID|TAG` decodes one object as `ardaku cas
/// info` does.
enum CASView {
    static func text(_ store: ByteStore, title: String, to output: OutputBuffer) throws {
        let dumps = CASChecker.walk(store)
        try output.line("CAS volume \(title): \(store.length) bytes, \(dumps.count) structures")
        for dump in dumps {
            try output.line()
            try output.line("\(dump.kind.rawValue) at \(Hex.format(dump.offset, width: 8)), \(dump.length) bytes"
                            + (dump.note.map { ": \(printable($0))" } ?? ""))
            for field in dump.fields {
                let mark = field.check.map { $0 == .ok ? "  [ok]" : "  [MISMATCH]" } ?? ""
                let name = printable(field.name)
                let padded = name.count < 22 ? name + String(repeating: " ", count: 22 - name.count) : name
                try output.line("  \(Hex.format(field.offset, width: 8))  \(padded)  \(field.raw)  \(printable(field.meaning))\(mark)")
            }
        }
    }

    struct FieldJSON: Encodable {
        var name: String, offset: UInt64, size: Int, raw: String, meaning: String, check: String?
    }
    struct StructureJSON: Encodable {
        var kind: String, offset: UInt64, length: UInt64, note: String?, fields: [FieldJSON]
    }
    struct VolumeJSON: Encodable {
        var view: String, image: String, volume: String, length: UInt64, structures: [StructureJSON]
    }

    static func json(_ store: ByteStore, image: String, volume: String, to output: OutputBuffer) throws {
        let structures = CASChecker.walk(store).map { dump in
            StructureJSON(kind: dump.kind.rawValue, offset: dump.offset, length: dump.length, note: dump.note,
                          fields: dump.fields.map {
                              FieldJSON(name: $0.name, offset: $0.offset, size: $0.size, raw: $0.raw, meaning: $0.meaning,
                                        check: $0.check?.rawValue)
                          })
        }
        let document = try JSONValue.document(schema: StructureDump.schema, VolumeJSON(
            view: "cas", image: image, volume: volume, length: store.length, structures: structures))
        var writer = JSONWriter(output: output)
        try document.write(to: &writer)
        try writer.finish()
    }

    /// One object (an id or a tag), as `ardaku cas info` shows it; the volume must open.
    static func object(_ reference: String, in store: ByteStore) throws -> String {
        do {
            let volume = try CASVolume.open(store)
            return try volume.info(reference, depth: 1)
        } catch {
            throw DumpError("\(error)")
        }
    }

    /// Control characters and invalid text escaped, so a damaged name cannot drive the terminal.
    static func printable(_ text: String) -> String { QuotedName.quotedName(text) }
}
