/// The numbered passes of a check, in the order they run.
///
/// Cross-checks (4) run before the data pass (5) and the bitfield (6), as e2fsck's pass 4
/// runs before its pass 5: lost records must be found and reattached first, so that their
/// data pages are verified and count as used.
public enum CheckPass: Int, CaseIterable, Sendable, Codable, Comparable {
    case systemBlock = 1
    case trie = 2
    case records = 3
    case crossChecks = 4
    case data = 5
    case bitfield = 6
    case nested = 7

    public var number: Int { rawValue }

    /// The line e2fsck-style output prints when the pass starts.
    public var title: String {
        switch self {
        case .systemBlock: return "Checking the system information block and its backup"
        case .trie: return "Checking the file infix tree"
        case .records: return "Checking metadata records and page lists"
        case .crossChecks: return "Checking cross-references and lost records"
        case .data: return "Checking data page checksums"
        case .bitfield: return "Checking the used-page bitfield and counters"
        case .nested: return "Checking nested volumes"
        }
    }

    public static func < (a: CheckPass, b: CheckPass) -> Bool { a.rawValue < b.rawValue }
}
