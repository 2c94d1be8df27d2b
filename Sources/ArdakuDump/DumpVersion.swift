import ArdakuFormat

/// The version line `dumpfs` prints on standard error, as dumpe2fs does.
public enum DumpVersion {
    public static let version = "1.0"
    public static var banner: String { "dumpfs \(version) (Ardaku format \(SystemInformationBlock.version))" }
}
