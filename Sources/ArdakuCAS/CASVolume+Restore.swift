import ArdakuFormat

extension CASVolume {
    /// Writes the tree `id` (as `snapshot` stores it) into `sink`, every object verified.
    ///
    /// The whole tree is walked first (`checkRestorable`): a tree nested deeper than
    /// `CASLimits.maxTreeDepth`, a name given twice or an item naming a missing object is
    /// refused before the sink is asked to create anything. Content is verified as it is
    /// written, so a damaged blob can still stop a restore part way.
    @discardableResult
    public func restore(_ id: ObjectID, to sink: DirectorySink) throws(CASError) -> RestoreReport {
        try checkRestorable(id)
        var report = RestoreReport()
        try restoreTree(id, path: [], to: sink, report: &report)
        return report
    }

    /// Throws what would stop `restore(id, to:)` in the trees and items under `id`, before
    /// anything is created: directories nested deeper than `CASLimits.maxTreeDepth`
    /// (docs/FORMAT.md §C8), a tree naming one name twice, an item naming an object that is
    /// not in the volume or whose bytes do not verify. Reads each distinct tree once, and
    /// no more than `maxTreeDepth + 1` trees down any chain.
    public func checkRestorable(_ id: ObjectID) throws(CASError) {
        var heights = TreeHeights()
        let limit = CASLimits.maxTreeDepth
        let height = try heights.height(of: id, stoppingAbove: limit) { (tree: ObjectID) throws(CASError) -> [ObjectID] in
            try directoryItems(of: tree).compactMap { $0.isDirectory ? $0.target : nil }
        }
        guard height <= limit else {
            throw CASError(.limitExceeded("tree \(id) has directories nested more than \(limit) levels deep; nothing was restored"))
        }
    }

    private func restoreTree(_ id: ObjectID, path: [String], to sink: DirectorySink, report: inout RestoreReport) throws(CASError) {
        // checkRestorable bounded the depth of this recursion by maxTreeDepth.
        for item in try directoryItems(of: id) {
            if item.isDirectory {
                try sink.makeDirectory(at: path + [item.name])
                report.directories += 1
                try restoreTree(item.target, path: path + [item.name], to: sink, report: &report)
            } else {
                var written: UInt64 = 0
                try sink.writeFile(at: path + [item.name]) { (write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) in
                    try readContent(item.target) { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                        try write(bytes)
                        written += UInt64(bytes.count)
                    }
                }
                report.files += 1
                report.contentBytes += written
            }
        }
    }

    /// The entries of the directory tree `id`: each item's name and target, and whether the
    /// target is a directory tree (else it is content). Throws for a name given twice or a
    /// target not in the volume.
    private func directoryItems(of id: ObjectID) throws(CASError) -> [(name: String, target: ObjectID, isDirectory: Bool)] {
        let tree = try object(id)
        var names = Set<String>()
        var items: [(name: String, target: ObjectID, isDirectory: Bool)] = []
        for itemID in try tree.treeEntries() {
            let (name, target) = try object(itemID).itemFields()
            guard names.insert(name).inserted else { throw CASError(.malformedObject(id, "the tree names \(name) twice")) }
            guard let type = type(of: target) else { throw CASError(.noSuchObject(target)) }
            items.append((name, target, type.kind == .tree && !type.isCore))
        }
        return items
    }
}
