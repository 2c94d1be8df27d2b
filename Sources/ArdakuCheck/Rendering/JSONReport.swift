import ArdakuFormat

/// The `--json` report: one object, keys in a fixed order, schema `ardaku-fsck/2`
/// (docs/FSCK.md describes every key). Built by hand so that the key order and number
/// formats never change with a library version.
public enum JSONReport {
    public static let schema = "ardaku-fsck/2"

    public static func render(_ report: CheckReport, device: String) -> String {
        var root: [(String, JSONValue)] = []
        func add(_ key: String, _ value: JSONValue) { root.append((key, value)) }
        add("schema", .string(schema))
        add("device", .string(device))
        add("mode", .string(report.options.repair.rawValue))
        add("force", .bool(report.options.force))
        add("verify_data", .bool(report.options.verifyData))
        add("exit_status", .int(Int64(report.exitStatus.rawValue)))
        add("clean", .bool(report.skippedAsClean))
        add("modified", .bool(report.modified))
        add("preen_stopped", .bool(report.preenStopped))
        add("cancelled", .bool(report.cancelled))
        if let finding = report.fatalFinding {
            add("fatal", .object(([("code", .string(finding.code.rawValue)), ("message", .string(finding.message))])))
        } else if let fatal = report.fatal {
            add("fatal", .object(([("code", .null), ("message", .string(fatal))])))
        } else {
            add("fatal", .null)
        }
        add("repair_failure", report.repairFailure.map(JSONValue.string) ?? .null)
        let summary = report.summary
        add("volume", .object(([
            ("label", .string(summary.label)), ("uuid", .string(summary.uuid)), ("generation", .uint(summary.generation)),
            ("total_pages", .uint(UInt64(summary.totalPages))), ("used_pages", .uint(UInt64(summary.usedPages))),
            ("files", .uint(summary.files)), ("data_bytes", .uint(summary.dataBytes)),
        ])))
        add("passes", .array(report.passes.map { pass in
            .object(([
                ("pass", .int(Int64(pass.pass.number))), ("title", .string(pass.pass.title)), ("items", .uint(pass.items)),
                ("bytes_verified", .uint(pass.bytesVerified)), ("findings", .int(Int64(pass.findings))),
                ("seconds", .double(pass.seconds)),
            ]))
        }))
        add("findings", .array(report.findings.map(finding)))
        add("finding_counts", .object((report.counts.sorted { $0.key < $1.key }.map { ($0.key.rawValue, .int(Int64($0.value))) })))
        add("findings_omitted", .int(Int64(report.findingsOmitted)))
        add("nested_skipped", .object((report.nestedSkipped.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })))
        return JSONValue.object(root).rendered
    }

    static func finding(_ reported: ReportedFinding) -> JSONValue {
        let context = reported.finding.context
        let fix = reported.finding.fixMessage
        return .object(([
            ("code", .string(reported.code.rawValue)),
            ("severity", .string(reported.severity.rawValue)),
            ("repair", .string(reported.finding.kind.repair.rawValue)),
            ("pass", .int(Int64(reported.pass.number))),
            ("message", .string(reported.message)),
            ("resolution", .string(reported.resolution.rawValue)),
            ("fix", fix.isEmpty ? .null : .string(fix)),
            ("note", reported.note.map(JSONValue.string) ?? .null),
            ("context", .object(([
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
