import ArdakuFormat

/// The trie pages page 0 lists, read as they are: header fields, the slot table, and
/// what is wrong with each. Nothing is copied: slot offsets are read from the mapped page
/// when asked for.
final class TriePages {
    struct Page {
        let ordinal: Int
        /// The page index page 0 lists for this ordinal.
        let page: UInt32
        /// The page's bytes; nil when it lies past the end of the image.
        let bytes: UnsafeRawBufferPointer?
        /// Slots the table holds, as far as the page can hold them (at most 4096).
        let slotCount: Int
        let header: StructureView
    }

    let scan: VolumeScan
    /// Page index of each ordinal (page 0's list).
    let pageIndices: [UInt32]
    private var cache: [Int: Page] = [:]

    init(scan: VolumeScan) {
        self.scan = scan
        pageIndices = scan.system?.triePages.map(\.rawValue) ?? []
    }

    var count: Int { pageIndices.count }

    /// The trie page at `ordinal`; nil when page 0's list has no such ordinal.
    func page(_ ordinal: Int) -> Page? {
        guard ordinal >= 0, ordinal < pageIndices.count else { return nil }
        if let cached = cache[ordinal] { return cached }
        let index = pageIndices[ordinal]
        let bytes = scan.image.page(index)
        let header = TrieFields.pageHeader(bytes, page: index, ordinal: ordinal, scan: scan, slotRows: false)
        let stored = bytes.map { FieldBuilder(bytes: $0, origin: 0).u16(0x0A) } ?? 0
        let slotCount = Int(min(stored, UInt64(Limits.maxSlotsPerTriePage)))
        let entry = Page(ordinal: ordinal, page: index, bytes: bytes, slotCount: slotCount, header: header)
        cache[ordinal] = entry
        return entry
    }

    /// The offset stored in `slot` of the page (0 for a free slot).
    func slotOffset(_ page: Page, _ slot: Int) -> Int? {
        guard let bytes = page.bytes, slot >= 0, slot < page.slotCount else { return nil }
        return ByteReader.uint16(in: bytes, at: TriePage.headerSize + 2 * slot).map(Int.init)
    }
}

/// One node as the walk meets it.
struct NodeVisit {
    var reference: NodeReference
    var depth: Int
    /// The byte the parent files this node under (nil for the root).
    var filedUnder: UInt8?
    /// The name spelled by the labels above this node.
    var pathBefore: [UInt8]
    /// Where the node is, when its reference leads to a page and slot.
    var page: UInt32?
    var offsetInPage: Int?
    /// The node, when it decodes.
    var node: TrieNode?
    /// What is wrong here.
    var problems: [String]
    /// True when the walk does not go below this node (undecodable, a loop, too deep).
    var stopped: Bool

    var absoluteOffset: UInt64? {
        guard let page, let offsetInPage else { return nil }
        return (UInt64(page) << 16) + UInt64(offsetInPage)
    }

    /// The full name at this node.
    var path: [UInt8] { pathBefore + (node?.label ?? []) }
}

/// A file the trie names: its full name and the subpage of its record.
public struct TrieFile: Equatable, Sendable {
    public var name: [UInt8]
    public var subpage: UInt32
    public var reference: NodeReference
}

/// Walks the File Infix Tree depth first from page 0's trie_root, children in stored
/// order, as a forensic reader: it never stops at the first damage, it reports it.
///
/// Bounds: every node is visited at most once (a set of references), the walk goes no
/// deeper than a name can be (1021 nodes) and no path grows past 1020 bytes, each node
/// has at most 256 children (the decoder's limit), so the walk ends on any image.
struct TrieWalk {
    let scan: VolumeScan
    let pages: TriePages

    struct Result {
        var files: [TrieFile] = []
        var nodeCount = 0
        var problemCount = 0
        /// References of every node visited.
        var visited: Set<UInt32> = []
    }

    init(scan: VolumeScan) {
        self.scan = scan
        pages = TriePages(scan: scan)
    }

    /// Walks the whole trie; returns the files found.
    func run() -> Result { run { _ in } }

    /// Calls `body` for each node in walk order; returns the files found.
    func run(_ body: (NodeVisit) throws -> Void) rethrows -> Result {
        var result = Result()
        guard let system = scan.system else { return result }
        var path: [UInt8] = []
        // Each frame: a node whose children are being walked, and the next child's index.
        var stack: [(node: TrieNode, pathLength: Int, next: Int, depth: Int)] = []

        var rootVisit = visit(system.trieRoot, depth: 0, filedUnder: nil, path: path, result: &result)
        if let node = rootVisit.node {
            if !node.label.isEmpty { rootVisit.problems.append("the root's label_length is \(node.label.count), must be 0") }
            if node.value != nil { rootVisit.problems.append("the root holds a value") }
        }
        try report(rootVisit, into: &result, body)
        if let node = rootVisit.node, !rootVisit.stopped { stack.append((node, 0, 0, 0)) }

        while let top = stack.last {
            guard top.next < top.node.children.count else { stack.removeLast(); continue }
            stack[stack.count - 1].next += 1
            let child = top.node.children[top.next]
            path.removeSubrange(top.pathLength...)
            path += top.node.label
            var childVisit = visit(child.reference, depth: top.depth + 1, filedUnder: child.firstByte, path: path, result: &result)
            if let node = childVisit.node, !childVisit.stopped {
                if node.label.isEmpty { childVisit.problems.append("label_length is 0 below the root") }
                let nameLength = path.count + node.label.count
                if nameLength > Limits.maxNameBytes {
                    childVisit.problems.append("the path here is \(nameLength) bytes, longer than any name (\(Limits.maxNameBytes))")
                    childVisit.stopped = true
                } else if top.depth + 1 >= Limits.maxTrieDepth {
                    childVisit.problems.append("deeper than any name (\(Limits.maxTrieDepth) nodes)")
                    childVisit.stopped = true
                }
            }
            try report(childVisit, into: &result, body)
            if let node = childVisit.node, !childVisit.stopped {
                stack.append((node, path.count, 0, top.depth + 1))
            }
        }
        return result
    }

    private func report(_ visit: NodeVisit, into result: inout Result, _ body: (NodeVisit) throws -> Void) rethrows {
        result.nodeCount += 1
        result.problemCount += visit.problems.count
        if let node = visit.node, let value = node.value, !visit.stopped {
            result.files.append(TrieFile(name: visit.path, subpage: value.rawValue, reference: visit.reference))
        }
        try body(visit)
    }

    /// Finds and decodes the node `reference` names, with every problem on the way.
    private func visit(_ reference: NodeReference, depth: Int, filedUnder: UInt8?, path: [UInt8],
                       result: inout Result) -> NodeVisit {
        var visit = NodeVisit(reference: reference, depth: depth, filedUnder: filedUnder, pathBefore: path,
                              page: nil, offsetInPage: nil, node: nil, problems: [], stopped: true)
        guard result.visited.insert(reference.rawValue).inserted else {
            visit.problems.append("node \(reference) is reached a second time (a loop or a shared subtree); not followed again")
            return visit
        }
        guard let page = pages.page(reference.ordinal) else {
            visit.problems.append("ordinal \(reference.ordinal) is not in page 0's trie page list (\(pages.count) entries)")
            return visit
        }
        visit.page = page.page
        guard let bytes = page.bytes else {
            visit.problems.append("trie page \(page.page) lies past the end of the image")
            return visit
        }
        if !scan.allocatablePages.contains(UInt64(page.page)) {
            visit.problems.append("trie page \(page.page) is outside the allocatable pages")
        }
        visit.problems += page.header.failedChecks.map { "trie page \(page.page): \($0)" }
        guard reference.slot < page.slotCount, let offset = pages.slotOffset(page, reference.slot) else {
            visit.problems.append("slot \(reference.slot) is past the page's \(page.slotCount) slots")
            return visit
        }
        guard offset != 0 else {
            visit.problems.append("slot \(reference.slot) is free (offset 0)")
            return visit
        }
        visit.offsetInPage = offset
        let lowest = TriePage.headerSize + 2 * page.slotCount
        if offset < lowest || offset > Geometry.pageSize - TrieNode.headerSize {
            visit.problems.append("slot offset \(Hex.format(offset, width: 4)) is outside \(Hex.format(lowest, width: 4))...\(Hex.format(Geometry.pageSize - TrieNode.headerSize, width: 4))")
        }
        do {
            let node = try TrieNode.decode(bytes, at: offset, origin: PageIndex(page.page).firstByte)
            visit.node = node
            visit.stopped = false
            if let filedUnder, node.label.first != filedUnder {
                visit.problems.append("filed under byte \(Hex.format(filedUnder, width: 2)) but the label starts with \(node.label.first.map { Hex.format($0, width: 2) } ?? "nothing")")
            }
            if node.unknownBits != 0 { visit.problems.append("reserved bits or a value without flag bit 0 are set") }
            if let value = node.value, !scan.allocatablePages.contains(UInt64(value.page.rawValue)) {
                visit.problems.append("value \(value.rawValue) is a subpage of page \(value.page.rawValue), outside the allocatable pages")
            }
            if zip(node.children, node.children.dropFirst()).contains(where: { $0.firstByte >= $1.firstByte }) {
                visit.problems.append("child_bytes are not strictly ascending")
            }
        } catch {
            visit.problems.append("does not decode: \(error.reason)")
        }
        return visit
    }

    /// Slots holding a node that the walk did not reach, by trie page.
    struct UnreachedSlots {
        var ordinal: Int
        var page: UInt32
        /// The first `TrieWalk.unreachedListed` of them.
        var slots: [Int]
        var count: Int
        /// The ordinal that lists the same page earlier, when this one repeats it.
        var repeatsOrdinal: Int?
    }

    /// Unreached slots listed per page; the count covers the rest.
    static let unreachedListed = 64

    /// Slots holding a node no walk reached. An ordinal whose page an earlier ordinal
    /// already lists is reported as a repeat, not scanned again.
    func unreachedSlots(visited: Set<UInt32>) -> [UnreachedSlots] {
        var result: [UnreachedSlots] = []
        var firstOrdinal: [UInt32: Int] = [:]
        for ordinal in 0..<pages.count {
            guard let page = pages.page(ordinal), page.bytes != nil else { continue }
            if let earlier = firstOrdinal[page.page] {
                result.append(UnreachedSlots(ordinal: ordinal, page: page.page, slots: [], count: 0, repeatsOrdinal: earlier))
                continue
            }
            firstOrdinal[page.page] = ordinal
            var entry = UnreachedSlots(ordinal: ordinal, page: page.page, slots: [], count: 0, repeatsOrdinal: nil)
            for slot in 0..<page.slotCount where (pages.slotOffset(page, slot) ?? 0) != 0 {
                guard !visited.contains(UInt32(ordinal) << 16 | UInt32(slot)) else { continue }
                entry.count += 1
                if entry.slots.count < Self.unreachedListed { entry.slots.append(slot) }
            }
            if entry.count > 0 { result.append(entry) }
        }
        return result
    }
}
