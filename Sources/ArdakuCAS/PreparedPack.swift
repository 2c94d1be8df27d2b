import ArdakuFormat

/// Small objects grouped and framed as one pack record (docs/FORMAT.md §C3.6), ready to
/// be written at any offset. Pure computation, safe to run on any thread.
struct PreparedPack: Sendable {
    var record: [UInt8]
    /// Ids and type bytes (compressed bit clear) of the members, in member order.
    var members: [(id: ObjectID, typeByte: UInt8)]

    /// Frames the members `fill` appends to a member area (`PackRecord.appendMember`), in
    /// the order of `members`, compressed at `level` by the §C2.3 rule.
    init(members: [(id: ObjectID, typeByte: UInt8)], level: Int32, fill: (inout ByteWriter) -> Void) {
        var w = ByteWriter(capacity: CASLimits.packTargetBytes + CASLimits.packThreshold + 64)
        fill(&w)
        record = PackRecord.encode(memberArea: w.bytes, count: members.count, level: level)
        self.members = members
    }

    /// Consecutive objects of the given payload sizes, in order, grouped into packs whose
    /// member areas reach about `CASLimits.packTargetBytes` (each member costs 5 bytes
    /// more than its payload).
    static func groups(sizes: [Int]) -> [Range<Int>] {
        var groups: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (k, size) in sizes.enumerated() {
            bytes += size + 5
            if bytes >= CASLimits.packTargetBytes || k + 1 - start == CASLimits.maxPackMembers {
                groups.append(start..<(k + 1))
                start = k + 1
                bytes = 0
            }
        }
        if start < sizes.count { groups.append(start..<sizes.count) }
        return groups
    }
}
