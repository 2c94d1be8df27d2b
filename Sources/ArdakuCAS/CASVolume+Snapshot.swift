import ArdakuFormat

/// One entry of a directory being stored.
public struct DirectoryEntry: Equatable, Sendable {
    public var name: String
    public var isDirectory: Bool
    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// A tree of directories and regular files to store (a host directory, an Ardaku volume,
/// a test fixture). Paths are component lists from the root; `[]` is the root itself.
public protocol DirectorySource {
    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry]
    func contents(at path: [String]) throws(CASError) -> [UInt8]
}

/// Where a stored tree is restored to. The root directory exists already.
public protocol DirectorySink {
    func makeDirectory(at path: [String]) throws(CASError)
    func writeFile(at path: [String], contents: [UInt8]) throws(CASError)
}

/// What a snapshot stored.
public struct SnapshotReport: Equatable, Sendable {
    /// The tree of the root directory.
    public var root: ObjectID
    public var files: Int
    public var directories: Int
    /// Bytes of file content read.
    public var contentBytes: UInt64
    /// Objects written (the rest were in the volume already).
    public var newObjects: Int
    /// Record bytes written for those objects: what the snapshot cost in the store.
    public var storedBytes: UInt64
    /// File content bytes whose blobs or chunks were already stored, so not stored again.
    public var reusedContentBytes: UInt64
}

/// What a restore wrote.
public struct RestoreReport: Equatable, Sendable {
    public var files = 0
    public var directories = 0
    public var contentBytes: UInt64 = 0
}

extension CASVolume {
    /// Stores the tree `source` describes: each file as a blob or a chunk list, each name
    /// as an item, each directory as a tree of its items sorted by name bytes
    /// (docs/cas-format.md §2.5). Returns the root tree's id with what was stored; tag it
    /// and `commit()` to keep it. Unchanged files and chunks are found by id and cost
    /// nothing; chunking, hashing and compression run on every core.
    public func snapshot(_ source: DirectorySource, batchBytes: Int = 64 << 20) throws(CASError) -> SnapshotReport {
        try checkUsable()
        let objectsBefore = objectsWritten
        let bytesBefore = objectBytesWritten

        // Directories in pre-order (a parent before its children), files in that order.
        var directories: [ScannedDirectory] = [ScannedDirectory(path: [], depth: 0)]
        var files: [[String]] = []
        var next = 0
        while next < directories.count {
            let path = directories[next].path
            let entries = try source.entries(at: path).sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
            for (n, entry) in entries.enumerated() {
                if let problem = ItemName.problem(Array(entry.name.utf8)) {
                    throw CASError(.invalidArgument("\((path + [entry.name]).joined(separator: "/")): name \(problem)"))
                }
                if n > 0, entries[n - 1].name == entry.name {
                    throw CASError(.invalidArgument("\(path.joined(separator: "/")): \(entry.name) is listed twice"))
                }
                if entry.isDirectory {
                    guard directories[next].depth < CASLimits.maxTreeDepth else {
                        throw CASError(.limitExceeded("directories nested deeper than \(CASLimits.maxTreeDepth)"))
                    }
                    directories[next].children.append((entry.name, .directory(directories.count)))
                    directories.append(ScannedDirectory(path: path + [entry.name], depth: directories[next].depth + 1))
                } else {
                    directories[next].children.append((entry.name, .file(files.count)))
                    files.append(path + [entry.name])
                }
            }
            next += 1
        }

        // File contents, in batches of about `batchBytes`.
        var contentIDs: [ObjectID] = []
        contentIDs.reserveCapacity(files.count)
        var contentBytes: UInt64 = 0
        var reused: UInt64 = 0
        var batch: [[UInt8]] = []
        var batchSize = 0
        for path in files {
            let bytes = try source.contents(at: path)
            contentBytes += UInt64(bytes.count)
            batch.append(bytes)
            batchSize += bytes.count
            if batchSize >= batchBytes {
                let stored = try putContents(batch)
                contentIDs += stored.ids
                reused += stored.reusedBytes
                batch = []
                batchSize = 0
            }
        }
        let stored = try putContents(batch)
        contentIDs += stored.ids
        reused += stored.reusedBytes

        // Items and trees, children before parents.
        var treeIDs = [ObjectID?](repeating: nil, count: directories.count)
        for d in directories.indices.reversed() {
            var items: [CASObject] = []
            items.reserveCapacity(directories[d].children.count)
            for (name, child) in directories[d].children {
                switch child {
                case let .file(f): items.append(try .item(name: name, target: contentIDs[f]))
                // Children come later in pre-order, so their trees exist already.
                case let .directory(c): items.append(try .item(name: name, target: treeIDs[c]!))
                }
            }
            let itemIDs = try put(items)
            treeIDs[d] = try put(.tree(itemIDs))
        }
        // The root is directory 0, stored last.
        return SnapshotReport(root: treeIDs[0]!, files: files.count, directories: directories.count - 1,
                              contentBytes: contentBytes, newObjects: objectsWritten - objectsBefore,
                              storedBytes: objectBytesWritten - bytesBefore, reusedContentBytes: reused)
    }

    /// Stores each of `contents` as content (`putContent`), chunking, hashing and
    /// compressing in parallel. Returns the content ids and how many bytes were already
    /// stored (pieces whose id was indexed or repeated in the batch).
    public func putContents(_ contents: [[UInt8]]) throws(CASError) -> (ids: [ObjectID], reusedBytes: UInt64) {
        try checkUsable()
        let parallel = options.parallel
        // Pieces of every content: end offsets and ids.
        let pieces: [[(end: Int, id: ObjectID)]] = Parallel.map(contents.count, enabled: parallel) { i in
            contents[i].withUnsafeBytes { raw in
                let cuts = raw.count > CASLimits.minChunkBytes ? Chunker.cutPoints(raw) : [raw.count]
                var start = 0
                return cuts.map { end in
                    defer { start = end }
                    return (end, ObjectID.hashing(typeByte: ObjectType.blob.byte, payload: UnsafeRawBufferPointer(rebasing: raw[start..<end])))
                }
            }
        }
        var missing: [(content: Int, start: Int, end: Int, id: ObjectID)] = []
        var queued = Set<ObjectID>()
        var reused: UInt64 = 0
        for (c, list) in pieces.enumerated() {
            var start = 0
            for piece in list {
                if index[piece.id] == nil && queued.insert(piece.id).inserted {
                    missing.append((c, start, piece.end, piece.id))
                } else {
                    reused += UInt64(piece.end - start)
                }
                start = piece.end
            }
        }
        let level = options.compressionLevel
        let largeLevel = options.largeObjectLevel
        let large = missing.filter { $0.end - $0.start >= CASLimits.packThreshold }
        let small = missing.filter { $0.end - $0.start < CASLimits.packThreshold }
        let prepared = Parallel.map(large.count, enabled: parallel) { k in
            let piece = large[k]
            return contents[piece.content].withUnsafeBytes { raw in
                PreparedObject(type: .blob, payload: UnsafeRawBufferPointer(rebasing: raw[piece.start..<piece.end]), level: largeLevel, id: piece.id)
            }
        }
        for object in prepared { try write(object) }
        let packs = PreparedPack.make(count: small.count, level: level, parallel: parallel,
                                      size: { small[$0].end - small[$0].start },
                                      member: { (small[$0].id, ObjectType.blob.byte) },
                                      append: { k, w in
                                          let piece = small[k]
                                          contents[piece.content].withUnsafeBytes { raw in
                                              PackRecord.appendMember(&w, typeByte: ObjectType.blob.byte,
                                                                      payload: UnsafeRawBufferPointer(rebasing: raw[piece.start..<piece.end]))
                                          }
                                      })
        for pack in packs { try write(pack) }

        var lists: [CASObject] = []
        var listOf: [Int: Int] = [:]
        for (c, list) in pieces.enumerated() where list.count > 1 {
            var start = 0
            let chunks = list.map { piece in
                defer { start = piece.end }
                return ChunkReference(id: piece.id, length: piece.end - start)
            }
            listOf[c] = lists.count
            lists.append(try .chunkList(chunks))
        }
        let listIDs = try put(lists)
        let ids = pieces.enumerated().map { c, list in listOf[c].map { listIDs[$0] } ?? list[0].id }
        return (ids, reused)
    }

    /// Writes the tree `id` (as `snapshot` stores it) into `sink`, every object verified.
    @discardableResult
    public func restore(_ id: ObjectID, to sink: DirectorySink) throws(CASError) -> RestoreReport {
        var report = RestoreReport()
        try restoreTree(id, path: [], depth: 0, to: sink, report: &report)
        return report
    }

    private func restoreTree(_ id: ObjectID, path: [String], depth: Int, to sink: DirectorySink, report: inout RestoreReport) throws(CASError) {
        guard depth <= CASLimits.maxTreeDepth else { throw CASError(.limitExceeded("trees nested deeper than \(CASLimits.maxTreeDepth)")) }
        let tree = try object(id)
        var names = Set<String>()
        for itemID in try tree.treeEntries() {
            let item = try object(itemID)
            let (name, target) = try item.itemFields()
            guard names.insert(name).inserted else { throw CASError(.malformedObject(id, "the tree names \(name) twice")) }
            guard let type = type(of: target) else { throw CASError(.noSuchObject(target)) }
            if type.kind == .tree && !type.isCore {
                try sink.makeDirectory(at: path + [name])
                report.directories += 1
                try restoreTree(target, path: path + [name], depth: depth + 1, to: sink, report: &report)
            } else {
                let bytes = try content(target)
                try sink.writeFile(at: path + [name], contents: bytes)
                report.files += 1
                report.contentBytes += UInt64(bytes.count)
            }
        }
    }
}

struct ScannedDirectory {
    enum Child { case file(Int), directory(Int) }
    var path: [String]
    var depth: Int
    var children: [(name: String, child: Child)] = []
}
