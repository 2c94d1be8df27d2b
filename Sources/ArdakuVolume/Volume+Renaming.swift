import ArdakuFormat

extension Volume {
    // MARK: Removing and renaming

    /// Deletes the file; a directory record only when no name is below it
    /// (`.directoryNotEmpty`).
    public func remove(_ name: FileName) throws(VolumeError) {
        try mutate { () throws(VolumeError) in try removeFile(name) }
    }

    /// `remove` inside a transaction already open.
    func removeFile(_ name: FileName) throws(VolumeError) {
        try materialize(name.bytes)
        let file = try openFile(name)
        if file.kind == .directory, try trie.hasEntries(withPrefix: name.bytes + [UInt8(ascii: "/")]) {
            throw .directoryNotEmpty(name.string)
        }
        // One name of several: the others keep the pages (FORMAT §7.3).
        if try unlinkFromGroup(file) { return }
        try trie.remove(name.bytes)
        openFiles[name.bytes] = nil
        var tombstone = file.record
        tombstone.isTombstone = true
        tombstone.generation = committed.generation + 1
        if transaction.allocatedSubpages.remove(file.subpage) != nil {
            try writeRecord(tombstone, at: file.subpage)
            addFreeRecordSubpage(file.subpage)
            transaction.freedOwnSubpages.append(file.subpage)
        } else {
            // The tombstone goes in before the commit: if the commit never happens, the old
            // trie leads to a tombstone, and fsck finishes the deletion.
            transaction.tombstonedRecords.append((file.subpage, file.record))
            try writeRecord(tombstone, at: file.subpage)
            transaction.deletedRecordSubpages.append(file.subpage)
        }
        for entry in file.entries { try releasePage(entry.page) }
        for page in file.record.extensionPages { try releasePage(page) }
        system.fileCount -= 1
    }

    /// Renames a file, or every file under a directory. With `replaceExisting`, a file of
    /// the target name is replaced; a directory never is.
    public func move(_ source: [UInt8], to target: [UInt8], replaceExisting: Bool = false) throws(VolumeError) {
        try mutate { () throws(VolumeError) in
            let from = try Self.name(bytes: source), to = try Self.name(bytes: target)
            let record = try exists(from) ? try openFile(from) : nil
            if let record, record.kind != .directory {
                try renameFile(from, to: to, replaceExisting: replaceExisting)
                return
            }
            let sourcePrefix = source + [UInt8(ascii: "/")]
            let names = try self.trieNames(prefix: sourcePrefix).get()
            guard record != nil || !names.isEmpty else { throw .notFound(from.string) }
            guard !(target.starts(with: sourcePrefix)) else { throw .invalidName(to.string, .dotDotComponent(byteOffset: 0)) }
            if try exists(to) { throw .alreadyExists(to.string) }
            if try isDirectory(to.bytes) { throw .alreadyExists(to.string) }
            // The directory's own record first: the names below then find their new parent a
            // directory, and the record's name is free (nothing is below it yet).
            if record != nil { try renameFile(from, to: to, replaceExisting: false) }
            for name in names {
                let newName = try Self.name(bytes: target + name[source.count...])
                try renameFile(try Self.name(bytes: name), to: newName, replaceExisting: false)
            }
        }
    }

    private func trieNames(prefix: [UInt8]) -> Result<[[UInt8]], VolumeError> {
        do throws(VolumeError) { return .success(try names(prefix: prefix)) } catch { return .failure(error) }
    }

    static func name(bytes: [UInt8]) throws(VolumeError) -> FileName {
        do { return try FileName(bytes: bytes) } catch { throw .invalidName(String(decoding: bytes, as: UTF8.self), error) }
    }

    private func renameFile(_ from: FileName, to: FileName, replaceExisting: Bool) throws(VolumeError) {
        guard from != to else { return }
        try materialize(from.bytes)
        try materialize(to.bytes)
        let file = try openFile(from)
        var replacedFileID: UInt64 = 0
        if try exists(to) {
            guard replaceExisting else { throw .alreadyExists(to.string) }
            let replaced = try openFile(to)
            if replaced.kind == .directory { throw .isADirectory(to.string) }
            // Two names of one file: rename(2) leaves both as they are.
            if replaced.record.fileID == file.record.fileID, try linkGroup(of: file).contains(to.bytes) { return }
            replacedFileID = replaced.record.fileID
            // The replaced file stays intact until the commit: its record is superseded,
            // not tombstoned, so a crash keeps it. One name of several keeps its pages.
            if !(try unlinkFromGroup(replaced)) {
                try trie.remove(to.bytes)
                openFiles[to.bytes] = nil
                supersede(replaced)
                for entry in replaced.entries { try releasePage(entry.page) }
                for page in replaced.record.extensionPages { try releasePage(page) }
                system.fileCount -= 1
            }
        } else {
            try checkNameIsFree(to, ignoring: from, creatingDirectory: file.kind == .directory)
        }
        let group = try linkGroup(of: file)
        try trie.remove(from.bytes)
        openFiles[from.bytes] = nil
        if group.count > 1, let attributes = file.record.attributes {
            // One name of several: every record is written again, laid out for the new names.
            let previous = try openRecords(group.dropFirst(), adding: [to.bytes: file])
            try storeGroup([to.bytes] + group.dropFirst(), content: file, attributes: attributes, previous: previous,
                           modificationTime: file.record.modificationTime, replaced: (to.bytes, replacedFileID))
            return
        }
        try storeFile(name: to.bytes, previous: file, fileID: file.record.fileID, entries: file.entries,
                      byteLength: file.record.byteLength, type: file.record.type,
                      modificationTime: file.record.modificationTime, tags: file.record.tags,
                      attributes: file.record.attributes, replacedFileID: replacedFileID, flags: file.record.flags)
    }

    /// Throws unless `name` can be created: every leading part of it that has a record is a
    /// directory record (FORMAT §9), and no other name is below it unless the record created
    /// is a directory's (an implicit directory gaining its record).
    func checkNameIsFree(_ name: FileName, ignoring ignored: FileName? = nil, creatingDirectory: Bool = false) throws(VolumeError) {
        for prefix in name.directoryPrefixes where prefix != ignored?.bytes {
            guard try trie.lookup(prefix) != nil else { continue }
            if try openFile(try Self.name(bytes: prefix)).kind != .directory {
                throw .notADirectory(name: name.string, file: String(decoding: prefix, as: UTF8.self))
            }
        }
        if !creatingDirectory, try trie.hasEntries(withPrefix: name.bytes + [UInt8(ascii: "/")]) {
            throw .isADirectory(name.string)
        }
    }
}
