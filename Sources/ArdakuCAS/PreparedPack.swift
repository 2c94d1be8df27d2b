import ArdakuFormat

/// Small objects grouped and framed as one pack record (docs/cas-format.md §3.6), ready to
/// be written at any offset. Pure computation, safe to run on any thread.
struct PreparedPack: Sendable {
    var record: [UInt8]
    /// Ids and type bytes (compressed bit clear) of the members, in member order.
    var members: [(id: ObjectID, typeByte: UInt8)]

    /// Groups `count` objects, in order, into packs of about `CASLimits.packTargetBytes`,
    /// and frames the packs in parallel. `append` writes member k into a member area.
    static func make(count: Int, level: Int32, parallel: Bool, size: (Int) -> Int,
                     member: (Int) -> (ObjectID, UInt8), append: (Int, inout ByteWriter) -> Void) -> [PreparedPack] {
        var groups: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for k in 0..<count {
            bytes += size(k) + 5
            if bytes >= CASLimits.packTargetBytes || k + 1 - start == CASLimits.maxPackMembers {
                groups.append(start..<(k + 1))
                start = k + 1
                bytes = 0
            }
        }
        if start < count { groups.append(start..<count) }
        return Parallel.map(groups.count, enabled: parallel) { g in
            var w = ByteWriter(capacity: CASLimits.packTargetBytes + CASLimits.packThreshold + 64)
            for k in groups[g] { append(k, &w) }
            let record = PackRecord.encode(memberArea: w.bytes, count: groups[g].count, level: level)
            return PreparedPack(record: record, members: groups[g].map { member($0) })
        }
    }
}
