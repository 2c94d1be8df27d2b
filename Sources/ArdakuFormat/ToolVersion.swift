/// The release of the tools, and the line each prints for -V and --version (as e2fsprogs'
/// tools print theirs): `mkfs.ardaku 1.0 (Ardaku format 1)`.
public enum ToolVersion {
    public static let release = "1.0"

    public static func line(_ tool: String) -> String {
        "\(tool) \(release) (Ardaku format \(SystemInformationBlock.version))"
    }
}
