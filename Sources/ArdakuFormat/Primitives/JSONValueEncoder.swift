/// Turns an `Encodable` value into a `JSONValue`, with every key in snake_case (`fileID`
/// becomes `file_id`): the tools declare a small report as a struct once, and `JSONWriter`
/// writes it. Members keep the order of the struct's declaration; a nil optional is left
/// out, as `encodeIfPresent` says. Dictionaries are not supported (their order would be
/// the hash order): a report spells its keys out as a struct.
public enum JSONValueEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = Node()
        var single = Single(node: root, codingPath: [])
        try single.encode(value)
        return root.finish()
    }

    /// `fileID` → `file_id`, `contentCRC` → `content_crc`, `storeBytesBefore` → `store_bytes_before`.
    public static func snakeCase(_ key: String) -> String {
        let characters = Array(key)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                // A word starts at a capital after a lower-case letter or digit, or at the last
                // capital of a run that a lower-case letter follows ("CRCValue": crc_value).
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    result.append("_")
                }
            }
            result += character.lowercased()
        }
        return result
    }

    /// A value being built: containers fill it in place.
    final class Node {
        var value: JSONValue = .null
        /// Members or elements while the node is a container, in order.
        var members: [(String, Node)] = []
        var elements: [Node] = []
        var kind: Kind = .scalar
        enum Kind { case scalar, object, array }

        func finish() -> JSONValue {
            switch kind {
            case .scalar: return value
            case .object: return .object(members.map { ($0.0, $0.1.finish()) })
            case .array: return .array(elements.map { $0.finish() })
            }
        }
    }

    struct NodeEncoder: Encoder {
        let node: Node
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            node.kind = .object
            return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            node.kind = .array
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            Single(node: node, codingPath: codingPath)
        }
    }

    /// Encodes `value` into a fresh node: scalars directly, anything else through its `encode(to:)`.
    static func node<T: Encodable>(for value: T, codingPath: [any CodingKey]) throws -> Node {
        let child = Node()
        var single = Single(node: child, codingPath: codingPath)
        try single.encode(value)
        return child
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.members.append((snakeCase(key.stringValue), Node())) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            node.members.append((snakeCase(key.stringValue), try JSONValueEncoder.node(for: value, codingPath: codingPath + [key])))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            node.members.append((snakeCase(key.stringValue), child))
            return NodeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Node()
            node.members.append((snakeCase(key.stringValue), child))
            return NodeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node, codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder(node: node, codingPath: codingPath) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]
        var count: Int { node.elements.count }

        mutating func encodeNil() throws { node.elements.append(Node()) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            node.elements.append(try JSONValueEncoder.node(for: value, codingPath: codingPath))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Node()
            node.elements.append(child)
            return NodeEncoder(node: child, codingPath: codingPath).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Node()
            node.elements.append(child)
            return NodeEncoder(node: child, codingPath: codingPath).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node, codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.value = .null }
        mutating func encode(_ value: Bool) throws { node.value = .bool(value) }
        mutating func encode(_ value: String) throws { node.value = .string(value) }
        mutating func encode(_ value: Double) throws { node.value = .double(value) }
        mutating func encode(_ value: Float) throws { node.value = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { node.value = .int(Int64(value)) }
        mutating func encode(_ value: Int8) throws { node.value = .int(Int64(value)) }
        mutating func encode(_ value: Int16) throws { node.value = .int(Int64(value)) }
        mutating func encode(_ value: Int32) throws { node.value = .int(Int64(value)) }
        mutating func encode(_ value: Int64) throws { node.value = .int(value) }
        mutating func encode(_ value: UInt) throws { node.value = .uint(UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { node.value = .uint(UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { node.value = .uint(UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { node.value = .uint(UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { node.value = .uint(value) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if value is [String: any Encodable] {
                throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "dictionaries have no stable key order"))
            }
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        }
    }
}

extension JSONValue {
    /// `value` as JSON (snake_case keys, see `JSONValueEncoder`), with `"schema": schema` as
    /// its first member: every document the tools print names its schema.
    public static func document<T: Encodable>(schema: String, _ value: T) throws -> JSONValue {
        guard case let .object(members) = try JSONValueEncoder.encode(value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "a document is an object"))
        }
        return .object([("schema", .string(schema))] + members)
    }
}
