import ArdakuFormat

extension Volume {
    // MARK: Files without content: directories, symbolic links, FIFOs, devices

    /// Creates the file `name` of a kind that has no content (FORMAT §7.2): a directory
    /// record (so an empty directory and a directory's mode, owner and times are kept, §9),
    /// a symbolic link (its target stored, never followed), a FIFO, or a character or block
    /// device. Regular files are `put`'s.
    ///
    /// An existing directory record given a directory again takes the new attributes when
    /// `replaceExisting` (as `mkdir -p` then `chmod`, the way a tree import meets a directory
    /// it stored before); an existing file of another kind but directory is replaced only
    /// with `replaceExisting`, and never by a directory, nor a directory by one.
    ///
    /// - Throws: `.invalidAttributes` (a regular file, or attributes that break a rule),
    ///   `.alreadyExists`, `.isADirectory`, `.notADirectory`, `.noSpace`. On any error
    ///   nothing of the operation is committed.
    @discardableResult
    public func makeNode(_ name: FileName, attributes: FileAttributes, replaceExisting: Bool = false) throws(VolumeError) -> FileStatus {
        try mutate { () throws(VolumeError) -> FileStatus in
            guard attributes.kind != .regular else {
                throw .invalidAttributes(name.string, "a regular file is stored by put, with its content")
            }
            if let problem = attributes.problem { throw .invalidAttributes(name.string, problem) }
            try materialize(name.bytes)
            var previous: OpenFile? = try exists(name) ? try openFile(name) : nil
            // A name of several: it leaves the group, the others keep the pages (FORMAT §7.3).
            if let linked = previous, replaceExisting, attributes.kind != .directory, try unlinkFromGroup(linked) { previous = nil }
            if let previous {
                guard replaceExisting else { throw .alreadyExists(name.string) }
                let isDirectory = attributes.kind == .directory
                if previous.kind == .directory, !isDirectory { throw .isADirectory(name.string) }
                if previous.kind != .directory, isDirectory { throw .alreadyExists(name.string) }
                for entry in previous.entries { try releasePage(entry.page) }
            } else {
                try checkNameIsFree(name, creatingDirectory: attributes.kind == .directory)
                system.fileCount += 1
            }
            let recordAttributes = RecordAttributes(attributes)
            let file = try storeFile(name: name.bytes, previous: previous, fileID: previous?.record.fileID ?? takeFileID(),
                                     entries: [], byteLength: 0, type: previous?.record.type ?? .data,
                                     modificationTime: recordAttributes.headerModificationTime,
                                     tags: previous?.record.tags ?? [], attributes: recordAttributes)
            return file.status
        }
    }

    /// Removes the directory `name` as rmdir(2) does: only when no name is below it. Its
    /// record goes, if it has one; a directory without a record (one that exists only
    /// through names below it) is never empty.
    ///
    /// - Throws: `.notFound`, `.directoryNotEmpty`, `.notADirectory` (the name is a file of
    ///   another kind). On any error nothing of the operation is committed.
    public func removeDirectory(_ name: FileName) throws(VolumeError) {
        try mutate { () throws(VolumeError) in
            if try exists(name) {
                guard try openFile(name).kind == .directory else {
                    throw .notADirectory(name: name.string, file: name.string)
                }
                try removeFile(name)
                return
            }
            guard try trie.hasEntries(withPrefix: name.bytes + [UInt8(ascii: "/")]) else { throw .notFound(name.string) }
            throw .directoryNotEmpty(name.string)
        }
    }
}
