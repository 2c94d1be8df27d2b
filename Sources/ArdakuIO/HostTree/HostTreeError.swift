/// Why a host tree could not be read or restored: one line naming the path, as the tools
/// print it ("PATH: why"). ArdakuCLI turns it into its `ToolError` with the same message.
public struct HostTreeError: Error, CustomStringConvertible, Equatable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
