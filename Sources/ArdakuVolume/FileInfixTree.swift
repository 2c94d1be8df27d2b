import ArdakuFormat

/// The File Infix Tree as the volume library edits it: trie pages decoded on demand,
/// changed in memory, and written to fresh pages at commit (copy on write).
///
/// Nodes are addressed by (ordinal, slot). Because a reference names a page's ordinal,
/// not its page index, moving a rewritten page elsewhere changes only page 0's list.
/// Everything read from disk is checked as it is used: a reference to a missing ordinal
/// or slot, a label that does not start with the byte its parent files it under, a walk
/// deeper than a name can be, or a node reached twice all raise `VolumeError.corrupt`.
public final class FileInfixTree {
    private let store: PageStore
    private let validPages: Range<UInt32>
    /// Page index of each trie page, by ordinal; 0 for a page created in this transaction.
    public private(set) var pageIndices: [PageIndex]
    public private(set) var root: NodeReference
    private var cache: [Int: EditablePage] = [:]
    private(set) var dirtyOrdinals: Set<Int> = []
    private var committedPageIndices: [PageIndex]
    private var committedRoot: NodeReference
    /// Where the last new node went; new nodes try this page after their parent's.
    private var lastAddOrdinal = 0
    /// Trie pages known to hold no node. Only trailing empty pages can leave the list (an
    /// ordinal names a page), so an empty page in the middle is filled again before a new
    /// page is added: removing many names and adding others does not grow the list.
    private var emptyOrdinals: Set<Int> = []
    /// Whether the committed pages not yet read were looked at for empty ones (once per
    /// open: a page's header says how many slots it has).
    private var lookedForEmptyPages = false

    /// A tree over the trie pages `pageIndices` (by ordinal) with its root at `root`.
    /// `validPages` are the pages a trie page may be (the volume's allocatable pages).
    public init(store: PageStore, pageIndices: [PageIndex], root: NodeReference, validPages: Range<UInt32>) {
        self.store = store
        self.pageIndices = pageIndices
        self.root = root
        self.validPages = validPages
        committedPageIndices = pageIndices
        committedRoot = root
    }

    /// A tree of one empty page holding an empty root node, for a new volume.
    public static func empty(store: PageStore, validPages: Range<UInt32>) -> FileInfixTree {
        let tree = FileInfixTree(store: store, pageIndices: [PageIndex(0)], root: NodeReference(ordinal: 0, slot: 0),
                                 validPages: validPages)
        tree.cache[0] = EditablePage(TriePage(ordinal: 0, generation: 0, slots: [TrieNode(label: [])]))
        tree.dirtyOrdinals = [0]
        return tree
    }

    public var hasChanges: Bool { !dirtyOrdinals.isEmpty || root != committedRoot }

    // MARK: Pages and nodes

    /// A trie page being edited: changed in place, with its encoded size and free slots
    /// kept up to date, so that adding a node costs O(1) instead of a copy of the page.
    final class EditablePage {
        var ordinal: UInt16
        var slots: [TrieNode?]
        private(set) var encodedSize: Int
        /// Free slots below `slots.count`, in descending order (the lowest is taken first).
        private var freeSlots: [Int]

        init(_ page: TriePage) {
            ordinal = page.ordinal
            slots = page.slots
            encodedSize = page.encodedSize
            freeSlots = page.slots.indices.filter { page.slots[$0] == nil }.reversed()
        }

        var lowestFreeSlot: Int? { freeSlots.last }

        func set(_ slot: Int, _ node: TrieNode?) {
            if slot == slots.count {
                slots.append(nil)
                encodedSize += 2
            }
            let old = slots[slot]
            encodedSize += (node?.encodedSize ?? 0) - (old?.encodedSize ?? 0)
            slots[slot] = node
            if old == nil, node != nil { freeSlots.removeAll { $0 == slot } }
            if old != nil, node == nil {
                let index = freeSlots.firstIndex { $0 < slot } ?? freeSlots.count
                freeSlots.insert(slot, at: index)
            }
            // Trailing free slots are dropped from the slot table.
            while let last = slots.last, last == nil {
                slots.removeLast()
                encodedSize -= 2
                freeSlots.removeAll { $0 == slots.count }
            }
        }

        func snapshot(generation: UInt64) -> TriePage { TriePage(ordinal: ordinal, generation: generation, slots: slots) }
    }

    private func page(_ ordinal: Int) throws(VolumeError) -> EditablePage {
        if let cached = cache[ordinal] { return cached }
        guard ordinal < pageIndices.count else {
            throw .corrupt("trie node reference names trie page ordinal \(ordinal), but page 0 lists \(pageIndices.count)", address: nil)
        }
        let index = pageIndices[ordinal]
        guard validPages.contains(index.rawValue) else {
            throw .corrupt("trie page ordinal \(ordinal) is listed at page \(index.rawValue), outside the volume's data pages", address: ByteAddress(0x0800 + 4 * UInt64(ordinal)))
        }
        let decoded: TriePage
        do { decoded = try TriePage.decode(try store.read(index), page: index) }
        catch let error as FormatError { throw .format(error) }
        catch let error as StoreError { throw .store(error) }
        catch { throw .corrupt("\(error)", address: index.firstByte) }
        guard Int(decoded.ordinal) == ordinal else {
            throw .corrupt("trie page at page \(index.rawValue) says ordinal \(decoded.ordinal), page 0 lists it as \(ordinal)", address: index.firstByte.advanced(by: 8))
        }
        let editable = EditablePage(decoded)
        cache[ordinal] = editable
        return editable
    }

    public func node(_ reference: NodeReference) throws(VolumeError) -> TrieNode {
        let page = try page(reference.ordinal)
        guard reference.slot < page.slots.count, let node = page.slots[reference.slot] else {
            throw .corrupt("trie node reference \(reference) names an empty slot", address: nil)
        }
        return node
    }

    /// Replaces the node at `reference`; when it no longer fits its page it moves, and the
    /// new reference is returned (the caller must update the parent).
    private func update(_ reference: NodeReference, _ node: TrieNode) throws(VolumeError) -> NodeReference {
        let page = try page(reference.ordinal)
        let old = page.slots[reference.slot]
        if page.encodedSize - (old?.encodedSize ?? 0) + node.encodedSize <= Geometry.pageSize {
            page.set(reference.slot, node)
            dirtyOrdinals.insert(reference.ordinal)
            return reference
        }
        release(reference)
        return try add(node, near: reference.ordinal, avoiding: reference.ordinal)
    }

    /// Puts a new node in a page with room: near its parent, else where the last one went,
    /// else a new page.
    private func add(_ node: TrieNode, near preferred: Int, avoiding excluded: Int? = nil) throws(VolumeError) -> NodeReference {
        for ordinal in [preferred, lastAddOrdinal] where ordinal != excluded && ordinal < pageIndices.count {
            if let reference = try place(node, in: ordinal) { return reference }
        }
        if let ordinal = emptyPage(excluding: excluded), let reference = try place(node, in: ordinal) { return reference }
        guard pageIndices.count < Limits.maxTriePages else { throw .trieFull }
        let ordinal = pageIndices.count
        pageIndices.append(PageIndex(0))
        cache[ordinal] = EditablePage(TriePage(ordinal: UInt16(ordinal), generation: 0))
        dirtyOrdinals.insert(ordinal)
        guard let reference = try place(node, in: ordinal) else { preconditionFailure("a node always fits an empty page") }
        return reference
    }

    private func place(_ node: TrieNode, in ordinal: Int) throws(VolumeError) -> NodeReference? {
        let page = try page(ordinal)
        let freeSlot = page.lowestFreeSlot
        let slotCost = freeSlot == nil ? 2 : 0
        guard page.encodedSize + slotCost + node.encodedSize <= Geometry.pageSize,
              freeSlot != nil || page.slots.count < Limits.maxSlotsPerTriePage else { return nil }
        let slot = freeSlot ?? page.slots.count
        page.set(slot, node)
        dirtyOrdinals.insert(ordinal)
        emptyOrdinals.remove(ordinal)
        lastAddOrdinal = ordinal
        return NodeReference(ordinal: ordinal, slot: slot)
    }

    private func release(_ reference: NodeReference) {
        guard let page = cache[reference.ordinal], reference.slot < page.slots.count else { return }
        page.set(reference.slot, nil)
        dirtyOrdinals.insert(reference.ordinal)
        if page.slots.isEmpty { emptyOrdinals.insert(reference.ordinal) }
    }

    /// The lowest trie page that holds no node, other than `excluded`.
    private func emptyPage(excluding excluded: Int?) -> Int? {
        if !lookedForEmptyPages {
            lookedForEmptyPages = true
            for ordinal in 0..<committedPageIndices.count where cache[ordinal] == nil {
                let index = committedPageIndices[ordinal]
                guard validPages.contains(index.rawValue), let bytes = try? store.read(index),
                      ByteReader.uint32(in: bytes, at: TriePage.Offset.magic) == TriePage.magic,
                      ByteReader.uint16(in: bytes, at: TriePage.Offset.slotCount) == 0 else { continue }
                // Decoded in full (checksum and all) before it is used; a damaged page is left alone.
                if let page = try? page(ordinal), page.slots.isEmpty { emptyOrdinals.insert(ordinal) }
            }
        }
        return emptyOrdinals.filter { $0 != excluded && $0 < pageIndices.count && cache[$0]?.slots.isEmpty == true }.min()
    }

    // MARK: Queries

    /// The record subpage stored under `key`, if any.
    /// - Complexity: O(key length), one node per label.
    public func lookup(_ key: [UInt8]) throws(VolumeError) -> SubpageIndex? {
        var current = try node(root)
        var position = 0
        var depth = 0
        while position < key.count {
            guard let index = current.childIndex(for: key[position]) else { return nil }
            let child = try checkedChild(of: current, at: index)
            guard key.count - position >= child.label.count,
                  key[position..<(position + child.label.count)].elementsEqual(child.label) else { return nil }
            position += child.label.count
            current = child
            depth += 1
            guard depth <= Limits.maxTrieDepth else { throw .corrupt("trie deeper than any name", address: nil) }
        }
        return current.value
    }

    private func checkedChild(of parent: TrieNode, at index: Int) throws(VolumeError) -> TrieNode {
        let entry = parent.children[index]
        let child = try node(entry.reference)
        guard child.label.first == entry.firstByte else {
            throw .corrupt("trie node \(entry.reference) is filed under byte \(Hex.format(entry.firstByte, width: 2)) but its label starts otherwise", address: nil)
        }
        return child
    }

    /// Calls `body` with each (name, record subpage) whose name starts with `prefix`, in
    /// byte order; `body` returns false to stop.
    /// - Complexity: O(nodes under the prefix). Each node is visited once; a node reached
    ///   twice (a loop or shared subtree) is corruption.
    public func forEach(prefix: [UInt8], _ body: (_ name: [UInt8], _ value: SubpageIndex) throws(VolumeError) -> Bool) throws(VolumeError) {
        // Find the node whose subtree holds exactly the names starting with `prefix`.
        var current = try node(root)
        var currentReference = root
        var name: [UInt8] = current.label
        var position = 0
        while position < prefix.count {
            guard let index = current.childIndex(for: prefix[position]) else { return }
            let child = try checkedChild(of: current, at: index)
            let remaining = prefix.count - position
            let common = min(remaining, child.label.count)
            guard prefix[position..<(position + common)].elementsEqual(child.label[0..<common]) else { return }
            currentReference = current.children[index].reference
            name += child.label
            position += child.label.count
            current = child
            guard name.count <= Limits.maxNameBytes else { throw .corrupt("trie path longer than any name", address: nil) }
        }
        var visited: Set<UInt32> = [currentReference.rawValue]
        // Depth-first, children in ascending byte order, so names come out sorted.
        var stack: [(node: TrieNode, nameLength: Int, nextChild: Int)] = []
        if let value = current.value, !(try body(name, value)) { return }
        stack.append((current, name.count, 0))
        while !stack.isEmpty {
            let top = stack.count - 1
            let (node, nameLength, nextChild) = stack[top]
            guard nextChild < node.children.count else { stack.removeLast(); continue }
            stack[top].nextChild += 1
            let reference = node.children[nextChild].reference
            guard visited.insert(reference.rawValue).inserted else {
                throw .corrupt("trie node \(reference) is reached twice", address: nil)
            }
            let child = try checkedChild(of: node, at: nextChild)
            name.removeSubrange(nameLength...)
            name += child.label
            guard name.count <= Limits.maxNameBytes else { throw .corrupt("trie path longer than any name", address: nil) }
            if let value = child.value, !(try body(name, value)) { return }
            stack.append((child, name.count, 0))
        }
    }

    /// True when some name starts with `prefix`.
    public func hasEntries(withPrefix prefix: [UInt8]) throws(VolumeError) -> Bool {
        var found = false
        try forEach(prefix: prefix) { _, _ in found = true; return false }
        return found
    }

    // MARK: Changes

    /// Maps `key` to `value`; returns the value it replaced.
    @discardableResult
    public func insert(_ key: [UInt8], _ value: SubpageIndex) throws(VolumeError) -> SubpageIndex? {
        precondition(!key.isEmpty && key.count <= Limits.maxNameBytes)
        // Path of (reference, node, index in parent's children) from the root down.
        var path: [(reference: NodeReference, node: TrieNode, indexInParent: Int)] = [(root, try node(root), -1)]
        var position = 0
        while true {
            var (reference, current, _) = path[path.count - 1]
            if position == key.count {
                let previous = current.value
                current.value = value
                try replace(at: path.count - 1, in: &path, with: current)
                return previous
            }
            let byte = key[position]
            guard let index = current.childIndex(for: byte) else {
                let leaf = try add(TrieNode(label: Array(key[position...]), value: value), near: reference.ordinal)
                current.children.insert(TrieNode.Child(firstByte: byte, reference: leaf), at: current.insertionIndex(for: byte))
                try replace(at: path.count - 1, in: &path, with: current)
                return nil
            }
            var child = try checkedChild(of: current, at: index)
            let childReference = current.children[index].reference
            let common = zip(child.label, key[position...]).prefix { $0 == $1 }.count
            if common == child.label.count {
                path.append((childReference, child, index))
                position += common
                guard path.count <= Limits.maxTrieDepth else { throw .corrupt("trie deeper than any name", address: nil) }
                continue
            }
            // The key leaves the child's label part way: split the label at `common`.
            var middle = TrieNode(label: Array(child.label[0..<common]))
            child.label.removeFirst(common)
            _ = try update(childReference, child)   // shrinking never moves a node
            middle.children = [TrieNode.Child(firstByte: child.label[0], reference: childReference)]
            if position + common == key.count {
                middle.value = value
            } else {
                let rest = Array(key[(position + common)...])
                let leaf = try add(TrieNode(label: rest, value: value), near: childReference.ordinal)
                middle.children.insert(TrieNode.Child(firstByte: rest[0], reference: leaf), at: middle.insertionIndex(for: rest[0]))
            }
            let middleReference = try add(middle, near: reference.ordinal)
            current.children[index].reference = middleReference
            try replace(at: path.count - 1, in: &path, with: current)
            return nil
        }
    }

    /// Removes `key`; returns the value it had.
    @discardableResult
    public func remove(_ key: [UInt8]) throws(VolumeError) -> SubpageIndex? {
        var path: [(reference: NodeReference, node: TrieNode, indexInParent: Int)] = [(root, try node(root), -1)]
        var position = 0
        while position < key.count {
            let current = path[path.count - 1].node
            guard let index = current.childIndex(for: key[position]) else { return nil }
            let child = try checkedChild(of: current, at: index)
            guard key.count - position >= child.label.count,
                  key[position..<(position + child.label.count)].elementsEqual(child.label) else { return nil }
            path.append((current.children[index].reference, child, index))
            position += child.label.count
            guard path.count <= Limits.maxTrieDepth else { throw .corrupt("trie deeper than any name", address: nil) }
        }
        var target = path[path.count - 1].node
        guard let previous = target.value else { return nil }
        target.value = nil
        path[path.count - 1].node = target

        // Remove valueless leaves upward, then keep the trie compressed: a valueless
        // non-root node with one child is merged with that child.
        var level = path.count - 1
        while level > 0, path[level].node.value == nil, path[level].node.children.isEmpty {
            release(path[level].reference)
            var parent = path[level - 1].node
            parent.children.remove(at: path[level].indexInParent)
            path[level - 1].node = parent
            path.removeLast()
            level -= 1
        }
        if level > 0, path[level].node.value == nil, path[level].node.children.count == 1 {
            let only = path[level].node.children[0]
            let child = try node(only.reference)
            let merged = TrieNode(label: path[level].node.label + child.label, value: child.value, children: child.children)
            release(only.reference)
            try replace(at: level, in: &path, with: merged)
        } else {
            try replace(at: level, in: &path, with: path[level].node)
        }
        return previous
    }

    /// Stores `node` at path position `level`, fixing the parent (or the root) when it moves.
    private func replace(at level: Int, in path: inout [(reference: NodeReference, node: TrieNode, indexInParent: Int)],
                         with node: TrieNode) throws(VolumeError) {
        let newReference = try update(path[level].reference, node)
        path[level].node = node
        guard newReference != path[level].reference else { return }
        path[level].reference = newReference
        if level == 0 {
            root = newReference
        } else {
            var parent = path[level - 1].node
            parent.children[path[level].indexInParent].reference = newReference
            try replace(at: level - 1, in: &path, with: parent)   // same size: never moves again
        }
    }

    // MARK: Commit

    /// Writes every changed trie page to a fresh page from `allocate`; returns the pages
    /// they replace, to be freed once the commit is durable.
    public func writeChangedPages(generation: UInt64, allocate: () throws(VolumeError) -> PageIndex) throws(VolumeError) -> [PageIndex] {
        var replaced: [PageIndex] = []
        // Trailing pages left empty go away entirely.
        while pageIndices.count > 1, let last = cache[pageIndices.count - 1], last.slots.isEmpty {
            let ordinal = pageIndices.count - 1
            if pageIndices[ordinal].rawValue != 0 { replaced.append(pageIndices[ordinal]) }
            pageIndices.removeLast()
            cache[ordinal] = nil
            dirtyOrdinals.remove(ordinal)
            emptyOrdinals.remove(ordinal)
        }
        lastAddOrdinal = min(lastAddOrdinal, pageIndices.count - 1)
        for ordinal in dirtyOrdinals.sorted() {
            guard let page = cache[ordinal] else { continue }
            let target = try allocate()
            do { try store.write(page.snapshot(generation: generation).encode(), to: target) } catch { throw .store(error) }
            if pageIndices[ordinal].rawValue != 0 { replaced.append(pageIndices[ordinal]) }
            pageIndices[ordinal] = target
        }
        dirtyOrdinals.removeAll()
        return replaced
    }

    /// The state just written is now the committed state.
    public func markCommitted() {
        committedPageIndices = pageIndices
        committedRoot = root
    }

    /// Forgets every change since the last commit.
    public func discardChanges() {
        for ordinal in dirtyOrdinals { cache[ordinal] = nil }
        for ordinal in cache.keys where ordinal >= committedPageIndices.count { cache[ordinal] = nil }
        dirtyOrdinals.removeAll()
        pageIndices = committedPageIndices
        root = committedRoot
        lastAddOrdinal = 0
        emptyOrdinals.removeAll()
        lookedForEmptyPages = false
    }
}
