import ArdakuFormat

/// The checker's passes over what the kept objects and tags name (docs/FORMAT.md §C6, C4
/// and C6 codes), and the order of the tag table (C5007, C5008).
extension Analysis {
    mutating func checkReferences() {
        let knownLost = Set(tags.filter { LostMarker.isMarker($0.name, of: $0.id) && good[$0.id] == nil }.map(\.id))
        // A missing id whose marker name a user's tag holds: the repair cannot record its loss.
        let tagNames = Set(tags.map(\.name))
        func markerTaken(_ id: ObjectID) -> Bool { tagNames.contains(LostMarker.name(for: id)) }
        for (id, object) in good.sorted(by: { $0.value.offset < $1.value.offset }) {
            let kind = ObjectType(byte: object.typeByte)
            let name = id.hex
            var names = Set<String>()
            for reference in object.references {
                guard let target = good[reference] else {
                    let (dangling, noun): (FindingKind, String) = switch (kind?.kind, kind?.isCore) {
                    case (.item?, _): (CASFindings.danglingItem, "item")
                    case (.tree?, true?): (CASFindings.danglingChunk, "chunk list")
                    default: (CASFindings.danglingTreeEntry, "tree")
                    }
                    if knownLost.contains(reference) {
                        report(CASFindings.knownLost, name: name, offset: object.offset, expected: reference.hex, detail: "\(noun) \(name)")
                    } else if markerTaken(reference) {
                        report(CASFindings.lostMarkerTaken, name: name, offset: object.offset, expected: reference.hex, detail: "\(noun) \(name)")
                    } else {
                        missingReferenced.insert(reference)
                        report(dangling, name: name, offset: object.offset, expected: reference.hex)
                    }
                    continue
                }
                let targetType = ObjectType(byte: target.typeByte)
                let targetName = targetType?.name ?? "invalid object"
                switch (kind?.kind, kind?.isCore) {
                case (.item?, _) where targetType?.kind == .item:
                    report(CASFindings.wrongReferenceKind, name: name, offset: object.offset, expected: reference.hex, actual: targetName, detail: "item")
                case (.tree?, true?) where targetType?.kind != .blob:
                    report(CASFindings.wrongReferenceKind, name: name, offset: object.offset, expected: reference.hex, actual: targetName, detail: "chunk list")
                case (.tree?, false?) where targetType?.kind != .item:
                    report(CASFindings.wrongReferenceKind, name: name, offset: object.offset, expected: reference.hex, actual: targetName, detail: "tree")
                case (.tree?, false?):
                    if let itemName = target.itemName, !names.insert(itemName).inserted {
                        report(CASFindings.duplicateName, name: name, offset: object.offset, detail: itemName)
                    }
                default:
                    break
                }
            }
        }
        for tag in tags where good[tag.id] == nil {
            // A marker is the record of the loss, not a reference to report.
            if LostMarker.isMarker(tag.name, of: tag.id) { continue }
            if knownLost.contains(tag.id) {
                report(CASFindings.knownLost, name: tag.name, expected: tag.id.hex, detail: "tag \"\(tag.name)\"")
                continue
            }
            if markerTaken(tag.id) {
                report(CASFindings.lostMarkerTaken, name: tag.name, expected: tag.id.hex, detail: "tag \"\(tag.name)\"")
                continue
            }
            missingReferenced.insert(tag.id)
            report(CASFindings.danglingTag, name: tag.name, expected: tag.id.hex)
        }
    }

    mutating func checkReachability() {
        var reached = Set<ObjectID>()
        var pending = tags.map(\.id).filter { good[$0] != nil }
        while let id = pending.popLast() {
            guard reached.insert(id).inserted, let object = good[id] else { continue }
            pending += object.references.filter { good[$0] != nil && !reached.contains($0) }
        }
        for (id, object) in good.sorted(by: { $0.value.offset < $1.value.offset }) where !reached.contains(id) {
            report(CASFindings.unreachable, name: id.hex, offset: object.offset,
                   detail: ObjectType(byte: object.typeByte)?.name ?? "object")
        }
    }

    /// C5007 and C5008: the tag table lists its names in ascending order of their bytes,
    /// each once (§C3.5). A name listed again is dropped here, the first entry kept, so that
    /// the repair (which writes the kept tags in order) keeps what a reader that stops at
    /// the first match would have used.
    mutating func checkTagOrder() {
        var seen: [String: ObjectID] = [:]
        var kept: [(name: String, id: ObjectID)] = []
        var reportedOrder = false
        var previous: [UInt8]?
        for (n, tag) in tags.enumerated() {
            if let first = seen[tag.name] {
                report(CASFindings.tagListedTwice, name: tag.name, expected: first.hex, actual: tag.id.hex, detail: String(n))
                continue
            }
            seen[tag.name] = tag.id
            let bytes = Array(tag.name.utf8)
            if let previous, !reportedOrder, !previous.lexicographicallyPrecedes(bytes) {
                report(CASFindings.tagsUnsorted, name: tag.name, detail: String(n))
                reportedOrder = true
            }
            previous = bytes
            kept.append(tag)
        }
        tags = kept
    }

    /// C4008: no directory tree may have directories nested more than
    /// `CASLimits.maxTreeDepth` levels below it (§C8), or restore refuses it. Judged for
    /// every tree a tag names and every tree no item names (the tops of the volume's
    /// directory trees, reachable or not), with the heights `restore` computes.
    mutating func checkTreeDepth() {
        func isDirectoryTree(_ object: GoodObject) -> Bool {
            ObjectType(byte: object.typeByte).map { $0.kind == .tree && !$0.isCore } ?? false
        }
        var namedByItem = Set<ObjectID>()
        for object in good.values where ObjectType(byte: object.typeByte)?.kind == .item {
            namedByItem.formUnion(object.references)
        }
        let tagged = Dictionary(tags.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        var heights = TreeHeights()
        let limit = CASLimits.maxTreeDepth
        for (id, object) in good.sorted(by: { $0.value.offset < $1.value.offset })
        where isDirectoryTree(object) && (tagged[id] != nil || !namedByItem.contains(id)) {
            let height = heights.height(of: id) { tree in
                (good[tree]?.references ?? []).compactMap { itemID -> ObjectID? in
                    guard let item = good[itemID], ObjectType(byte: item.typeByte)?.kind == .item,
                          let target = item.references.first, let subtree = good[target], isDirectoryTree(subtree) else { return nil }
                    return target
                }
            }
            guard height > limit else { continue }
            report(CASFindings.treeTooDeep, name: id.hex, offset: object.offset, expected: String(limit), actual: String(height),
                   detail: tagged[id].map { "tag \"\($0)\"" } ?? "no tag")
        }
    }
}
