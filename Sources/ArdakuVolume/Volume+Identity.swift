import ArdakuFormat

extension Volume {
    // MARK: Label and UUID

    /// Sets the volume label (`ardaku label`, like e2label).
    ///
    /// One commit (docs/FORMAT.md §12.2): page 0 with the new label and `generation` + 1,
    /// flush, then the backup in the last page, flush; a crash leaves the old label or the
    /// new one, never a mix that fsck would have to choose from.
    ///
    /// - Throws: `.invalidLabel` (more than 1020 bytes, a NUL, not UTF-8) before anything is
    ///   written; `.store` on I/O errors, `.readOnly`, `.format` when page 0 is damaged.
    public func setLabel(_ label: [UInt8]) throws(VolumeError) {
        try Self.validateLabel(label)
        try mutate { () throws(VolumeError) in system.label = label }
    }

    /// Sets the volume UUID (`ardaku uuid`, like tune2fs -U).
    ///
    /// Every metadata record carries the volume's UUID (docs/FORMAT.md §7), and a reader
    /// takes a record with another UUID for stale bytes (§12.4, §13), so the UUID cannot
    /// change in page 0 alone: every file's record is written anew with the new UUID, copy
    /// on write, and the same commit writes page 0 and then the backup with the new UUID.
    /// A crash before page 0 is durable leaves the old volume, whose records are untouched
    /// (the new ones carry a UUID page 0 does not have, so they are not records of it); after
    /// it, the new volume, whose superseded records are tombstoned by step 5 of the commit.
    /// Extension pages and data pages carry no UUID and stay where they are.
    ///
    /// Needs one free subpage per file (and the trie pages that change); without them it
    /// throws `.noSpace` and changes nothing. A file whose record does not read (damage
    /// fsck.zest has not repaired) stops it the same way.
    public func setUUID(_ uuid: VolumeUUID) throws(VolumeError) {
        try mutate { () throws(VolumeError) in
            try writePendingRecords()
            let old = system.uuid
            guard uuid != old else { return }
            for nameBytes in try names() {
                let name = try Self.name(bytes: nameBytes)
                // The record still on disk carries the old UUID, which is what loadFile checks.
                system.uuid = old
                let file = try openFile(name)
                system.uuid = uuid
                // A name of several keeps the layout its group shares (FORMAT §7.3).
                let layoutLength = try linkGroup(of: file).map(\.count).max()
                try storeFile(name: nameBytes, previous: file, fileID: file.record.fileID, entries: file.entries,
                              byteLength: file.record.byteLength, type: file.record.type,
                              modificationTime: file.record.modificationTime, tags: file.record.tags,
                              attributes: file.record.attributes, flags: file.record.flags, layoutNameLength: layoutLength)
                // Keeps memory bounded on a volume of many files; the trie leads to the new record.
                openFiles[nameBytes] = nil
            }
            system.uuid = uuid
        }
    }
}
