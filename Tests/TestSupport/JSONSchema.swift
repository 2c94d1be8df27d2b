import Foundation

/// The part of JSON Schema (draft 2020-12) docs/json/*.schema.json use: type, const, enum,
/// properties, required, additionalProperties, items, minimum, pattern, oneOf, and $ref to
/// "#/$defs/NAME". Enough to hold the tools' JSON documents to their published schemas
/// without a validator package; anything else in a schema is an error, so a schema cannot
/// use a keyword this silently ignores.
public struct JSONSchema {
    public let root: [String: Any]

    public init(contentsOf path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem("\(path): a schema is an object")
        }
        root = object
    }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    static let known: Set<String> = ["$schema", "$id", "title", "description", "$defs", "type", "const", "enum", "properties",
                                     "required", "additionalProperties", "items", "minimum", "pattern", "oneOf", "$ref"]

    /// Every way `text` (a JSON document) breaks the schema; empty when it conforms.
    public func problems(inDocument text: String) -> [String] {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else {
            return ["not JSON"]
        }
        return problems(value, root, at: "$")
    }

    func problems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let unknown = schema.keys.first(where: { !Self.known.contains($0) }) { return ["\(path): schema keyword \(unknown) is not supported"] }
        if let reference = schema["$ref"] as? String {
            let name = reference.replacingOccurrences(of: "#/$defs/", with: "")
            guard let definitions = root["$defs"] as? [String: Any], let target = definitions[name] as? [String: Any] else {
                return ["\(path): unresolved \(reference)"]
            }
            return problems(value, target, at: path)
        }
        if let alternatives = schema["oneOf"] as? [[String: Any]] {
            let matching = alternatives.filter { problems(value, $0, at: path).isEmpty }.count
            if matching != 1 { return ["\(path): matches \(matching) of the oneOf alternatives, not 1"] }
        }
        var found: [String] = []
        if let types = schema["type"] {
            let allowed = (types as? [String]) ?? [types as? String ?? ""]
            if !allowed.contains(where: { Self.isOfType(value, $0) }) { return ["\(path): \(Self.describe(value)) is not \(allowed.joined(separator: " or "))"] }
        }
        if let constant = schema["const"], !Self.equal(value, constant) { found.append("\(path): \(Self.describe(value)) is not \(constant)") }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal(value, $0) }) {
            found.append("\(path): \(Self.describe(value)) is not one of \(options)")
        }
        if let minimum = schema["minimum"] as? NSNumber, let number = value as? NSNumber, !(value is Bool),
           number.doubleValue < minimum.doubleValue {
            found.append("\(path): \(number) is below \(minimum)")
        }
        if let pattern = schema["pattern"] as? String, let text = value as? String,
           text.range(of: pattern, options: .regularExpression) == nil {
            found.append("\(path): \"\(text)\" does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path): missing \(key)") }
            for (key, member) in object.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] as? [String: Any] {
                    found += problems(member, property, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] {
                    if let allowed = extra as? Bool {
                        if !allowed { found.append("\(path): \(key) is not in the schema") }
                    } else if let extraSchema = extra as? [String: Any] {
                        found += problems(member, extraSchema, at: "\(path).\(key)")
                    }
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (index, element) in array.enumerated() { found += problems(element, items, at: "\(path)[\(index)]") }
        }
        return found
    }

    static func isOfType(_ value: Any, _ type: String) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBoolean(value)
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        case "number": return (value as? NSNumber).map { _ in !isBoolean(value) } ?? false
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(value) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        default: return false
        }
    }

    static func isBoolean(_ value: Any) -> Bool {
        // JSONSerialization gives true and false as NSNumbers of Objective-C type "c" (char);
        // `is Bool` would also hold for the numbers 0 and 1.
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        switch (a, b) {
        case let (x as String, y as String): return x == y
        case let (x as NSNumber, y as NSNumber): return x == y
        default: return false
        }
    }

    static func describe(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if isBoolean(value) { return "a boolean" }
        if value is String { return "a string" }
        if value is [Any] { return "an array" }
        if value is [String: Any] { return "an object" }
        return "a number"
    }
}
