import ArdakuFormat

extension CASVolume {
    /// A description of `id` and, to `depth` levels, what it names, in the layout of the
    /// seed's `file_info -recurse -d=N` (docs/FORMAT.md §C7):
    ///
    ///     [tree] <id>
    ///      [item] <name> <id>
    ///       [blob] utf8 <id>
    ///     <the blob's text>
    ///
    /// One space of indent per level. A blob is `utf8` when its payload is valid UTF-8,
    /// and then its text follows on the next line, unindented and ending with a newline;
    /// otherwise it is `binary <n> bytes` and nothing follows. A chunk list is
    /// `[chunks] <count> <size> <id>` and its chunks are its children. Every object shown
    /// is read and verified.
    public func info(_ id: ObjectID, depth: Int) throws(CASError) -> String {
        guard depth >= 0, depth <= CASLimits.maxTreeDepth else {
            throw CASError(.invalidArgument("depth \(depth) is outside 0...\(CASLimits.maxTreeDepth)"))
        }
        var output = ""
        try describe(id, level: 0, depth: depth, into: &output)
        return output
    }

    /// `info` of the object `reference` names (an id or a tag).
    public func info(_ reference: String, depth: Int) throws(CASError) -> String {
        try info(resolve(reference), depth: depth)
    }

    private func describe(_ id: ObjectID, level: Int, depth: Int, into output: inout String) throws(CASError) {
        let object = try object(id)
        let indent = String(repeating: " ", count: level)
        var children: [ObjectID] = []
        switch object.type.kind {
        case .blob:
            if FileName.firstInvalidUTF8(object.payload) == nil {
                output += "\(indent)[blob] utf8 \(id)\n"
                if !object.payload.isEmpty {
                    output += String(decoding: object.payload, as: UTF8.self)
                    if object.payload.last != 0x0A { output += "\n" }
                }
            } else {
                output += "\(indent)[blob] binary \(object.payload.count) bytes \(id)\n"
            }
        case .item:
            let (name, target) = try object.itemFields()
            output += "\(indent)[item] \(name) \(id)\n"
            children = [target]
        case .tree where object.type.isCore:
            let list = try object.chunkListEntries()
            output += "\(indent)[chunks] \(list.chunks.count) \(list.totalLength) \(id)\n"
            children = list.chunks.map(\.id)
        case .tree:
            output += "\(indent)[tree] \(id)\n"
            children = try object.treeEntries()
        }
        guard level < depth else { return }
        for child in children { try describe(child, level: level + 1, depth: depth, into: &output) }
    }
}
