import ArdakuCAS

/// A CAS directory tree nested `levels` deep, as no snapshot writes one past
/// `CASLimits.maxTreeDepth`: the bottom tree holds one file `fileName`, and each tree above
/// it one subdirectory `d`. Returns every object (to put in one batch) and the root tree's
/// id. For the tree-depth tests and the corpus recipe `cas-tree-too-deep`.
public func deepTreeChain(levels: Int, fileName: String, content: [UInt8]) throws -> (objects: [CASObject], root: ObjectID) {
    let file = CASObject.blob(content)
    let fileItem = try CASObject.item(name: fileName, target: file.id)
    var tree = try CASObject.tree([fileItem.id])
    var objects = [file, fileItem, tree]
    for _ in 0..<levels {
        let subdirectory = try CASObject.item(name: "d", target: tree.id)
        tree = try CASObject.tree([subdirectory.id])
        objects += [subdirectory, tree]
    }
    return (objects, tree.id)
}
