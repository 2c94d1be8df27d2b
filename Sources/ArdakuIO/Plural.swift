/// A count and the noun it counts, for messages: "1 file", "3 files", "1 entry",
/// "2 entries". The plural is the singular plus "s" unless given.
public enum Plural {
    public static func count<Count: BinaryInteger>(_ count: Count, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }
}
