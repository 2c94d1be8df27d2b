import ArdakuFormat

/// One entry of a directory being stored.
public struct DirectoryEntry: Equatable, Sendable {
    public var name: String
    public var isDirectory: Bool
    /// The file's size when the source knows it: it plans the batches (and the progress
    /// totals); nil when unknown.
    public var size: UInt64?

    public init(name: String, isDirectory: Bool, size: UInt64? = nil) {
        self.name = name
        self.isDirectory = isDirectory
        self.size = size
    }
}

/// A tree of directories and regular files to store (a host directory, an Ardaku volume,
/// a test fixture). Paths are component lists from the root; `[]` is the root itself.
///
/// `contents(at:)` and `read(at:pieceBytes:_:)` are called from several threads at once
/// (files are read on every core while earlier ones are hashed and compressed).
public protocol DirectorySource {
    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry]
    /// The whole content of the file at `path`.
    func contents(at path: [String]) throws(CASError) -> [UInt8]
    /// The content of the file at `path` in consecutive pieces of at most `pieceBytes`,
    /// for files too large to hold at once. The default reads it whole.
    func read(at path: [String], pieceBytes: Int, _ body: ([UInt8]) throws(CASError) -> Void) throws(CASError)
}

extension DirectorySource {
    public func read(at path: [String], pieceBytes: Int, _ body: ([UInt8]) throws(CASError) -> Void) throws(CASError) {
        try body(contents(at: path))
    }
}

/// Where a stored tree is restored to. The root directory exists already.
public protocol DirectorySink {
    func makeDirectory(at path: [String]) throws(CASError)
    /// Creates the file `path` with the bytes `content` produces: `content` calls its
    /// argument with each piece, in order. When `content` throws, no file may be left.
    func writeFile(at path: [String],
                   content: (_ write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError)
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

/// How far a snapshot is, for a progress display.
public struct SnapshotProgress: Sendable {
    public var files: Int
    public var totalFiles: Int
    public var bytes: UInt64
    /// The sum of the sizes the source announced (0 when it announced none).
    public var totalBytes: UInt64
}

/// What a restore wrote.
public struct RestoreReport: Equatable, Sendable {
    public var files = 0
    public var directories = 0
    public var contentBytes: UInt64 = 0
}

extension CASVolume {
    /// By default, `snapshot` reads, chunks and stores files larger than this in pieces of
    /// this size rather than whole.
    public static let streamingPieceBytes = 16 << 20

    /// Stores the tree `source` describes: each file as a blob or a chunk list, each name
    /// as an item, each directory as a tree of its items sorted by name bytes
    /// (docs/FORMAT.md §C4.3). Returns the root tree's id with what was stored; tag it
    /// and `commit()` to keep it. Unchanged files and chunks are found by id and cost
    /// nothing.
    ///
    /// Files are taken in batches of about `batchBytes`: the files of a batch are read,
    /// chunked and hashed on every core, then what the volume lacks is compressed on every
    /// core (large chunks alone, small objects in packs) and written. Items and trees are
    /// stored last, one batch per directory depth, so that they share packs. Files larger
    /// than `pieceBytes` are read and stored in pieces of that size.
    public func snapshot(_ source: DirectorySource, batchBytes: Int = 64 << 20, pieceBytes: Int = CASVolume.streamingPieceBytes,
                         progress: ((SnapshotProgress) -> Void)? = nil) throws(CASError) -> SnapshotReport {
        try checkUsable()
        let objectsBefore = objectsWritten
        let bytesBefore = objectBytesWritten

        // Directories in pre-order (a parent before its children), files in that order.
        var directories: [ScannedDirectory] = [ScannedDirectory(path: [], depth: 0)]
        var files: [(path: [String], size: UInt64?)] = []
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
                    files.append((path + [entry.name], entry.size))
                }
            }
            next += 1
        }

        // File contents, in batches; large files alone, in pieces.
        var state = SnapshotCounters(totalFiles: files.count, totalBytes: files.reduce(0) { $0 + ($1.size ?? 0) })
        var contentIDs: [ObjectID] = []
        contentIDs.reserveCapacity(files.count)
        var batch: [[String]] = []
        var planned = 0
        func flushBatch() throws(CASError) {
            guard !batch.isEmpty else { return }
            let stored = try storeFiles(batch, from: source)
            contentIDs += stored.ids
            state.add(files: batch.count, bytes: stored.contentBytes, reused: stored.reusedBytes)
            progress?(state.report)
            batch = []
            planned = 0
        }
        for file in files {
            if let size = file.size, size > UInt64(pieceBytes) {
                try flushBatch()
                let stored = try storeLargeFile(file.path, from: source, pieceBytes: pieceBytes)
                contentIDs.append(stored.id)
                state.add(files: 1, bytes: stored.contentBytes, reused: stored.reusedBytes)
                progress?(state.report)
                continue
            }
            batch.append(file.path)
            planned += Int(clamping: file.size ?? 0)
            if planned >= batchBytes || batch.count >= Self.maxBatchFiles { try flushBatch() }
        }
        try flushBatch()

        // Items and trees, deepest directories first, one batch per depth.
        var treeIDs = [ObjectID?](repeating: nil, count: directories.count)
        let byDepth = Dictionary(grouping: directories.indices) { directories[$0].depth }
        for depth in byDepth.keys.sorted(by: >) {
            let level = byDepth[depth]!
            var items: [CASObject] = []
            var ranges: [Range<Int>] = []
            for d in level {
                let start = items.count
                for (name, child) in directories[d].children {
                    switch child {
                    case let .file(f): items.append(try .item(name: name, target: contentIDs[f]))
                    // Subdirectories are one level deeper, so their trees exist already.
                    case let .directory(c): items.append(try .item(name: name, target: treeIDs[c]!))
                    }
                }
                ranges.append(start..<items.count)
            }
            let itemIDs = try put(items)
            var trees: [CASObject] = []
            trees.reserveCapacity(level.count)
            for range in ranges { trees.append(try .tree(Array(itemIDs[range]))) }
            for (d, id) in zip(level, try put(trees)) { treeIDs[d] = id }
        }
        // The root is directory 0.
        return SnapshotReport(root: treeIDs[0]!, files: files.count, directories: directories.count - 1,
                              contentBytes: state.bytes, newObjects: objectsWritten - objectsBefore,
                              storedBytes: objectBytesWritten - bytesBefore, reusedContentBytes: state.reused)
    }

    /// Most files in one batch of `snapshot` (files of unknown size count as empty there).
    static let maxBatchFiles = 16_384

    /// Stores each of `contents` as content (`putContent`), chunking, hashing and
    /// compressing in parallel. Returns the content ids and how many bytes were already
    /// stored (pieces whose id was indexed or repeated in the batch).
    public func putContents(_ contents: [[UInt8]]) throws(CASError) -> (ids: [ObjectID], reusedBytes: UInt64) {
        try checkUsable()
        let cut = Parallel.map(contents.count, enabled: options.parallel) { CutContent(contents[$0]) }
        return try storeCut(cut)
    }

    /// Reads, cuts and hashes the files `paths` on every core, then stores them.
    private func storeFiles(_ paths: [[String]], from source: DirectorySource) throws(CASError) -> (ids: [ObjectID], contentBytes: UInt64, reusedBytes: UInt64) {
        let results = Parallel.map(paths.count, enabled: options.parallel) { i -> Result<CutContent, CASError> in
            do throws(CASError) {
                return .success(CutContent(try source.contents(at: paths[i])))
            } catch {
                return .failure(error)
            }
        }
        var cut: [CutContent] = []
        cut.reserveCapacity(results.count)
        for result in results {
            switch result {
            case let .success(content): cut.append(content)
            case let .failure(error): throw error
            }
        }
        let stored = try storeCut(cut)
        return (stored.ids, cut.reduce(0) { $0 + UInt64($1.bytes.count) }, stored.reusedBytes)
    }

    /// Stores one large file piece by piece.
    private func storeLargeFile(_ path: [String], from source: DirectorySource, pieceBytes: Int) throws(CASError) -> (id: ObjectID, contentBytes: UInt64, reusedBytes: UInt64) {
        let stored = try putContent { (body: ([UInt8]) throws(CASError) -> Void) throws(CASError) in
            try source.read(at: path, pieceBytes: pieceBytes, body)
        }
        guard stored.chunkCount <= CASLimits.maxTreeEntries else {
            throw CASError(.limitExceeded("\(path.joined(separator: "/")): more than \(CASLimits.maxTreeEntries) chunks"))
        }
        return (stored.id, stored.contentBytes, stored.reusedBytes)
    }

    /// Stores content that `read` delivers in pieces (calling its argument with each, in
    /// order), never holding more than a piece and one chunk of it: `ChunkStream` cuts it
    /// as if it were whole, the chunks of each piece are hashed and compressed on every
    /// core and written, and the chunk list comes last. Returns the content's id (as
    /// `putContent(_:)` would), its length, how many of its bytes were stored already and
    /// its number of chunks.
    public func putContent(reading read: (_ body: ([UInt8]) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError)
        -> (id: ObjectID, contentBytes: UInt64, reusedBytes: UInt64, chunkCount: Int) {
        try checkUsable()
        var stream = ChunkStream()
        var chunks: [ChunkReference] = []
        var total: UInt64 = 0
        var reused: UInt64 = 0
        func store(_ part: (bytes: [UInt8], cuts: [Int])) throws(CASError) {
            guard !part.cuts.isEmpty else { return }
            let content = CutContent(part.bytes, cuts: part.cuts, parallel: options.parallel)
            reused += try storePieces([content])
            var start = 0
            for piece in content.pieces {
                chunks.append(ChunkReference(id: piece.id, length: piece.end - start))
                start = piece.end
            }
            guard chunks.count <= CASLimits.maxTreeEntries else {
                throw CASError(.limitExceeded("content of more than \(CASLimits.maxTreeEntries) chunks"))
            }
        }
        try read { (piece: [UInt8]) throws(CASError) in
            total += UInt64(piece.count)
            try store(stream.append(piece))
        }
        try store(stream.finish())
        switch chunks.count {
        case 0: return (try putBlob([]), total, reused, 1)
        case 1: return (chunks[0].id, total, reused, 1)
        default: return (try put(.chunkList(chunks)), total, reused, chunks.count)
        }
    }

    /// Stores the pieces of `contents` the volume lacks, then a chunk list for every
    /// content of more than one piece. Returns each content's id (its blob's or its chunk
    /// list's) and the bytes already stored.
    private func storeCut(_ contents: [CutContent]) throws(CASError) -> (ids: [ObjectID], reusedBytes: UInt64) {
        let reused = try storePieces(contents)
        var lists: [CASObject] = []
        var listOf: [Int: Int] = [:]
        for (c, content) in contents.enumerated() where content.pieces.count > 1 {
            var start = 0
            let chunks = content.pieces.map { piece in
                defer { start = piece.end }
                return ChunkReference(id: piece.id, length: piece.end - start)
            }
            listOf[c] = lists.count
            lists.append(try .chunkList(chunks))
        }
        let listIDs = try put(lists)
        var ids: [ObjectID] = []
        ids.reserveCapacity(contents.count)
        for (c, content) in contents.enumerated() {
            // Content of one piece (empty content too) is that piece's blob.
            ids.append(listOf[c].map { listIDs[$0] } ?? content.pieces[0].id)
        }
        return (ids, reused)
    }

    /// Writes every piece of `contents` whose id is neither indexed nor earlier in the
    /// list: pieces of `packThreshold` bytes or more in object records, smaller ones in
    /// packs, all compressed in one parallel pass. Returns the bytes of the other pieces.
    private func storePieces(_ contents: [CutContent]) throws(CASError) -> UInt64 {
        try checkUsable()
        var large: [(content: Int, range: Range<Int>, id: ObjectID)] = []
        var small: [(content: Int, range: Range<Int>, id: ObjectID)] = []
        var queued = Set<ObjectID>()
        var reused: UInt64 = 0
        for (c, content) in contents.enumerated() {
            var start = 0
            for piece in content.pieces {
                if index[piece.id] == nil && queued.insert(piece.id).inserted {
                    if piece.end - start >= CASLimits.packThreshold {
                        large.append((c, start..<piece.end, piece.id))
                    } else {
                        small.append((c, start..<piece.end, piece.id))
                    }
                } else {
                    reused += UInt64(piece.end - start)
                }
                start = piece.end
            }
        }
        let groups = PreparedPack.groups(sizes: small.map(\.range.count))
        let blob = ObjectType.blob.byte
        let level = options.compressionLevel
        let largeLevel = options.largeObjectLevel
        // One parallel pass: the large pieces, then the packs.
        let prepared = Parallel.map(large.count + groups.count, enabled: options.parallel) { job -> Prepared in
            if job < large.count {
                let piece = large[job]
                return .object(contents[piece.content].bytes.withUnsafeBytes { raw in
                    PreparedObject(type: .blob, payload: UnsafeRawBufferPointer(rebasing: raw[piece.range]), level: largeLevel, id: piece.id)
                })
            }
            let group = groups[job - large.count]
            return .pack(PreparedPack(members: group.map { (small[$0].id, blob) }, level: level) { w in
                for k in group {
                    contents[small[k].content].bytes.withUnsafeBytes { raw in
                        PackRecord.appendMember(&w, typeByte: blob, payload: UnsafeRawBufferPointer(rebasing: raw[small[k].range]))
                    }
                }
            })
        }
        for record in prepared {
            switch record {
            case let .object(object): try write(object)
            case let .pack(pack): try write(pack)
            }
        }
        return reused
    }
}

/// One content with its pieces (the chunker's cuts) and their blob ids.
struct CutContent {
    var bytes: [UInt8]
    var pieces: [(end: Int, id: ObjectID)]

    /// Cuts `bytes` (content of at most `minChunkBytes`, empty content too, is one piece)
    /// and hashes the pieces.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        pieces = bytes.withUnsafeBytes { raw in
            let cuts = raw.count > CASLimits.minChunkBytes ? Chunker.cutPoints(raw) : [raw.count]
            var start = 0
            return cuts.map { end in
                defer { start = end }
                return (end, ObjectID.hashing(typeByte: ObjectType.blob.byte, payload: UnsafeRawBufferPointer(rebasing: raw[start..<end])))
            }
        }
    }

    /// `bytes` cut at `cuts` (ends, ascending), the pieces hashed on every core.
    init(_ bytes: [UInt8], cuts: [Int], parallel: Bool) {
        self.bytes = bytes
        let ids = bytes.withUnsafeBytes { raw in
            Parallel.map(cuts.count, enabled: parallel) { k in
                ObjectID.hashing(typeByte: ObjectType.blob.byte,
                                 payload: UnsafeRawBufferPointer(rebasing: raw[(k == 0 ? 0 : cuts[k - 1])..<cuts[k]]))
            }
        }
        pieces = Array(zip(cuts, ids))
    }
}

/// A record ready to be written.
enum Prepared {
    case object(PreparedObject)
    case pack(PreparedPack)
}

/// Counters behind `SnapshotProgress`.
private struct SnapshotCounters {
    var files = 0
    var totalFiles: Int
    var bytes: UInt64 = 0
    var totalBytes: UInt64
    var reused: UInt64 = 0

    init(totalFiles: Int, totalBytes: UInt64) {
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
    }

    mutating func add(files: Int, bytes: UInt64, reused: UInt64) {
        self.files += files
        self.bytes += bytes
        self.reused += reused
    }

    var report: SnapshotProgress { SnapshotProgress(files: files, totalFiles: totalFiles, bytes: bytes, totalBytes: totalBytes) }
}

struct ScannedDirectory {
    enum Child { case file(Int), directory(Int) }
    var path: [String]
    var depth: Int
    var children: [(name: String, child: Child)] = []
}
