@testable import ArdakuCLI
import ToolCommandLine
import Testing

/// Every command states its name. The parser (ToolCommandLine) derives a missing one with
/// `String(describing:)`, whose reflection costs every run of `ardaku` about a millisecond
/// of start-up for seven commands (measured with perf, docs/BENCHMARKS.md, ZEST).
@Suite struct CommandNamesTests {
    static func commands(under root: ParsableCommand.Type) -> [ParsableCommand.Type] {
        [root] + root.configuration.subcommands.flatMap { commands(under: $0) }
    }

    @Test func everyCommandNamesItself() {
        let roots: [ParsableCommand.Type] = [ArdakuCommand.self, MkfsCommand.self]
        let unnamed = roots.flatMap { Self.commands(under: $0) }
            .filter { $0.configuration.commandName == nil }
            .map { String(reflecting: $0) }
        #expect(unnamed.isEmpty, "commands without commandName: \(unnamed)")
        #expect(Self.commands(under: ArdakuCommand.self).count > 20)
    }
}
