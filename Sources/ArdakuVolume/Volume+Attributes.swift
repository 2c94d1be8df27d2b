import ArdakuFormat

extension Volume {
    // MARK: Changing attributes

    /// Changes a file's attributes as chmod(2), chown(2) and utimensat(2) do: `change` edits
    /// the stored attributes (or, for a record that stores none, the defaults it stands for,
    /// docs/FORMAT.md §7.2), and the record is rewritten with them in one transaction, its
    /// content untouched. The change time becomes the volume's clock, as those calls set it,
    /// and the header's modification_time follows the new mtime (the §7.2 rule).
    ///
    /// - Throws: `.notFound`, `.invalidAttributes` when the result breaks a rule or `change`
    ///   altered the kind (only regular files are stored, and a file's kind is what it is),
    ///   `.fileTooLarge` when a file without an area has no room left for one. On any error
    ///   nothing of the operation is committed.
    @discardableResult
    public func setAttributes(_ name: FileName, _ change: (inout FileAttributes) -> Void) throws(VolumeError) -> FileStatus {
        try mutate { () throws(VolumeError) -> FileStatus in
            // A write earlier in the batch keeps its record in memory: write it first, so
            // that this change starts from the content and times that write left.
            try materialize(name.bytes)
            let file = try openFile(name)
            let before = file.status.attributes
            var attributes = before
            change(&attributes.file)
            guard attributes.file.kind == before.file.kind else {
                throw .invalidAttributes(name.string, "a \(before.file.kind) cannot become a \(attributes.file.kind)")
            }
            attributes.file.changeTime = .init(seconds: Int64(clamping: clock()))
            if let problem = attributes.file.problem { throw .invalidAttributes(name.string, problem) }
            let group = try linkGroup(of: file)
            if group.count > 1 {
                // Attributes belong to the file: every name's record changes (FORMAT §7.3).
                let previous = try openRecords(group.dropFirst(), adding: [name.bytes: file])
                return try storeGroup(group, content: file, attributes: attributes, previous: previous)[0].status
            }
            let stored = try storeFile(name: name.bytes, previous: file, fileID: file.record.fileID, entries: file.entries,
                                       byteLength: file.record.byteLength, type: file.record.type,
                                       modificationTime: attributes.headerModificationTime, tags: file.record.tags,
                                       attributes: attributes, flags: file.record.flags)
            return stored.status
        }
    }
}
