import ArdakuCLI
import ArdakuDump
import ArdakuFormat
import ArdakuIO
import ToolCommandLine
import Glibc

/// `dumpfs`: forensic views of an Ardaku image. Opens it read-only, never changes it.
public struct Dumpfs: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dumpfs",
        abstract: "Show what is on an Ardaku image: structures field by field, page owners, or raw bytes as hexdump -C.",
        discussion: """
            With no view option, prints a summary of the volume. Ranges: START, START:COUNT or \
            FIRST-LAST; numbers in decimal or 0x hex, with K, M, G, T suffixes (powers of 1024). \
            --bytes START alone runs to the end of the image. The version banner goes to \
            standard error, everything else to standard output. See dumpfs(8).

            dumpfs holds the image locked for reading: it fails while a writer has it open, \
            or waits with --wait (see LOCKING in ardaku(1)).
            """,
        version: ToolVersion.line("dumpfs"))

    @Argument(help: "The image file or block device (opened read-only).")
    var image: String

    @Flag(name: .long, help: "Page 0 and its backup field by field, and how they differ.")
    var system = false

    @Flag(name: .long, help: "The used-page bitfield as runs of used and free pages.")
    var bitmap = false

    @Flag(name: .long, help: "The File Infix Tree, node by node.")
    var trie = false

    @Option(name: .long, help: ArgumentHelp("A file's record, extension pages and data page CRCs, by full name.", valueName: "name"))
    var file: String?

    @Option(name: .long, help: ArgumentHelp("The metadata record in a subpage (and what it lists).", valueName: "subpage"))
    var record: String?

    @Flag(name: .long, help: "Which structure owns each page.")
    var owners = false

    @Option(name: .long, help: ArgumentHelp("A CAS volume field by field: the file NAME in the image, or - when the image is a standalone CAS file.", valueName: "name"))
    var cas: String?

    @Option(name: .long, help: ArgumentHelp("With --cas: one object (an id or a tag) decoded as `ardaku cas info` shows it.", valueName: "id|tag"))
    var object: String?

    @Option(name: .long, help: ArgumentHelp(
        "A ZEST volume field by field: the Ardaku file NAME of type zest, or - when IMAGE is a standalone .zest file.",
        valueName: "name"))
    var zest: String?

    @Option(name: .customLong("zest-file"), help: ArgumentHelp("With --zest: one inner file's entry and its segments in hex.", valueName: "inner"))
    var zestFile: String?

    @Option(name: .long, help: ArgumentHelp("Raw hex of pages N[:COUNT] or N-M (64 KiB each).", valueName: "range"))
    var page: String?

    @Option(name: .long, help: ArgumentHelp("Raw hex of subpages N[:COUNT] or N-M (16 KiB each).", valueName: "range"))
    var subpage: String?

    @Option(name: .long, help: ArgumentHelp("Raw hex of sectors N[:COUNT] or N-M (4 KiB each).", valueName: "range"))
    var sector: String?

    @Option(name: .customLong("bytes"), help: ArgumentHelp("Raw hex of bytes OFFSET[:LENGTH] or FIRST-LAST.", valueName: "range"))
    var bytesRange: String?

    @Flag(name: .long, help: "Mark the field boundaries of known structures in a raw range.")
    var annotate = false

    @Flag(name: .customShort("v"), help: "Show every hex line (no '*' for repeated lines), as hexdump -v.")
    var showAllLines = false

    @Flag(name: .long, help: "JSON instead of text (schema ardaku-dumpfs/1).")
    var json = false

    @Flag(name: [.customShort("q"), .long], help: "Do not print the version banner on standard error.")
    var quiet = false

    @Option(name: .customLong("wait"), help: ArgumentHelp(
        "If a writer holds the image, wait for it instead of failing: --wait as long as it takes, --wait=SECONDS at most that long.",
        valueName: "seconds"))
    var wait: String?

    public init() {}

    /// `main()` after a bare `--wait` gets its value (`VolumeLock.Waiting.normalize`).
    public static func launch(_ arguments: [String]) -> Never {
        CommandLineBytes.refuseInvalidUTF8(tool: "dumpfs", exitStatus: 1)
        ToolVersion.answerVersionRequest(tool: "dumpfs", arguments)
        runAsTool(VolumeLock.Waiting.normalize(arguments))
    }

    /// The raw range asked for, if any.
    private var rawRange: (text: String, unit: RawRange.Unit)? {
        if let page { return (page, .page) }
        if let subpage { return (subpage, .subpage) }
        if let sector { return (sector, .sector) }
        if let bytesRange { return (bytesRange, .byte) }
        return nil
    }

    public func validate() throws {
        let ranges = [page, subpage, sector, bytesRange].compactMap { $0 }.count
        let views = [system, bitmap, trie, owners, file != nil, record != nil, cas != nil, zest != nil].filter { $0 }.count
        guard ranges + views <= 1 else {
            throw ValidationError("choose one view: --system, --bitmap, --trie, --file, --record, --owners, --cas, --zest, or one of --page, --subpage, --sector, --bytes")
        }
        if object != nil && cas == nil { throw ValidationError("--object needs --cas NAME (or --cas - for a standalone CAS file)") }
        if object != nil && json { throw ValidationError("--object prints text; leave out --json") }
        if zestFile != nil && zest == nil { throw ValidationError("--zest-file needs --zest (NAME, or - for a standalone .zest file)") }
        if ranges == 0 && annotate { throw ValidationError("--annotate needs a range: --page, --subpage, --sector or --bytes") }
        if ranges == 0 && zestFile == nil && showAllLines { throw ValidationError("-v applies to raw hex: give --page, --subpage, --sector, --bytes or --zest-file") }
        if let wait, VolumeLock.Waiting(optionValue: wait) == nil {
            throw ValidationError("--wait=\(wait): give a number of seconds (or --wait alone to wait as long as it takes)")
        }
        if let record, Self.number(record) == nil {
            throw ValidationError("--record takes a subpage index (decimal or 0x hex), not '\(record)'")
        }
    }

    static func number(_ text: String) -> UInt32? {
        text.hasPrefix("0x") || text.hasPrefix("0X") ? UInt32(text.dropFirst(2), radix: 16) : UInt32(text)
    }

    public mutating func run() throws {
        SystemCalls.installErrnoDescriptions()
        SystemCalls.reportMappingErrors(tool: "dumpfs", exitStatus: 1)
        if !quiet { Console.err(ToolVersion.line("dumpfs")) }
        VolumeLock.waiting = wait.flatMap { VolumeLock.Waiting(optionValue: $0) } ?? .no
        let mapping: ReadOnlyMapping
        do { mapping = try ReadOnlyMapping(path: image) } catch { fail("\(error)") }
        let bytes = ImageBytes(bytes: mapping.bytes, owner: mapping)
        let output = OutputBuffer(sink: StandardOutput.write)
        do {
            if let cas {
                try casView(cas, bytes: bytes, output: output)
            } else if let (text, unit) = rawRange {
                let range: RawRange
                do { range = try RawRange.parse(text, unit: unit) } catch { fail("\(error)") }
                if !annotate, let resolved = try? range.resolve(imageSize: bytes.count) {
                    mapping.adviseSequential(Int(resolved.offset)..<Int(resolved.offset + resolved.length))
                }
                var options = RawDump.Options()
                options.showAllLines = showAllLines
                options.annotate = annotate
                options.json = json
                try RawDump(image: bytes, name: image).render(range, options: options, to: output)
            } else if let zest {
                try zestDump(bytes, zest).render(file: zestFile, json: json, showAllLines: showAllLines, to: output)
            } else if !system && !bitmap && !trie && !owners && file == nil && record == nil && ZestDump.recognizes(bytes) {
                // A standalone .zest file given with no view: show it as a ZEST volume.
                try ZestDump(standalone: bytes, name: image).render(file: nil, json: json, to: output)
            } else {
                let dump = StructureDump(image: bytes, name: image)
                // No copy of page 0 decodes: another file system is named instead of dumped;
                // damaged Ardaku bytes are still shown (that is what a forensic dump is for),
                // and the exit status says no volume was found.
                let noVolume = dump.scan.system == nil
                if noVolume, let other = (try? DeviceProbe.blkidSignatures(of: image))?.first {
                    fail("not an Ardaku volume (it holds \(other))")
                }
                try dump.render(view, json: json, to: output)
                if noVolume {
                    try output.flush()
                    fail("no Ardaku volume found: neither page 0 nor the backup decodes")
                }
            }
            try output.flush()
        } catch let error as RawRange.Problem {
            fail("\(error)")
        } catch let error as DumpError {
            try? output.flush()
            fail(error.message)
        } catch let error as WriteFailure {
            fail("\(error)")
        }
    }

    /// `--cas NAME [--object ID|TAG]`.
    private func casView(_ name: String, bytes: ImageBytes, output: OutputBuffer) throws {
        let store: ByteStore
        if name == "-" {
            store = ImageByteStore(bytes)
        } else {
            let (content, type) = try StructureDump(image: bytes, name: image).fileContent(named: name)
            guard type == .cas else { throw DumpError("\(name): not a CAS volume (its type is \(type.map(\.description) ?? "unreadable"))") }
            store = content
        }
        let title = name == "-" ? image : "\(name) in \(image)"
        if let object {
            try output.write(try CASView.object(object, in: store))
        } else if json {
            try CASView.json(store, image: image, volume: name, to: output)
        } else {
            try CASView.text(store, title: title, to: output)
        }
    }

    /// The ZEST volume `--zest` names: the image itself for "-", else an Ardaku file in it.
    private func zestDump(_ bytes: ImageBytes, _ name: String) throws -> ZestDump {
        name == "-" ? ZestDump(standalone: bytes, name: image) : try ZestDump(image: bytes, name: image, file: name)
    }

    private var view: DumpView {
        if system { return .system }
        if bitmap { return .bitmap }
        if trie { return .trie }
        if owners { return .owners }
        if let file { return .file(file) }
        if let record, let subpage = Self.number(record) { return .record(subpage) }
        return .summary
    }

    /// One line on standard error naming the image, then exit 1.
    func fail(_ message: String) -> Never {
        Console.err("dumpfs: \(image): \(message)")
        Glibc.exit(1)
    }
}
