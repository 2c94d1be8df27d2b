import ArdakuFormat
import ArdakuCodec

/// The order in which `ZestVolume.read(prefix:order:threads:_:)` hands files over.
public enum ZestReadOrder: Sendable {
    /// Ascending byte order of names.
    case name
    /// The order of the files' segments in the store: one pass over the store, the fastest.
    case storage
}

extension ZestVolume {
    // MARK: Reading many files

    /// Reads the files `names`, in large store reads and on up to `threads` threads, and
    /// calls `body` with each one's content in the order of `names`.
    ///
    /// A missing or damaged file does not stop the others: its result is the error `read`
    /// would throw for it. Store errors and errors `body` throws end the call.
    public func read(_ names: [FileName], threads: Int = ZestParallel.defaultThreads,
                     _ body: (_ position: Int, _ content: Result<[UInt8], ZestError>) throws -> Void) throws {
        try readContents(names, threads: threads) { position, content in try body(position, Self.whole(content)) }
    }

    /// `read(_:threads:_:)`, with each file's content as a `ZestFileContent`: a file over
    /// `ZestContentDecoder.wholeContentBytes` is decoded only when it is written, in pieces,
    /// so that memory stays bounded however long the files are.
    public func readContents(_ names: [FileName], threads: Int = ZestParallel.defaultThreads,
                             _ body: (_ position: Int, _ content: Result<ZestFileContent, ZestError>) throws -> Void) throws {
        let items = names.map { name -> (String, Record?) in
            (name.string, nameIndex[NameKey(name.bytes)].flatMap { records[$0] })
        }
        try readRecords(items, threads: threads) { position, result in try body(position, result) }
    }

    /// The whole content, for the readers that take it whole.
    private static func whole(_ content: Result<ZestFileContent, ZestError>) -> Result<[UInt8], ZestError> {
        switch content {
        case let .success(content):
            do throws(ZestError) { return .success(try content.bytes()) } catch { return .failure(error) }
        case let .failure(error):
            return .failure(error)
        }
    }

    /// Reads every file whose name starts with `prefix` (a prefix ending in "/" is a
    /// directory and everything below it), in `order`, on up to `threads` threads.
    ///
    /// A damaged file does not stop the others: its result is the error `read` would throw.
    public func read(prefix: String = "/", order: ZestReadOrder = .storage, threads: Int = ZestParallel.defaultThreads,
                     _ body: (_ name: FileName, _ content: Result<[UInt8], ZestError>) throws -> Void) throws {
        try readContents(prefix: prefix, order: order, threads: threads) { name, content in try body(name, Self.whole(content)) }
    }

    /// `read(prefix:order:threads:_:)`, with each file's content as a `ZestFileContent`
    /// (large files decoded in pieces as they are written).
    public func readContents(prefix: String = "/", order: ZestReadOrder = .storage, threads: Int = ZestParallel.defaultThreads,
                             _ body: (_ name: FileName, _ content: Result<ZestFileContent, ZestError>) throws -> Void) throws {
        let prefixBytes = Array(prefix.utf8)
        var matches: [(name: FileName, record: Record)] = []
        for (key, id) in nameIndex where key.bytes.starts(with: prefixBytes) {
            guard let record = records[id], let name = try? FileName(bytes: key.bytes) else { continue }
            matches.append((name, record))
        }
        switch order {
        case .name: matches.sort { $0.name < $1.name }
        case .storage: matches.sort { ($0.record.run.start, $0.name) < ($1.record.run.start, $1.name) }
        }
        let items = matches.map { ($0.name.string, Optional($0.record)) }
        try readRecords(items, threads: threads) { position, result in try body(matches[position].name, result) }
    }

    /// Calls `body` with every file whose name starts with `prefix`, in the order of their
    /// segments, reading the store in large runs: the fast way to read many files.
    ///
    /// - Throws: the first damaged file's error, as `read` would, or what `body` throws.
    public func forEachFile(prefix: String = "/", threads: Int = ZestParallel.defaultThreads,
                            _ body: (FileName, [UInt8]) throws -> Void) throws {
        try read(prefix: prefix, order: .storage, threads: threads) { name, content in try body(name, try content.get()) }
    }

    /// Bytes of stored content one round reads and decodes before handing files over.
    static let batchReadBytes = 16 << 20
    /// A gap between two runs up to this many bytes is read rather than skipped: copying a
    /// few KiB costs less than another read call.
    static let readGapBytes: UInt64 = 4 << 10
    /// Largest single store read.
    static let readWindowBytes: UInt64 = 8 << 20
    /// Largest single store read when the workers read for themselves: small enough that a
    /// volume read whole still gives every worker windows to read and decode.
    static let concurrentReadWindowBytes: UInt64 = 256 << 10

    /// Reads `items` (display name, record or nil when missing) round by round: each round
    /// reads its runs in storage order, merged into large reads, decodes them in parallel
    /// and hands them to `deliver` in the order of `items`.
    func readRecords(_ items: [(name: String, record: Record?)], threads: Int,
                     _ deliver: (Int, Result<ZestFileContent, ZestError>) throws -> Void) throws {
        let workers = max(1, threads)
        let decoders = UnsafeMutableBufferPointer<ZestContentDecoder>.allocate(capacity: workers)
        decoders.initialize(repeating: ZestContentDecoder())
        defer {
            decoders.deinitialize()
            decoders.deallocate()
        }
        var roundStart = 0
        while roundStart < items.count {
            var roundEnd = roundStart
            var bytes = 0
            // A round holds the stored bytes and the contents of its files at once: both
            // count (a few KiB of DEFLATE can be megabytes of content). Streamed files count
            // nothing: they are decoded as they are delivered.
            while roundEnd < items.count && (roundEnd == roundStart || bytes < Self.batchReadBytes) {
                if let entry = items[roundEnd].record?.entry, !Self.isStreamed(entry) {
                    bytes += Int(entry.storedLength) + Int(entry.originalLength)
                }
                roundEnd += 1
            }
            try readRound(items[roundStart..<roundEnd], workers: workers, decoders: decoders, deliver)
            roundStart = roundEnd
        }
    }

    /// True when `entry`'s content is decoded in pieces as it is delivered, never whole.
    static func isStreamed(_ entry: ZestEntry) -> Bool {
        Int(entry.storedLength) + Int(entry.originalLength) > ZestContentDecoder.wholeContentBytes
    }

    private func readRound(_ items: ArraySlice<(name: String, record: Record?)>, workers: Int,
                           decoders: UnsafeMutableBufferPointer<ZestContentDecoder>,
                           _ deliver: (Int, Result<ZestFileContent, ZestError>) throws -> Void) throws {
        struct Job {
            var position: Int
            var entry: ZestEntry
            var offset: UInt64 = 0
            /// The window that holds its stored bytes.
            var window = 0
            var dictionary: [UInt8]?
            var failure: ZestError?
            /// Decoded in pieces when delivered (`isStreamed`), not in this round.
            var streamed = false
        }
        /// One store read: jobs `jobs` lie in `offset..<(offset + count)`.
        struct Window {
            var offset: UInt64
            var count: Int
            var jobs: ClosedRange<Int>
        }
        // In storage order. Sorting the small keys, not the jobs: a job holds the entry's name
        // and moving it costs reference counting, which made the sort most of a round's setup.
        var order: [(offset: UInt64, position: Int)] = []
        order.reserveCapacity(items.count)
        for position in items.indices {
            guard let record = items[position].record else { continue }
            order.append((byteOffset(ofSegment: record.entry.segmentStart), position))
        }
        order.sort { ($0.offset, $0.position) < ($1.offset, $1.position) }
        var jobs: [Job] = []
        jobs.reserveCapacity(order.count)
        for (offset, position) in order {
            jobs.append(Job(position: position, entry: items[position].record!.entry, offset: offset))
        }
        // Dictionaries, read and verified once, before the workers start.
        var dictionaries: [UInt16: Result<[UInt8], ZestError>] = [:]
        for index in jobs.indices {
            let entry = jobs[index].entry
            guard entry.kind == .file, entry.codec == .deflate, entry.dictionaryID != 0 else { continue }
            if dictionaries[entry.dictionaryID] == nil {
                do throws(ZestError) {
                    dictionaries[entry.dictionaryID] = .success(try dictionaryBytes(entry.dictionaryID, for: items[jobs[index].position].name))
                } catch {
                    dictionaries[entry.dictionaryID] = .failure(error)
                }
            }
            switch dictionaries[entry.dictionaryID]! {
            case let .success(bytes): jobs[index].dictionary = bytes
            case .failure:
                jobs[index].failure = ZestError(.missingDictionary(name: items[jobs[index].position].name, id: entry.dictionaryID),
                                                offset: jobs[index].offset)
            }
        }
        for index in jobs.indices where jobs[index].failure == nil {
            if let problem = ZestContentDecoder.lengthProblem(jobs[index].entry) {
                jobs[index].failure = Self.error(problem, entry: jobs[index].entry, segmentSize: header.segmentSize)
            } else {
                jobs[index].streamed = Self.isStreamed(jobs[index].entry)
            }
        }
        // Runs merged into windows: one store read each. When the workers read for
        // themselves, windows stay small so that every worker has some.
        try writePending()
        let concurrentReads = workers > 1 && store.allowsConcurrentReads
        let windowLimit = concurrentReads ? Self.concurrentReadWindowBytes : Self.readWindowBytes
        func hasContent(_ job: Job) -> Bool { job.entry.storedLength > 0 && job.failure == nil && !job.streamed }
        var windows: [Window] = []
        var index = 0
        while index < jobs.count {
            guard hasContent(jobs[index]) else { index += 1; continue }
            let start = jobs[index].offset
            var end = start + UInt64(jobs[index].entry.storedLength)
            var last = index
            while last + 1 < jobs.count, hasContent(jobs[last + 1]) {
                let nextStart = jobs[last + 1].offset
                let nextEnd = nextStart + UInt64(jobs[last + 1].entry.storedLength)
                guard nextStart <= end + Self.readGapBytes, nextEnd - start <= windowLimit else { break }
                end = max(end, nextEnd)
                last += 1
            }
            for member in index...last { jobs[member].window = windows.count }
            windows.append(Window(offset: start, count: Int(end - start), jobs: index...last))
            index = last + 1
        }
        let results = UnsafeMutableBufferPointer<Result<[UInt8], ZestError>>.allocate(capacity: jobs.count)
        defer { results.deallocate() }
        let segmentSize = header.segmentSize
        let store = self.store
        // Jobs without content to read: failures found above, and empty files.
        for (index, job) in jobs.enumerated() where !hasContent(job) {
            let result: Result<[UInt8], ZestError> = job.streamed ? .success([]) : job.failure.map { .failure($0) }
                ?? decoders[0].decode(job.entry, stored: UnsafeRawBufferPointer(start: nil, count: 0), dictionary: nil)
                    .mapError { Self.error($0, entry: job.entry, segmentSize: segmentSize) }
            (results.baseAddress! + index).initialize(to: result)
        }
        /// Decodes job `index` from the bytes of its window; each job writes only its own slot.
        func decode(_ index: Int, _ job: Job, window: Window, _ bytes: UnsafeRawBufferPointer, worker: Int) {
            let from = Int(job.offset - window.offset)
            let stored = UnsafeRawBufferPointer(rebasing: bytes[from..<(from + Int(job.entry.storedLength))])
            let result = decoders[worker].decode(job.entry, stored: stored, dictionary: job.dictionary)
                .mapError { Self.error($0, entry: job.entry, segmentSize: segmentSize) }
            (results.baseAddress! + index).initialize(to: result)
        }
        var storeFailure: StoreError?
        if concurrentReads {
            // Each worker reads its windows into its own buffer and decodes them: reading
            // one window overlaps decoding another.
            let failures = UnsafeMutableBufferPointer<StoreError?>.allocate(capacity: windows.count)
            failures.initialize(repeating: nil)
            defer { failures.deallocate() }
            let buffers = UnsafeMutableBufferPointer<UnsafeMutableRawBufferPointer>.allocate(capacity: workers)
            buffers.initialize(repeating: UnsafeMutableRawBufferPointer(start: nil, count: 0))
            defer {
                for buffer in buffers { buffer.deallocate() }
                buffers.deallocate()
            }
            jobs.withUnsafeBufferPointer { jobs in
                windows.withUnsafeBufferPointer { windows in
                    ZestParallel.run(count: windows.count, threads: workers) { worker, index in
                        let window = windows[index]
                        if buffers[worker].count < window.count {
                            buffers[worker].deallocate()
                            buffers[worker] = .allocate(byteCount: max(window.count, 64 << 10), alignment: 16)
                        }
                        let bytes = UnsafeMutableRawBufferPointer(rebasing: buffers[worker][0..<window.count])
                        do throws(StoreError) {
                            try store.read(at: window.offset, into: bytes)
                        } catch {
                            failures[index] = error
                            for job in window.jobs { (results.baseAddress! + job).initialize(to: .failure(ZestError(store: error))) }
                            return
                        }
                        for job in window.jobs { decode(job, jobs[job], window: window, UnsafeRawBufferPointer(bytes), worker: worker) }
                    }
                }
            }
            storeFailure = failures.lazy.compactMap { $0 }.first
        } else {
            // The store is read here, window by window, then the workers decode.
            var contents: [[UInt8]] = []
            contents.reserveCapacity(windows.count)
            for (number, window) in windows.enumerated() {
                do throws(StoreError) {
                    contents.append(try store.read(at: window.offset, count: window.count))
                } catch {
                    storeFailure = error
                    for later in windows[number...] {
                        for job in later.jobs { (results.baseAddress! + job).initialize(to: .failure(ZestError(store: error))) }
                    }
                    break
                }
            }
            // Decoded job by job: a large window's files are shared out too.
            let readJobs = windows.prefix(contents.count).flatMap { $0.jobs }
            jobs.withUnsafeBufferPointer { jobs in
                windows.withUnsafeBufferPointer { windows in
                    contents.withUnsafeBufferPointer { contents in
                        ZestParallel.run(count: readJobs.count, threads: workers, chunk: 16) { worker, number in
                            let index = readJobs[number]
                            let job = jobs[index]
                            contents[job.window].withUnsafeBytes { decode(index, job, window: windows[job.window], $0, worker: worker) }
                        }
                    }
                }
            }
        }
        defer { results.baseAddress!.deinitialize(count: jobs.count) }
        if let storeFailure { throw ZestError(store: storeFailure) }
        var jobOfPosition = [Int](repeating: -1, count: items.count)
        for (index, job) in jobs.enumerated() { jobOfPosition[job.position - items.startIndex] = index }
        for position in items.indices {
            let index = jobOfPosition[position - items.startIndex]
            if index >= 0 {
                if jobs[index].streamed {
                    try deliver(position, .success(ZestFileContent(streaming: jobs[index].entry, of: self)))
                } else {
                    try deliver(position, results[index].map { ZestFileContent(whole: $0) })
                }
            } else {
                try deliver(position, .failure(ZestError(.fileNotFound(items[position].name))))
            }
        }
    }

    // MARK: Writing many files

    /// Stores many files at once, compressing them on up to `threads` threads. Existing
    /// files are replaced when `replaceExisting`, else nothing is written and `.fileExists`
    /// is thrown. Every name is checked before anything is written. Like `insert` and
    /// `update`, the files become durable at the next `flush()`.
    ///
    /// - Throws: `.fileExists`, `.pathConflict`, `.fileTooLarge`, store errors.
    public func write(_ files: [(name: FileName, contents: [UInt8])], replaceExisting: Bool = false,
                      threads: Int = ZestParallel.defaultThreads) throws(ZestError) {
        try requireComplete()
        try checkBatch(files.map(\.name), replaceExisting: replaceExisting)
        let dictionaryID = activeDictionaryID
        let dictionary = try dictionaryID.map { id throws(ZestError) in try dictionaryBytes(id) }
        let workers = max(1, threads)
        let level = compressionLevel
        var deflaters: [DeflateStream] = []
        for _ in 0..<min(workers, files.count) { deflaters.append(try DeflateStream.zest(level: level)) }
        let prepared = UnsafeMutableBufferPointer<Result<PreparedContent, ZestError>>.allocate(capacity: files.count)
        defer { prepared.deallocate() }
        files.withUnsafeBufferPointer { files in
            deflaters.withUnsafeBufferPointer { deflaters in
                ZestParallel.run(count: files.count, threads: workers, chunk: 4) { worker, index in
                    let result: Result<PreparedContent, ZestError>
                    do throws(ZestError) {
                        result = .success(try Self.encode(files[index].contents, deflater: deflaters[worker],
                                                          dictionary: dictionary, dictionaryID: dictionaryID ?? 0))
                    } catch {
                        result = .failure(error)
                    }
                    (prepared.baseAddress! + index).initialize(to: result)
                }
            }
        }
        defer { prepared.baseAddress!.deinitialize(count: files.count) }
        for index in files.indices {
            let content = try prepared[index].get()
            if nameIndex[NameKey(files[index].name.bytes)] != nil {
                try update(files[index].name, prepared: content)
            } else {
                try insert(files[index].name, prepared: content)
            }
        }
    }

    /// Throws what inserting `names` (or replacing them, with `replaceExisting`) would
    /// throw, before anything is written: an existing file, a name given twice, a name
    /// that would be a file and a directory at once, here or in the volume.
    public func checkBatch(_ names: [FileName], replaceExisting: Bool) throws(ZestError) {
        var seen = Set<NameKey>()
        seen.reserveCapacity(names.count)
        var directories = Set<NameKey>()
        for name in names {
            guard seen.insert(NameKey(name.bytes)).inserted else { throw ZestError(.fileExists(name.string)) }
            let exists = nameIndex[NameKey(name.bytes)] != nil
            if exists && !replaceExisting { throw ZestError(.fileExists(name.string)) }
            if !exists { try checkPathConflict(name.bytes, ignoring: nil) }
            let bytes = name.bytes
            for index in bytes.indices where bytes[index] == UInt8(ascii: "/") && index > 0 {
                directories.insert(NameKey(Array(bytes[..<index])))
            }
        }
        for name in names {
            if directories.contains(NameKey(name.bytes)) {
                throw ZestError(.pathConflict(name: name.string, existing: name.string + "/…"))
            }
            let bytes = name.bytes
            for index in bytes.indices where bytes[index] == UInt8(ascii: "/") && index > 0 {
                let prefix = NameKey(Array(bytes[..<index]))
                if seen.contains(prefix) {
                    throw ZestError(.pathConflict(name: name.string, existing: String(decoding: prefix.bytes, as: UTF8.self)))
                }
            }
        }
    }
}
