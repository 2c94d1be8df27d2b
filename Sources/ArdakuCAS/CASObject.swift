import ArdakuFormat

/// One CAS object: a type and its uncompressed payload (docs/FORMAT.md §C2).
///
/// The id is derived, never stored with the value: it is the SHA-256 of the type byte
/// (compressed bit clear) followed by the payload. Payload syntax per kind:
///
/// | type byte | kind | payload |
/// |---|---|---|
/// | 0x01 | blob | any bytes |
/// | 0x02 | item | `name` `\n` 64 hex digits of the target id |
/// | 0x03 | tree | 64 hex digits per line, lines joined by `\n`, no final `\n`; empty = no entries |
/// | 0x13 | chunk list | `chk:n=<count>,s=<total>` then per chunk `\n` 64 hex digits ` ` length |
public struct CASObject: Equatable, Sendable {
    public var type: ObjectType
    public var payload: [UInt8]

    public init(_ type: ObjectType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// SHA-256 of the type byte and the payload.
    public var id: ObjectID { ObjectID.hashing(typeByte: type.byte, payload: payload) }

    // MARK: Building

    public static func blob(_ bytes: [UInt8]) -> CASObject { CASObject(.blob, payload: bytes) }

    /// An item naming `target`. Throws when the name breaks the rules of §C2.4.
    public static func item(name: String, target: ObjectID) throws(CASError) -> CASObject {
        let nameBytes = Array(name.utf8)
        if let problem = ItemName.problem(nameBytes) { throw CASError(.invalidArgument("item name \"\(name)\": \(problem)")) }
        return CASObject(.item, payload: nameBytes + [0x0A] + target.hexBytes)
    }

    /// A tree listing `entries` in the given order (directories list their items sorted by name).
    public static func tree(_ entries: [ObjectID]) throws(CASError) -> CASObject {
        guard entries.count <= CASLimits.maxTreeEntries else {
            throw CASError(.limitExceeded("a tree lists at most \(CASLimits.maxTreeEntries) entries"))
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(entries.count * 65)
        for (i, id) in entries.enumerated() {
            if i > 0 { payload.append(0x0A) }
            payload.append(contentsOf: id.hexBytes)
        }
        return CASObject(.tree, payload: payload)
    }

    /// A chunk list of `chunks` in file order.
    public static func chunkList(_ chunks: [ChunkReference]) throws(CASError) -> CASObject {
        guard chunks.count <= CASLimits.maxTreeEntries else {
            throw CASError(.limitExceeded("a chunk list holds at most \(CASLimits.maxTreeEntries) chunks"))
        }
        let total = chunks.reduce(UInt64(0)) { $0 + UInt64($1.length) }
        var payload = Array("chk:n=\(chunks.count),s=\(total)".utf8)
        payload.reserveCapacity(payload.count + chunks.count * 72)
        for chunk in chunks {
            payload.append(0x0A)
            payload.append(contentsOf: chunk.id.hexBytes)
            payload.append(0x20)
            payload.append(contentsOf: String(chunk.length).utf8)
        }
        return CASObject(.chunkList, payload: payload)
    }

    // MARK: Reading the payload

    /// The name and target of an item.
    public func itemFields() throws(CASError) -> (name: String, target: ObjectID) {
        guard type.kind == .item else { throw CASError(.wrongKind(id, expected: "item", found: type.name)) }
        guard let newline = payload.firstIndex(of: 0x0A) else {
            throw CASError(.malformedObject(id, "item has no newline between name and id"))
        }
        let nameBytes = Array(payload[..<newline])
        if let problem = ItemName.problem(nameBytes) { throw CASError(.malformedObject(id, "item name: \(problem)")) }
        guard let target = ObjectID(hexBytes: payload[(newline + 1)...]) else {
            throw CASError(.malformedObject(id, "item target is not 64 lowercase hex digits"))
        }
        return (String(decoding: nameBytes, as: UTF8.self), target)
    }

    /// The ids a tree lists, in order.
    public func treeEntries() throws(CASError) -> [ObjectID] {
        guard type.kind == .tree, !type.isCore else { throw CASError(.wrongKind(id, expected: "tree", found: type.name)) }
        if payload.isEmpty { return [] }
        // 64 digits per line plus one separator between lines.
        guard (payload.count + 1) % 65 == 0 else {
            throw CASError(.malformedObject(id, "tree payload of \(payload.count) bytes is not whole lines of 64 hex digits"))
        }
        let count = (payload.count + 1) / 65
        guard count <= CASLimits.maxTreeEntries else {
            throw CASError(.limitExceeded("tree lists \(count) entries, at most \(CASLimits.maxTreeEntries)"))
        }
        var entries: [ObjectID] = []
        entries.reserveCapacity(count)
        for line in 0..<count {
            let start = line * 65
            if line > 0, payload[start - 1] != 0x0A {
                throw CASError(.malformedObject(id, "tree line \(line) is not preceded by a newline"))
            }
            guard let entry = ObjectID(hexBytes: payload[start..<(start + 64)]) else {
                throw CASError(.malformedObject(id, "tree line \(line) is not 64 lowercase hex digits"))
            }
            entries.append(entry)
        }
        return entries
    }

    /// The chunks of a chunk list, in order, with the declared total.
    public func chunkListEntries() throws(CASError) -> ChunkListContents {
        guard type.isChunkList else { throw CASError(.wrongKind(id, expected: "chunk list", found: type.name)) }
        let lines = payload.split(separator: 0x0A, omittingEmptySubsequences: false)
        guard let header = lines.first, header.starts(with: Array("chk:n=".utf8)) else {
            throw CASError(.malformedObject(id, "chunk list does not begin with \"chk:n=\""))
        }
        let fields = header.dropFirst(6).split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard fields.count == 2, fields[1].starts(with: Array("s=".utf8)),
              let count = DecimalText.parse(fields[0]), let total = DecimalText.parse(fields[1].dropFirst(2)) else {
            throw CASError(.malformedObject(id, "chunk list header is not chk:n=<count>,s=<size>"))
        }
        guard count <= UInt64(CASLimits.maxTreeEntries) else {
            throw CASError(.limitExceeded("chunk list declares \(count) chunks, at most \(CASLimits.maxTreeEntries)"))
        }
        guard UInt64(lines.count - 1) == count else {
            throw CASError(.malformedObject(id, "chunk list declares \(count) chunks but has \(lines.count - 1) lines"))
        }
        var chunks: [ChunkReference] = []
        chunks.reserveCapacity(Int(count))
        var sum: UInt64 = 0
        for (n, line) in lines.dropFirst().enumerated() {
            guard line.count > 65, line[line.startIndex + 64] == 0x20,
                  let chunk = ObjectID(hexBytes: ArraySlice(line.prefix(64))),
                  let length = DecimalText.parse(line.dropFirst(65)), length > 0, length <= UInt64(CASLimits.maxPayloadBytes) else {
                throw CASError(.malformedObject(id, "chunk list line \(n + 1) is not <64 hex digits> <length 1...\(CASLimits.maxPayloadBytes)>"))
            }
            sum += length // at most 2^20 lines of at most 2^26 bytes: no overflow
            chunks.append(ChunkReference(id: chunk, length: Int(length)))
        }
        guard sum == total else {
            throw CASError(.malformedObject(id, "chunk list declares \(total) bytes but its chunks add up to \(sum)"))
        }
        return ChunkListContents(chunks: chunks, totalLength: total)
    }

    /// Every id this object's payload names: an item's target, a tree's entries, a chunk
    /// list's chunks; none for a blob.
    public func references() throws(CASError) -> [ObjectID] {
        switch type.kind {
        case .blob: return []
        case .item: return [try itemFields().target]
        case .tree: return type.isCore ? try chunkListEntries().chunks.map(\.id) : try treeEntries()
        }
    }
}

/// One chunk of a chunk list.
public struct ChunkReference: Equatable, Sendable {
    public var id: ObjectID
    public var length: Int
    public init(id: ObjectID, length: Int) {
        self.id = id
        self.length = length
    }
}

/// What a chunk list says.
public struct ChunkListContents: Equatable, Sendable {
    public var chunks: [ChunkReference]
    public var totalLength: UInt64
}

/// The rules for item names (docs/FORMAT.md §C2.4): 1...255 bytes of UTF-8 with no
/// NUL, newline or `/`, and not `.` or `..`, so that an item is always a safe directory entry.
public enum ItemName {
    /// Why `bytes` is not a valid item name, or nil when it is.
    public static func problem(_ bytes: [UInt8]) -> String? {
        if bytes.isEmpty { return "empty" }
        if bytes.count > CASLimits.maxItemNameBytes { return "longer than \(CASLimits.maxItemNameBytes) bytes" }
        if bytes.contains(0) { return "contains NUL" }
        if bytes.contains(0x0A) { return "contains a newline" }
        if bytes.contains(UInt8(ascii: "/")) { return "contains /" }
        if bytes == [0x2E] || bytes == [0x2E, 0x2E] { return "is . or .." }
        if FileName.firstInvalidUTF8(bytes) != nil { return "is not valid UTF-8" }
        return nil
    }
}

/// Strict decimal numbers in payloads: digits only, no sign, no leading zero.
enum DecimalText {
    static func parse<C: Collection>(_ digits: C) -> UInt64? where C.Element == UInt8 {
        guard !digits.isEmpty, digits.count <= 20 else { return nil }
        if digits.count > 1, digits.first == UInt8(ascii: "0") { return nil }
        var value: UInt64 = 0
        for c in digits {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return value
    }
}
