import ArdakuFormat

/// Stores many files into a volume the way a bulk import should: names sorted (so the
/// store holds them in name order), a preset dictionary trained on a sample of them when
/// the volume has none, then everything compressed in parallel batches.
///
/// `run` does not flush: the caller commits once, at the end (`ZestVolume.flush()`), so
/// the import becomes durable as a whole or not at all.
public struct ZestImport {
    /// When to train a dictionary from the files being imported.
    public enum DictionaryPolicy: Sendable {
        /// When the volume has no dictionary yet and, judged on a sample, the dictionary
        /// saves at least twice the space it takes.
        case automatic
        /// Always train a new one (it becomes the active dictionary), however small the gain.
        case always
        /// Never: use the volume's active dictionary, if any.
        case never
    }

    /// A file to import: its name in the volume, its size as listed, and how to read it.
    /// `load` may be called on several threads at once (for different files).
    public struct Source {
        public var name: FileName
        public var size: UInt64
        public var load: () throws -> [UInt8]

        public init(name: FileName, size: UInt64, load: @escaping () throws -> [UInt8]) {
            self.name = name
            self.size = size
            self.load = load
        }
    }

    /// What `run` did.
    public struct Summary: Sendable {
        public var files = 0
        public var bytes: UInt64 = 0
        /// The dictionary trained and added by this import, if any.
        public var trainedDictionary: UInt16?
        /// Why no dictionary was trained, when none was.
        public var dictionaryNote: String?
    }

    public var replaceExisting = false
    public var dictionary = DictionaryPolicy.automatic
    public var threads = ZestParallel.defaultThreads
    /// Bytes of content loaded and compressed per batch.
    public var batchBytes = 16 << 20
    /// Bytes of sample content the dictionary is trained on.
    public var sampleBytes = 2 << 20
    /// Called after each batch with the files and bytes stored so far.
    public var progress: ((_ files: Int, _ bytes: UInt64) -> Void)?

    public init() {}

    /// Fewest files worth training a dictionary for, when `dictionary` is `.automatic`.
    static let minimumFilesForDictionary = 32
    /// Longest prefix of one file taken as a sample: a few large files must not fill the sample.
    static let maximumSampleFileBytes = 32 << 10

    /// Imports `sources` into `volume`; see the type's description.
    ///
    /// - Throws: `ZestError` (an existing name without `replaceExisting`, a path conflict,
    ///   a file too large, store errors) before anything is written when the names are at
    ///   fault; otherwise whatever `load` throws, or store errors.
    public func run(_ sources: [Source], into volume: ZestVolume) throws -> Summary {
        let sorted = sources.sorted { $0.name < $1.name }
        try volume.checkBatch(sorted.map(\.name), replaceExisting: replaceExisting)
        var summary = Summary()
        switch dictionary {
        case .never: summary.dictionaryNote = "not asked for"
        case .automatic where volume.activeDictionaryID != nil: summary.dictionaryNote = "the volume has one already"
        case .automatic, .always:
            let (dictionary, note) = try train(sorted, always: dictionary == .always)
            if let dictionary {
                summary.trainedDictionary = try volume.addDictionary(dictionary)
            } else {
                summary.dictionaryNote = note
            }
        }
        // Batches of about `batchBytes` (by listed size), loaded and compressed in parallel.
        var start = 0
        while start < sorted.count {
            var end = start
            var listed: UInt64 = 0
            while end < sorted.count && (end == start || listed < UInt64(batchBytes)) {
                listed += sorted[end].size
                end += 1
            }
            let batch = try load(sorted[start..<end])
            try volume.write(batch, replaceExisting: replaceExisting, threads: threads)
            summary.files += batch.count
            summary.bytes += batch.reduce(UInt64(0)) { $0 + UInt64($1.contents.count) }
            progress?(summary.files, summary.bytes)
            start = end
        }
        return summary
    }

    /// The contents of `sources`, read on up to `threads` threads.
    func load(_ sources: ArraySlice<Source>) throws -> [(name: FileName, contents: [UInt8])] {
        let loaded = UnsafeMutableBufferPointer<Result<[UInt8], any Error>>.allocate(capacity: sources.count)
        defer { loaded.deallocate() }
        let base = sources.startIndex
        ZestParallel.run(count: sources.count, threads: threads, chunk: 8) { _, index in
            let result: Result<[UInt8], any Error>
            do { result = .success(try sources[base + index].load()) } catch { result = .failure(error) }
            (loaded.baseAddress! + index).initialize(to: result)
        }
        defer { loaded.baseAddress!.deinitialize(count: sources.count) }
        var batch: [(name: FileName, contents: [UInt8])] = []
        batch.reserveCapacity(sources.count)
        for index in 0..<sources.count { batch.append((sources[base + index].name, try loaded[index].get())) }
        return batch
    }

    /// A dictionary trained on a sample of `sources`, or nil and why not.
    func train(_ sources: [Source], always: Bool) throws -> ([UInt8]?, String) {
        let total = sources.reduce(UInt64(0)) { $0 + min($1.size, UInt64(Self.maximumSampleFileBytes)) }
        if !always && sources.count < Self.minimumFilesForDictionary {
            return (nil, "too few files (\(sources.count)) to be worth one")
        }
        // Every k-th file, so that the sample spans the whole tree; the files halfway
        // between judge the result.
        let stride = max(1, Int(total / UInt64(max(sampleBytes, 1))))
        var samples: [[UInt8]] = []
        var judges: [[UInt8]] = []
        var taken = 0
        for index in Swift.stride(from: 0, to: sources.count, by: stride) where taken < sampleBytes {
            let sample = Array(try sources[index].load().prefix(Self.maximumSampleFileBytes))
            taken += sample.count
            samples.append(sample)
            let judge = index + stride / 2
            if stride > 1, judge < sources.count, judges.count < 256 {
                judges.append(Array(try sources[judge].load().prefix(Self.maximumSampleFileBytes)))
            }
        }
        let dictionary = ZestDictionaryTrainer.train(samples: samples)
        guard !dictionary.isEmpty else { return (nil, "the files are too few or too small to train one") }
        if always { return (dictionary, "") }
        // Worth it when the saving, scaled to the whole import, is at least twice what
        // the dictionary itself takes (it is stored once, compressed).
        if judges.isEmpty { judges = samples }
        let judged = judges.reduce(0) { $0 + $1.count }
        let without = ZestDictionaryTrainer.compressedSize(judges, dictionary: [])
        let with = ZestDictionaryTrainer.compressedSize(judges, dictionary: dictionary)
        guard judged > 0, with < without else { return (nil, "a dictionary would not make the files smaller") }
        let estimatedSaving = Double(without - with) / Double(judged) * Double(total)
        let cost = ZestDictionaryTrainer.compressedSize([dictionary], dictionary: [])
        guard estimatedSaving >= Double(2 * cost) else {
            return (nil, "a dictionary would save about \(Int(estimatedSaving)) bytes, too little for the \(cost) it takes")
        }
        return (dictionary, "")
    }
}
