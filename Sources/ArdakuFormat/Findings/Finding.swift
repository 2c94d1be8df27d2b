/// How serious a finding is.
public enum Severity: String, Sendable, Comparable, Codable {
    /// Worth knowing; nothing is wrong (an unreachable CAS object, a stale backup).
    case info
    /// Something is wrong but no data is at risk (a leaked page, a wrong counter).
    case warning
    /// Structure or data is damaged.
    case error

    private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// What a repair may do about a finding, as e2fsck's preen policy does.
public enum RepairPolicy: String, Sendable, Codable {
    /// Nothing to repair (information), or nothing that can be repaired without losing
    /// what is left (a data page whose CRC32 is wrong is kept and reported).
    case reportOnly
    /// Safe to fix without asking, also under `fsck -p`: the fix only rewrites derived
    /// data (bitfield, counters, backup copies) and cannot lose anything.
    case preenSafe
    /// Fixable, but only with `-y` or a "yes" at the prompt; `-p` stops with exit 4.
    case needsConfirmation
}

/// A stable identifier of a kind of problem: a layer letter, the pass, a number.
///
/// `A` is the Ardaku volume, `Z` a ZEST volume, `C` a CAS volume; `A3007` is the Ardaku
/// layer's pass 3, problem 7. Codes never change meaning once published; tests and
/// scripts match on them, never on message text.
public struct FindingCode: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func < (a: FindingCode, b: FindingCode) -> Bool { a.rawValue < b.rawValue }
    public var description: String { rawValue }
}

/// One row of a checker's message table: everything about a code except where it occurred.
public struct FindingKind: Sendable {
    public let code: FindingCode
    public let severity: Severity
    public let repair: RepairPolicy
    /// What the problem is, with `{name}`, `{page}`, `{subpage}`, `{offset}`, `{expected}`,
    /// `{actual}` and `{detail}` filled in from the context.
    public let template: String
    /// What the repair does, shown when it is applied ("rebuilt", "cloned to page {detail}").
    public let fixDescription: String

    public init(_ code: String, _ severity: Severity, _ repair: RepairPolicy, _ template: String, fix: String = "") {
        self.code = FindingCode(code)
        self.severity = severity
        self.repair = repair
        self.template = template
        self.fixDescription = fix
    }
}

/// Where a finding was seen and the values that disagree.
public struct FindingContext: Equatable, Sendable, Codable {
    /// The volume the finding belongs to: "" for the Ardaku volume itself, else the name of
    /// the Ardaku file holding a nested ZEST or CAS volume, or a standalone file's path.
    public var volume: String = ""
    public var name: String?
    public var page: UInt32?
    public var subpage: UInt32?
    /// Absolute byte offset in the image, or in the nested volume when `volume` is set.
    public var offset: UInt64?
    public var expected: String?
    public var actual: String?
    /// Anything else the template needs.
    public var detail: String?

    public init(volume: String = "", name: String? = nil, page: UInt32? = nil, subpage: UInt32? = nil,
                offset: UInt64? = nil, expected: String? = nil, actual: String? = nil, detail: String? = nil) {
        self.volume = volume
        self.name = name
        self.page = page
        self.subpage = subpage
        self.offset = offset
        self.expected = expected
        self.actual = actual
        self.detail = detail
    }
}

/// One problem a checker found.
public struct Finding: Sendable, CustomStringConvertible {
    public let kind: FindingKind
    public var context: FindingContext

    public init(_ kind: FindingKind, _ context: FindingContext) {
        self.kind = kind
        self.context = context
    }

    public var code: FindingCode { kind.code }
    public var severity: Severity { kind.severity }

    /// The message: the template with the context filled in.
    public var message: String { Finding.render(kind.template, context) }
    public var fixMessage: String { Finding.render(kind.fixDescription, context) }
    public var description: String { "\(code) \(message)" }

    /// Fills `{field}` placeholders from `context`; a missing value renders as `?`.
    public static func render(_ template: String, _ context: FindingContext) -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let field = rest[rest.index(after: open)..<close]
            switch field {
            case "name": result += context.name ?? "?"
            case "page": result += context.page.map(String.init) ?? "?"
            case "subpage": result += context.subpage.map(String.init) ?? "?"
            case "offset": result += context.offset.map { Hex.format($0, width: 8) } ?? "?"
            case "expected": result += context.expected ?? "?"
            case "actual": result += context.actual ?? "?"
            case "detail": result += context.detail ?? "?"
            case "volume": result += context.volume
            default: result += "{\(field)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
