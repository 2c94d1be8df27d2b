import ArdakuFormat

extension Volume {
    // MARK: Hard links (docs/FORMAT.md §7.3)

    /// Gives the file `existing` the further name `newName`, as link(2) does: a record of its
    /// own that shares the file's id, pages and attributes, and every record of the file
    /// rewritten with the new link count, in one commit. The file's change time becomes the
    /// volume's clock.
    ///
    /// - Throws: `.notFound`, `.isADirectory` (directories have no hard links),
    ///   `.alreadyExists`, `.notADirectory`, `.tooManyLinks`, `.noSpace`. On any error
    ///   nothing of the operation is committed.
    @discardableResult
    public func link(_ existing: FileName, as newName: FileName) throws(VolumeError) -> FileStatus {
        try link(existing, as: [newName])[0]
    }

    /// `link(_:as:)` for several new names at once: every record of the file is written once,
    /// however many names are added (a tree import gives a file all its names this way).
    @discardableResult
    public func link(_ existing: FileName, as newNames: [FileName]) throws(VolumeError) -> [FileStatus] {
        try mutate { () throws(VolumeError) -> [FileStatus] in
            try materialize(existing.bytes)
            let file = try openFile(existing)
            guard file.kind != .directory else { throw .isADirectory(existing.string) }
            var added = Set<[UInt8]>()
            for newName in newNames {
                guard !(try exists(newName)), added.insert(newName.bytes).inserted else { throw .alreadyExists(newName.string) }
                try checkNameIsFree(newName)
            }
            let group = try linkGroup(of: file)
            guard group.count + newNames.count <= Int(FileAttributes.Limits.maxLinkCount) else {
                throw .tooManyLinks(existing.string, limit: FileAttributes.Limits.maxLinkCount)
            }
            let previous = try openRecords(group[...])
            var attributes = file.status.attributes
            attributes.file.changeTime = .init(seconds: Int64(clamping: clock()))
            system.fileCount += UInt32(newNames.count)
            let stored = try storeGroup(group + newNames.map(\.bytes), content: file, attributes: attributes, previous: previous)
            return stored.suffix(newNames.count).map(\.status)
        }
    }

    /// The names of `file` (its link group), the file's own first; one name for a file with
    /// one. The first call that needs it reads every record once (the volume keeps no index
    /// by file id); later changes keep the list current.
    func linkGroup(of file: OpenFile) throws(VolumeError) -> [[UInt8]] {
        guard let linkCount = file.record.attributes?.linkCount, linkCount > 1 else { return [file.record.name] }
        if linkGroupIndex == nil {
            var index: [UInt64: [[UInt8]]] = [:]
            for (name, subpage) in try values(prefix: []) {
                let record: FileRecord
                if let open = openFiles[name] { record = open.record } else { record = try readRecord(at: subpage) }
                if let count = record.attributes?.linkCount, count > 1 { index[record.fileID, default: []].append(name) }
            }
            linkGroupIndex = index
        }
        let names = linkGroupIndex?[file.record.fileID] ?? []
        guard names.contains(file.record.name) else { return [file.record.name] }
        return [file.record.name] + names.filter { $0 != file.record.name }
    }

    /// The open records of `names` by name, with `known` (records the caller holds already).
    func openRecords(_ names: ArraySlice<[UInt8]>, adding known: [[UInt8]: OpenFile] = [:]) throws(VolumeError) -> [[UInt8]: OpenFile] {
        var records = known
        for name in names { records[name] = try openFile(try Self.name(bytes: name)) }
        return records
    }

    /// Records the names of file `fileID` after a change (fewer than two: none kept).
    private func noteLinkGroup(_ fileID: UInt64, _ names: [[UInt8]]) {
        guard linkGroupIndex != nil else { return }
        linkGroupIndex?[fileID] = names.count > 1 ? names : nil
    }

    /// Writes the records of every name in `names` for one file whose content is `content`'s
    /// (entries, length, type, tags, flags) with `attributes`, the link count set to the
    /// number of names: the first through `storeFile` (which writes the extension pages, laid
    /// out for the longest name so that every record lists the same inline entries), the
    /// others as copies of it under their own names. `previous` holds the records the names
    /// had (superseded or rewritten in place); `replaced` the file id a rename replaced.
    @discardableResult
    func storeGroup(_ names: [[UInt8]], content: OpenFile, attributes: RecordAttributes, previous: [[UInt8]: OpenFile],
                    modificationTime: UInt64? = nil, replaced: (name: [UInt8], fileID: UInt64)? = nil) throws(VolumeError) -> [OpenFile] {
        func replacedFileID(_ name: [UInt8]) -> UInt64 { replaced.map { $0.name == name ? $0.fileID : 0 } ?? 0 }
        var attributes = attributes
        attributes.linkCount = UInt32(names.count)
        if names.count > 1 { system.incompatFeatures.insert(.hardLinks) }
        let layoutLength = names.map(\.count).max() ?? 0
        let first = try storeFile(name: names[0], previous: previous[names[0]], fileID: content.record.fileID, entries: content.entries,
                                  byteLength: content.record.byteLength, type: content.record.type,
                                  modificationTime: modificationTime ?? attributes.headerModificationTime, tags: content.record.tags,
                                  attributes: attributes, replacedFileID: replacedFileID(names[0]),
                                  flags: content.record.flags, layoutNameLength: layoutLength)
        var stored = [first]
        for name in names.dropFirst() {
            var record = first.record
            record.name = name
            record.replacedFileID = replacedFileID(name)
            stored.append(try storeRecord(record, previous: previous[name], entries: first.entries,
                                          extensionEntries: first.extensionEntries))
        }
        noteLinkGroup(content.record.fileID, names)
        return stored
    }

    /// Takes `file`'s name out of its link group, as unlink(2) does for one of several names:
    /// the name leaves the trie, its record is superseded (tombstoned once the commit is
    /// durable, so a crash keeps it), and the other records are rewritten with the link
    /// count less one. No page is freed: the other names still list them. Returns false, doing
    /// nothing, when the file has no other name.
    func unlinkFromGroup(_ file: OpenFile) throws(VolumeError) -> Bool {
        let group = try linkGroup(of: file)
        guard group.count > 1 else { return false }
        let name = file.record.name
        try trie.remove(name)
        openFiles[name] = nil
        pendingRecords[name] = nil
        supersede(file)
        system.fileCount -= 1
        let rest = Array(group.dropFirst())
        let previous = try openRecords(rest[...])
        var attributes = file.status.attributes
        attributes.file.changeTime = .init(seconds: Int64(clamping: clock()))
        try storeGroup(rest, content: file, attributes: attributes, previous: previous, modificationTime: file.record.modificationTime)
        noteLinkGroup(file.record.fileID, rest)
        return true
    }
}
