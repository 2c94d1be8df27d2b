import ArdakuCAS
import ArdakuFormat
import ArdakuVolume
import ArdakuZest

/// How a file of the reference tree came back (sweep.py's statuses).
enum FileOutcome: String {
    case identical, differs, missing, refused
    /// CAS: the tag the file is under is gone.
    case tagMissing = "tag missing"
}

/// Every file of a flipped volume read back through the library calls of `ardaku get -r`,
/// `ardaku zest get -r`, `ardaku cas get -r`, and what did not come back identical fetched
/// again on its own (`ardaku get`, `ardaku zest get`), as sweep.py does.
struct ReadBack {
    /// By name ("tag:name" for CAS).
    var outcomes: [String: FileOutcome] = [:]
    /// Names read back that the reference tree does not have.
    var extras: [String] = []
    /// The errors of the reads, as the tools print them.
    var log: [String] = []

    /// sweep.py's NOT_FOUND: a refusal that says the file (or tag) is not there.
    static func saysNotFound(_ message: String) -> Bool {
        let text = message.lowercased()
        return ["not found", "no such", "does not exist", "not in the", "unknown tag", "no tag", "no file"].contains { text.contains($0) }
    }

    // MARK: Ardaku

    static func ardaku(_ store: PageStore, expected: [String: ExpectedFile]) -> ReadBack {
        var result = ReadBack()
        // ardaku get -r IMAGE / OUT: every file in name order; the first failure ends it.
        do {
            let volume = try Volume(store: store)
            let files = try volume.list(prefix: [UInt8(ascii: "/")])
            if files.isEmpty { throw SweepError("/: no such directory") }
            var written = ExtractedPaths()
            for file in files {
                let name = try FileName(file.name)
                try written.claim(file: name.string)
                var check = expected[name.string].map(ContentCheck.init)
                try volume.read(name) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in check?.feed(bytes) }
                if let check {
                    if check.matches { result.outcomes[name.string] = .identical }
                } else {
                    result.extras.append(name.string)
                }
            }
        } catch {
            result.log.append("get -r: \(error)")
        }
        // ardaku get IMAGE NAME OUT for each file not back identical.
        for (name, file) in expected where result.outcomes[name] != .identical {
            do {
                let volume = try Volume(store: store)
                let fileName = try FileName(name)
                guard try volume.exists(fileName) else {
                    throw SweepError(try volume.isDirectory(fileName.bytes) ? "\(name): is a directory (use -r)" : "\(name): no such file")
                }
                var check = ContentCheck(file)
                try volume.read(fileName) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in check.feed(bytes) }
                result.outcomes[name] = check.matches ? .identical : .differs
            } catch {
                result.refused(name, "get \(name): \(error)")
            }
        }
        return result
    }

    private mutating func refused(_ name: String, _ message: String) {
        outcomes[name] = Self.saysNotFound(message) ? .missing : .refused
        log.append(message)
    }

    // MARK: ZEST

    /// A ZEST header at byte 0 or at its backup's place (`ZestSession.isZestFile`).
    static func isZestFile(_ bytes: [UInt8]) -> Bool {
        let magic: [UInt8] = [0x5A, 0x45, 0x53, 0x54]
        for offset in [0, ZestLimits.backupHeaderOffset] where offset + 4 <= bytes.count {
            if bytes[offset..<(offset + 4)].elementsEqual(magic) { return true }
        }
        return false
    }

    private static func openZest(_ bytes: [UInt8], only names: [FileName]?, display: String) throws -> ZestVolume {
        guard isZestFile(bytes) else {
            throw SweepError("\(display): not an Ardaku volume (and not a ZEST volume either: no ZEST header at byte 0 or 2048)")
        }
        let store = MemoryByteStore(bytes)
        store.isReadOnly = true
        do { return try names.map { names throws(ZestError) in try ZestVolume.open(store, only: names) } ?? ZestVolume.open(store) } catch {
            throw SweepError("\(display): \(error) (run fsck.zest on it)")
        }
    }

    static func zest(_ bytes: [UInt8], expected: [String: ExpectedFile], display: String) -> ReadBack {
        var result = ReadBack()
        // ardaku zest get -r -o OUT FILE.zest /: a file that cannot be read is reported, the rest written.
        do {
            let volume = try openZest(bytes, only: nil, display: display)
            var written = ExtractedPaths()
            try volume.read(prefix: "/", order: .name, threads: 1) { name, content in
                let validated = try FileName(name.string)
                switch content {
                case let .success(data):
                    try written.claim(file: validated.string)
                    if let file = expected[validated.string] {
                        var check = ContentCheck(file)
                        data.withUnsafeBytes { check.feed($0) }
                        if check.matches { result.outcomes[validated.string] = .identical }
                    } else {
                        result.extras.append(validated.string)
                    }
                case let .failure(error):
                    result.log.append("zest get -r: \(display): \(describe(error))")
                }
            }
        } catch {
            result.log.append("zest get -r: \(error)")
        }
        // ardaku zest get FILE.zest NAME > OUT for each file not back identical.
        for (name, file) in expected where result.outcomes[name] != .identical {
            do {
                let fileName = try FileName(name)
                let volume = try openZest(bytes, only: [fileName], display: display)
                var check = ContentCheck(file)
                var failure: String?
                try volume.read([fileName], threads: 1) { _, content in
                    switch content {
                    case let .success(data): data.withUnsafeBytes { check.feed($0) }
                    case let .failure(error): failure = "\(display): \(describe(error))"
                    }
                }
                if let failure { throw SweepError("\(failure)\n1 file could not be read") }
                result.outcomes[name] = check.matches ? .identical : .differs
            } catch {
                result.refused(name, "zest get \(name): \(error)")
            }
        }
        return result
    }

    /// `ZestCLI.describe`: a file the table does not have is "no such file".
    private static func describe(_ error: ZestError) -> String {
        if case let .fileNotFound(name) = error.kind { return "\(VolumeError.printable(name)): no such file" }
        return error.description
    }

    // MARK: CAS

    /// A CAS header magic in either slot (`CASSession.isCASFile`).
    static func isCASFile(_ bytes: [UInt8]) -> Bool {
        let magic: [UInt8] = [0x41, 0x43, 0x41, 0x53]
        for slot in VolumeHeader.slotOffsets.map({ Int($0) }) where slot + 4 <= bytes.count {
            if bytes[slot..<(slot + 4)].elementsEqual(magic) { return true }
        }
        return false
    }

    /// ardaku cas get -r FILE.cas TAG OUT for each tag; `expected` by tag.
    static func cas(_ bytes: [UInt8], expected: [String: [String: ExpectedFile]], display: String) -> ReadBack {
        var result = ReadBack()
        for (tag, tree) in expected.sorted(by: { $0.key < $1.key }) {
            let sink = ComparingSink(expected: tree)
            var failure: String?
            do {
                try restore(bytes, tag: tag, display: display, into: sink)
            } catch {
                failure = "\(error)"
                result.log.append("cas get -r \(tag): \(error)")
            }
            for name in tree.keys {
                let key = "\(tag):\(name)"
                if let identical = sink.written[name] {
                    result.outcomes[key] = identical ? .identical : .differs
                } else if let failure {
                    // A file get -r did not write, when it failed, was refused (or its tag is gone).
                    result.outcomes[key] = saysNotFound(failure) ? .tagMissing : .refused
                } else {
                    result.outcomes[key] = .missing
                }
            }
            result.extras += sink.extras.map { "\(tag):\($0)" }
        }
        return result
    }

    /// `CASCommand.Get` with -r, its messages included.
    private static func restore(_ bytes: [UInt8], tag: String, display: String, into sink: ComparingSink) throws {
        guard isCASFile(bytes) else {
            throw SweepError("\(display): not an Ardaku volume (and not a CAS volume either: no CAS header at byte 0 or 4096)")
        }
        let store = MemoryByteStore(bytes)
        store.isReadOnly = true
        let volume: CASVolume
        do { volume = try CASVolume.open(store, options: CASOptions()) } catch { throw SweepError("\(display): \(error) (check it with fsck.zest)") }
        var id: ObjectID
        do { id = try volume.resolve(tag) } catch { throw SweepError("\(display): no tag or object '\(tag)'") }
        if volume.type(of: id)?.kind == .item {
            do { id = try volume.object(id).itemFields().target } catch { throw SweepError("\(display): \(error)") }
        }
        guard let type = volume.type(of: id) else { throw SweepError("\(display): no object \(id)") }
        guard type.kind == .tree && !type.isCore else { throw SweepError("\(tag) is not a tree") }
        do { _ = try volume.restore(id, to: sink) } catch { throw SweepError(sink.failure ?? "\(display): \(error)") }
    }
}

/// The paths an extraction has written, to refuse what the tools' host output refuses
/// (`SafeOutput`, `CASHostSink`): a file where a directory must go, and a second file
/// (or a directory) where a file is.
struct ExtractedPaths {
    private var files = Set<String>()
    private var directories = Set<String>()

    mutating func claim(directory components: [String]) throws {
        var path = ""
        for component in components {
            path += "/" + component
            if files.contains(path) { throw SweepError("\(path): not a directory (a file is in the way)") }
            directories.insert(path)
        }
    }

    mutating func claim(file name: String) throws {
        let components = name.split(separator: "/").map(String.init)
        try claim(directory: Array(components.dropLast()))
        guard !files.contains(name) && !directories.contains(name) else { throw SweepError("\(name): exists (use -f to replace it)") }
        files.insert(name)
    }
}

/// A `DirectorySink` that compares what a CAS restore writes with the reference tree.
final class ComparingSink: DirectorySink {
    let expected: [String: ExpectedFile]
    /// Files written whole: whether each came back identical.
    private(set) var written: [String: Bool] = [:]
    private(set) var extras: [String] = []
    /// The host-side refusal behind a failed restore, as CASHostSink reports it.
    private(set) var failure: String?
    private var paths = ExtractedPaths()

    init(expected: [String: ExpectedFile]) { self.expected = expected }

    func makeDirectory(at path: [String]) throws(CASError) {
        do { try paths.claim(directory: path) } catch { throw fail(error) }
    }

    func writeFile(at path: [String],
                   content: (_ write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError) {
        let name = "/" + path.joined(separator: "/")
        do { try paths.claim(file: name) } catch { throw fail(error) }
        var check = expected[name].map(ContentCheck.init)
        try content { (bytes: UnsafeRawBufferPointer) throws(CASError) in check?.feed(bytes) }
        if let check { written[name] = check.matches } else { extras.append(name) }
    }

    private func fail(_ error: Error) -> CASError {
        failure = "\(error)"
        return CASError(.host(path: "OUT", detail: "\(error)"))
    }
}
