import ArdakuFormat

/// The file name rules of docs/FORMAT.md §9, checked in place on the walk's name buffer.
///
/// `FileName.validate` states the same rules over an array; the trie walk checks every
/// name of the volume and must not allocate one array per name, so it asks this function,
/// and `NameRulesTests` checks that both always agree.
enum NameRules {
    /// Why `name` is not a valid file name, or nil when it is.
    static func firstProblem(in name: UnsafeBufferPointer<UInt8>) -> String? {
        let count = name.count
        guard count > 0 else { return NameError.empty.description }
        guard count <= Limits.maxNameBytes else { return NameError.tooLong(bytes: count, limit: Limits.maxNameBytes).description }
        guard name[0] == UInt8(ascii: "/") else { return NameError.notAbsolute.description }
        var asciiOnly = true
        for index in 0..<count {
            let byte = name[index]
            if byte == 0 { return NameError.containsNUL(byteOffset: index).description }
            if byte >= 0x80 { asciiOnly = false }
        }
        if !asciiOnly, let bad = FileName.firstInvalidUTF8(Array(name)) { return NameError.invalidUTF8(byteOffset: bad).description }
        guard count > 1, name[count - 1] != UInt8(ascii: "/") else { return NameError.trailingSlash.description }
        var componentStart = 1
        for index in 1...count where index == count || name[index] == UInt8(ascii: "/") {
            let length = index - componentStart
            if length == 0 { return NameError.emptyComponent(byteOffset: index).description }
            if length == 1 && name[componentStart] == UInt8(ascii: ".") { return NameError.dotComponent(byteOffset: componentStart).description }
            if length == 2 && name[componentStart] == UInt8(ascii: ".") && name[componentStart + 1] == UInt8(ascii: ".") {
                return NameError.dotDotComponent(byteOffset: componentStart).description
            }
            componentStart = index + 1
        }
        return nil
    }

    static func firstProblem(in name: [UInt8]) -> String? {
        name.withUnsafeBufferPointer { firstProblem(in: $0) }
    }
}
