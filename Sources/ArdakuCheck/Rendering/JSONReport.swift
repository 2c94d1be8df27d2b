import ArdakuFormat

/// The `--json` report: one object, keys in a fixed order, schema `ardaku-fsck/1`
/// (docs/FSCK.md describes every key). Built by hand so that the key order and number
/// formats never change with a library version.
public enum JSONReport {
    public static let schema = "ardaku-fsck/1"

    public static func render(_ report: CheckReport, device: String) -> String {
        var root = JSONObject()
        root.add("schema", .string(schema))
        root.add("device", .string(device))
        root.add("mode", .string(report.options.repair.rawValue))
        root.add("force", .bool(report.options.force))
        root.add("verifyData", .bool(report.options.verifyData))
        root.add("exitStatus", .int(Int64(report.exitStatus.rawValue)))
        root.add("clean", .bool(report.skippedAsClean))
        root.add("modified", .bool(report.modified))
        root.add("preenStopped", .bool(report.preenStopped))
        root.add("cancelled", .bool(report.cancelled))
        if let finding = report.fatalFinding {
            root.add("fatal", .object(JSONObject([("code", .string(finding.code.rawValue)), ("message", .string(finding.message))])))
        } else if let fatal = report.fatal {
            root.add("fatal", .object(JSONObject([("code", .null), ("message", .string(fatal))])))
        } else {
            root.add("fatal", .null)
        }
        root.add("repairFailure", report.repairFailure.map(JSONValue.string) ?? .null)
        let summary = report.summary
        root.add("volume", .object(JSONObject([
            ("label", .string(summary.label)), ("uuid", .string(summary.uuid)), ("generation", .uint(summary.generation)),
            ("totalPages", .uint(UInt64(summary.totalPages))), ("usedPages", .uint(UInt64(summary.usedPages))),
            ("files", .uint(summary.files)), ("dataBytes", .uint(summary.dataBytes)),
        ])))
        root.add("passes", .array(report.passes.map { pass in
            .object(JSONObject([
                ("pass", .int(Int64(pass.pass.number))), ("title", .string(pass.pass.title)), ("items", .uint(pass.items)),
                ("bytesVerified", .uint(pass.bytesVerified)), ("findings", .int(Int64(pass.findings))),
                ("seconds", .double(pass.seconds)),
            ]))
        }))
        root.add("findings", .array(report.findings.map(finding)))
        root.add("findingCounts", .object(JSONObject(report.counts.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int(Int64($0.value))) })))
        root.add("findingsOmitted", .int(Int64(report.findingsOmitted)))
        root.add("nestedSkipped", .object(JSONObject(report.nestedSkipped.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })))
        var output = ""
        JSONValue.object(root).write(into: &output, indent: 0)
        return output + "\n"
    }

    static func finding(_ reported: ReportedFinding) -> JSONValue {
        let context = reported.finding.context
        let fix = reported.finding.fixMessage
        return .object(JSONObject([
            ("code", .string(reported.code.rawValue)),
            ("severity", .string(reported.severity.rawValue)),
            ("repair", .string(reported.finding.kind.repair.rawValue)),
            ("pass", .int(Int64(reported.pass.number))),
            ("message", .string(reported.message)),
            ("resolution", .string(reported.resolution.rawValue)),
            ("fix", fix.isEmpty ? .null : .string(fix)),
            ("note", reported.note.map(JSONValue.string) ?? .null),
            ("context", .object(JSONObject([
                ("volume", .string(context.volume)),
                ("name", context.name.map(JSONValue.string) ?? .null),
                ("page", context.page.map { .uint(UInt64($0)) } ?? .null),
                ("subpage", context.subpage.map { .uint(UInt64($0)) } ?? .null),
                ("offset", context.offset.map { .uint($0) } ?? .null),
                ("expected", context.expected.map(JSONValue.string) ?? .null),
                ("actual", context.actual.map(JSONValue.string) ?? .null),
                ("detail", context.detail.map(JSONValue.string) ?? .null),
            ]))),
        ]))
    }
}

/// A JSON object with its keys in insertion order.
struct JSONObject {
    var members: [(String, JSONValue)] = []
    init(_ members: [(String, JSONValue)] = []) { self.members = members }
    mutating func add(_ key: String, _ value: JSONValue) { members.append((key, value)) }
}

indirect enum JSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    func write(into output: inout String, indent: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .uint(let value): output += String(value)
        case .double(let value):
            // Microseconds are plenty for pass times; a fixed format keeps the output stable.
            let micro = (value * 1_000_000).rounded()
            output += micro.isFinite ? String(Int64(micro) / 1_000_000) + "." + Self.sixDigits(Int64(micro) % 1_000_000) : "0"
        case .string(let value): JSONValue.quote(value, into: &output)
        case .array(let values):
            guard !values.isEmpty else { output += "[]"; return }
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += String(repeating: "  ", count: indent + 1)
                value.write(into: &output, indent: indent + 1)
                output += index + 1 < values.count ? ",\n" : "\n"
            }
            output += String(repeating: "  ", count: indent) + "]"
        case .object(let object):
            guard !object.members.isEmpty else { output += "{}"; return }
            output += "{\n"
            for (index, (key, value)) in object.members.enumerated() {
                output += String(repeating: "  ", count: indent + 1)
                JSONValue.quote(key, into: &output)
                output += ": "
                value.write(into: &output, indent: indent + 1)
                output += index + 1 < object.members.count ? ",\n" : "\n"
            }
            output += String(repeating: "  ", count: indent) + "}"
        }
    }

    private static func sixDigits(_ value: Int64) -> String {
        let digits = String(abs(value))
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    static func quote(_ string: String, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
