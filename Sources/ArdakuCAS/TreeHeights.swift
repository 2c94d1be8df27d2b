/// How deep directories nest below a directory tree (docs/FORMAT.md §C8, `maxTreeDepth`).
///
/// The *height* of a tree is 0 when none of its items names a directory tree, else one
/// more than the highest of those subdirectories: the number of directory levels a
/// restore of it creates below its root. The checker and restore both measure it here, so
/// they agree on the limit to the level.
///
/// The walk is iterative (a chain of 100,000 trees needs no call stack) and asks for the
/// subdirectories of each distinct tree once, however many trees share it.
struct TreeHeights {
    private var known: [ObjectID: Int] = [:]

    /// A tree being measured: its subdirectories, the next one to visit, and the highest
    /// height seen among those done.
    private struct Frame {
        var id: ObjectID
        var children: [ObjectID]
        var next = 0
        var height = 0
    }

    /// The height of `root`. `subdirectories` lists the directory trees a tree's items name.
    ///
    /// With `stoppingAbove: limit`, the walk stops as soon as it is more than `limit` trees
    /// below `root` and returns `limit + 1`: restore needs only to know that it is too deep,
    /// not to read the rest of a hostile chain. Ids cannot form a cycle (each is the
    /// SHA-256 of the bytes that name the next); should one be met anyway it adds nothing.
    mutating func height<E: Error>(of root: ObjectID, stoppingAbove limit: Int? = nil,
                                   subdirectories: (ObjectID) throws(E) -> [ObjectID]) throws(E) -> Int {
        if let height = known[root] { return height }
        var stack = [Frame(id: root, children: try subdirectories(root))]
        var onStack: Set<ObjectID> = [root]
        while let top = stack.indices.last {
            if stack[top].next < stack[top].children.count {
                let child = stack[top].children[stack[top].next]
                stack[top].next += 1
                if let height = known[child] {
                    stack[top].height = max(stack[top].height, height + 1)
                    continue
                }
                guard onStack.insert(child).inserted else { continue }
                if let limit, stack.count > limit { return limit + 1 }
                stack.append(Frame(id: child, children: try subdirectories(child)))
            } else {
                let done = stack.removeLast()
                onStack.remove(done.id)
                known[done.id] = done.height
                if let parent = stack.indices.last { stack[parent].height = max(stack[parent].height, done.height + 1) }
            }
        }
        return known[root] ?? 0
    }
}
