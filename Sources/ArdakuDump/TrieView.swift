import ArdakuFormat

/// `--trie`: the trie pages' headers, then every node the walk reaches, depth first.
struct TrieView {
    let scan: VolumeScan

    func writeText(_ output: OutputBuffer) throws {
        guard let system = scan.system else {
            try output.line("File Infix Tree: no system information block decodes, so no trie page list and no root")
            return
        }
        let walk = TrieWalk(scan: scan)
        try output.line("File Infix Tree: root \(system.trieRoot), \(TextFormat.count(UInt64(walk.pages.count), "trie page"))")
        try output.line()
        for ordinal in 0..<walk.pages.count {
            guard let page = walk.pages.page(ordinal) else { continue }
            try page.header.writeText(to: output)
            try output.line()
        }
        try output.line("Nodes, depth first from the root (children in stored order):")
        let result = try walk.run { visit in
            try output.line()
            try writeNode(visit, output)
        }
        try output.line()
        let unreached = walk.unreachedSlots(visited: result.visited)
        if unreached.isEmpty {
            try output.line(TextFormat.labelled("Unreached nodes", "<none>"))
        } else {
            for (index, entry) in unreached.enumerated() {
                var text = "ordinal \(entry.ordinal) (page \(entry.page)) "
                if let earlier = entry.repeatsOrdinal {
                    text += "repeats the page of ordinal \(earlier) [INVALID]"
                } else {
                    text += "slots " + entry.slots.map(String.init).joined(separator: " ")
                    if entry.count > entry.slots.count { text += " … (\(entry.count) in all)" }
                }
                try output.line(index == 0 ? TextFormat.labelled("Unreached nodes", text) : TextFormat.pad("", TextFormat.labelWidth) + text)
            }
        }
        try output.line(TextFormat.labelled("Nodes reached", "\(result.nodeCount)"))
        try output.line(TextFormat.labelled("Problems", "\(result.problemCount)"))
        try output.line(TextFormat.labelled("Files", "\(result.files.count) (page 0 says \(system.fileCount))"))
        for file in result.files {
            try output.line("  \(TextFormat.escaped(file.name))  subpage \(file.subpage) (page \(file.subpage >> 2), slot \(file.subpage & 3))  node \(file.reference)")
        }
    }

    private func writeNode(_ visit: NodeVisit, _ output: OutputBuffer) throws {
        var heading = "node \(visit.reference)  depth \(visit.depth)"
        if let filed = visit.filedUnder { heading += "  filed under \(TextFormat.escaped([filed]))" }
        if let page = visit.page, let offset = visit.offsetInPage, let absolute = visit.absoluteOffset {
            heading += "  at \(TextFormat.address(absolute)) (page \(page) +\(Hex.format(offset, width: 4)), slot \(visit.reference.slot))"
        } else if let page = visit.page {
            heading += "  in page \(page)"
        }
        try output.line(heading)
        if let node = visit.node, let fields = nodeFields(visit) {
            for field in fields.fields { try output.line(field.textLine) }
            try output.line("  path      \(TextFormat.escaped(visit.path))")
            if let value = node.value { try output.line("  file      \(TextFormat.escaped(visit.path)) → subpage \(value.rawValue)") }
        } else if let bytes = visit.page.flatMap({ scan.image.page($0) }), let offset = visit.offsetInPage, offset < bytes.count {
            // Show what is there, raw, so the damage can be seen.
            let raw = UnsafeRawBufferPointer(rebasing: bytes[offset..<min(bytes.count, offset + 32)])
            try output.line("  raw       \(TextFormat.hexBytes(raw, limit: 32))")
        }
        for problem in visit.problems { try output.line("  problem: \(problem)") }
    }

    /// The node's fields with their offsets, when its page and offset are known.
    private func nodeFields(_ visit: NodeVisit) -> StructureView? {
        guard let page = visit.page, let offset = visit.offsetInPage, let bytes = scan.image.page(page) else { return nil }
        return TrieFields.node(bytes, page: page, offset: offset, reference: visit.reference)
    }

    func writeJSON(_ json: inout JSONWriter) throws {
        guard let system = scan.system else {
            try json.member("root", nil as String?)
            try json.key("pages"); try json.beginArray(); try json.endArray()
            try json.key("nodes"); try json.beginArray(); try json.endArray()
            try json.member("problems", strings: ["no system information block decodes"])
            return
        }
        let walk = TrieWalk(scan: scan)
        try json.member("root", system.trieRoot.description)
        try json.key("pages")
        try json.beginArray()
        for ordinal in 0..<walk.pages.count {
            guard let page = walk.pages.page(ordinal) else { continue }
            try json.beginObject()
            try json.member("ordinal", ordinal)
            try json.member("page", page.page)
            try json.key("header")
            try page.header.writeJSON(&json)
            try json.endObject()
        }
        try json.endArray()
        try json.key("nodes")
        try json.beginArray()
        let result = try walk.run { visit in
            try json.beginObject()
            try json.member("reference", visit.reference.description)
            try json.member("ordinal", visit.reference.ordinal)
            try json.member("slot", visit.reference.slot)
            try json.member("depth", visit.depth)
            try json.member("filed_under", visit.filedUnder)
            try json.member("page", visit.page)
            try json.member("offset_in_page", visit.offsetInPage)
            try json.member("offset", visit.absoluteOffset)
            try json.member("decoded", visit.node != nil)
            try json.key("fields")
            try json.beginArray()
            for field in nodeFields(visit)?.fields ?? [] { try field.writeJSON(&json) }
            try json.endArray()
            if let node = visit.node {
                try json.member("has_value", node.value != nil)
                try json.member("value", node.value?.rawValue)
                try json.member("label", TextFormat.escaped(node.label, quoted: false))
                try json.member("label_hex", TextFormat.hexString(node.label))
                try json.member("path", TextFormat.escaped(visit.path, quoted: false))
                try json.member("path_hex", TextFormat.hexString(visit.path))
                try json.key("children")
                try json.beginArray()
                for child in node.children {
                    try json.beginObject()
                    try json.member("byte", child.firstByte)
                    try json.member("reference", child.reference.description)
                    try json.endObject()
                }
                try json.endArray()
            }
            try json.member("problems", strings: visit.problems)
            try json.endObject()
        }
        try json.endArray()
        try json.key("unreached_slots")
        try json.beginArray()
        for entry in walk.unreachedSlots(visited: result.visited) {
            try json.beginObject()
            try json.member("ordinal", entry.ordinal)
            try json.member("page", entry.page)
            try json.member("slots", numbers: entry.slots)
            try json.member("count", entry.count)
            try json.member("repeats_ordinal", entry.repeatsOrdinal)
            try json.endObject()
        }
        try json.endArray()
        try json.member("node_count", result.nodeCount)
        try json.member("problem_count", result.problemCount)
        try json.key("files")
        try json.beginArray()
        for file in result.files {
            try json.beginObject()
            try json.member("name", TextFormat.escaped(file.name, quoted: false))
            try json.member("name_hex", TextFormat.hexString(file.name))
            try json.member("subpage", file.subpage)
            try json.member("reference", file.reference.description)
            try json.endObject()
        }
        try json.endArray()
        try json.member("file_count_stored", system.fileCount)
    }
}
