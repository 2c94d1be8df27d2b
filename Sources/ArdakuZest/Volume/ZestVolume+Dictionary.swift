import ArdakuFormat

extension ZestVolume {
    /// The dictionary new content is compressed with: the one with the highest id.
    public var activeDictionaryID: UInt16? { dictionaryRecords.keys.max() }

    /// Ids of the dictionaries the volume holds.
    public var dictionaryIDs: [UInt16] { dictionaryRecords.keys.sorted() }

    /// The bytes of dictionary `id`, read and verified once.
    func dictionaryBytes(_ id: UInt16, for name: String = "dictionary") throws(ZestError) -> [UInt8] {
        if let cached = dictionaryCache[id] { return cached }
        guard let recordID = dictionaryRecords[id], let record = records[recordID] else {
            throw ZestError(.missingDictionary(name: name, id: id))
        }
        let stored = try readStored(record.entry)
        let bytes = try decode(record.entry, stored: stored)
        dictionaryCache[id] = bytes
        return bytes
    }

    /// Adds a zlib preset dictionary and makes it the active one: content written from now
    /// on is compressed with it. Files compressed with an older dictionary keep theirs;
    /// a dictionary stays in the volume as long as a file uses it (see `compact`).
    ///
    /// - Returns: the new dictionary's id.
    @discardableResult
    public func addDictionary(_ bytes: [UInt8]) throws(ZestError) -> UInt16 {
        try requireComplete()
        guard !bytes.isEmpty, bytes.count <= ZestLimits.maxDictionaryBytes else {
            throw ZestError(.invalidDictionary("a dictionary has 1...\(ZestLimits.maxDictionaryBytes) bytes, not \(bytes.count)"))
        }
        guard dictionaryRecords.count < ZestLimits.maxDictionaries else {
            throw ZestError(.invalidDictionary("the volume holds \(ZestLimits.maxDictionaries) dictionaries already"))
        }
        let id = (activeDictionaryID ?? 0) &+ 1
        guard id != 0 else { throw ZestError(.invalidDictionary("dictionary ids are exhausted")) }
        // The dictionary itself is compressed without a dictionary.
        let prepared = try prepare(bytes, useDictionary: false)
        let run = try writeContent(prepared.stored)
        let entry = ZestEntry(name: ZestEntry.dictionaryName, segmentStart: run.start, storedLength: UInt32(prepared.stored.count),
                              originalLength: prepared.originalLength, contentCRC: prepared.contentCRC,
                              codec: prepared.codec, kind: .dictionary, dictionaryID: id)
        let recordID = try addRecord(entry, run: run)
        dictionaryRecords[id] = recordID
        dictionaryCache[id] = bytes
        return id
    }

    /// Trains a dictionary from the volume's current files and makes it the active one.
    /// Existing files keep their compression; `compact(recompress: true)` re-encodes them.
    ///
    /// - Parameter sampleBytes: at most this many bytes of content are sampled.
    /// - Returns: the new dictionary's id, or nil when there is too little content.
    @discardableResult
    public func trainDictionary(sampleBytes: Int = 4 << 20, dictionaryBytes size: Int = ZestLimits.maxDictionaryBytes) throws(ZestError) -> UInt16? {
        let files = list()
        guard !files.isEmpty else { return nil }
        let total = files.reduce(0) { $0 + Int($1.size) }
        // Every k-th file, so the sample spans the whole volume.
        let stride = max(1, total / max(sampleBytes, 1))
        var samples: [[UInt8]] = []
        var taken = 0
        for (index, file) in files.enumerated() where index % stride == 0 && taken < sampleBytes {
            let content = try read(file.name)
            taken += content.count
            samples.append(content)
        }
        let dictionary = ZestDictionaryTrainer.train(samples: samples, size: size)
        guard !dictionary.isEmpty else { return nil }
        return try addDictionary(dictionary)
    }

    /// Removes dictionaries no file uses, except the active one.
    func dropUnusedDictionaries() {
        var used = Set<UInt16>()
        for id in nameIndex.values { if let record = records[id], record.entry.dictionaryID != 0 { used.insert(record.entry.dictionaryID) } }
        let active = activeDictionaryID
        for (dictionaryID, recordID) in dictionaryRecords where dictionaryID != active && !used.contains(dictionaryID) {
            removeRecord(recordID)
            dictionaryRecords[dictionaryID] = nil
            dictionaryCache[dictionaryID] = nil
        }
    }
}
