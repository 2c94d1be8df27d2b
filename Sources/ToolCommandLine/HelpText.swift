import Glibc

/// The help, the usage line and the messages of usage errors, made from the declarations.
enum HelpText {
    /// The width of the help: COLUMNS, the terminal's or 80.
    static var width: Int {
        var columns = 80
        if let text = getenv("COLUMNS"), let value = Int(String(cString: text)), value > 0 {
            columns = value
        } else {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { columns = Int(size.ws_col) }
        }
        return max(40, columns)
    }

    /// Where the help column of a row starts.
    static let helpColumn = 26

    /// The whole --help of the last command of `path`.
    static func help(_ path: CommandPath, width: Int = width) -> String {
        let command = path.leaf
        let configuration = command.configuration
        var sections: [String] = []
        if !configuration.abstract.isEmpty {
            sections.append(wrap("OVERVIEW: " + configuration.abstract, width: width))
        }
        if !configuration.discussion.isEmpty {
            sections.append(wrapParagraphs(configuration.discussion, width: width))
        }
        sections.append(usageText(path, prefix: "USAGE: ", width: width))

        let definitions = Declarations.definitions(of: command.init())
        let arguments = definitions.filter { $0.kind == .positional }
        if !arguments.isEmpty {
            sections.append("ARGUMENTS:\n" + arguments.map { row($0.label, rowHelp($0), width: width) }.joined(separator: "\n"))
        }
        var options = definitions.filter { $0.kind != .positional }.map { row($0.label, rowHelp($0), width: width) }
        if !configuration.version.isEmpty { options.append(row("--version", "Show the version.", width: width)) }
        options.append(row("-h, --help", "Show help information.", width: width))
        sections.append("OPTIONS:\n" + options.joined(separator: "\n"))

        if !configuration.subcommands.isEmpty {
            let rows = configuration.subcommands.map { row($0.commandName, $0.configuration.abstract, width: width) }
            sections.append("SUBCOMMANDS:\n" + rows.joined(separator: "\n"))
            let names = (["help"] + path.names.dropFirst()).joined(separator: " ")
            sections.append("  See '\(path.names[0]) \(names) <subcommand>' for detailed help.")
        }
        return sections.joined(separator: "\n\n")
    }

    /// A row's help: the declaration's, then the values it allows and its default.
    static func rowHelp(_ definition: ArgumentDefinition) -> String {
        var notes: [String] = []
        if !definition.allowedValues.isEmpty { notes.append("values: " + definition.allowedValues.joined(separator: ", ")) }
        if let value = definition.defaultDescription, !value.isEmpty { notes.append("default: " + value) }
        guard !notes.isEmpty else { return definition.help }
        // A list of values starts a line of its own.
        let separator = definition.help.isEmpty ? "" : definition.allowedValues.isEmpty ? " " : "\n"
        return definition.help + separator + "(" + notes.joined(separator: "; ") + ")"
    }

    /// The usage of the last command of `path`: the configuration's lines, or one made from
    /// the declarations. Without `prefix`, as `usageString()` gives it.
    static func usageText(_ path: CommandPath, prefix: String = "", width: Int = width) -> String {
        let configuration = path.leaf.configuration
        let lines = configuration.usage.isEmpty ? [generatedUsage(path)] : configuration.usage.split(separator: "\n").map(String.init)
        let indent = String(repeating: " ", count: prefix.count)
        return lines.enumerated().map { number, line in
            wrap((number == 0 ? prefix : indent) + line, width: width, continuation: indent.count + 2)
        }.joined(separator: "\n")
    }

    /// "ardaku probe [-o <format>] [-s <tag> ...] [-d] <devices> ...", with the options
    /// shown as "[<options>]" when they would not fit on one line.
    static func generatedUsage(_ path: CommandPath) -> String {
        let command = path.leaf
        if !command.configuration.subcommands.isEmpty { return path.joinedNames + " <subcommand>" }
        let definitions = Declarations.definitions(of: command.init())
        let options = definitions.filter { $0.kind != .positional }.map { definition -> String in
            let shown = definition.shortestLabel + (definition.isRepeating ? " ..." : "")
            return definition.isRequired ? shown : "[\(shown)]"
        }
        let operands = definitions.filter { $0.kind == .positional }.map { definition -> String in
            let shown = definition.label + (definition.isRepeating ? " ..." : "")
            return definition.isRequired ? shown : "[\(shown)]"
        }
        let full = ([path.joinedNames] + options + operands).joined(separator: " ")
        guard full.count > 80 else { return full }
        return ([path.joinedNames] + (options.isEmpty ? [] : ["[<options>]"]) + operands).joined(separator: " ")
    }

    /// "  label      help", the help wrapped in its column (on the next line when the
    /// label reaches into it).
    static func row(_ label: String, _ help: String, width: Int) -> String {
        let indent = String(repeating: " ", count: helpColumn)
        let start = "  " + label
        let wrapped = help.split(separator: "\n").flatMap {
            wrap(String($0), width: max(20, width - helpColumn)).split(separator: "\n")
        }.map { indent + $0 }
        guard let first = wrapped.first, !help.isEmpty else { return start }
        if start.count < helpColumn {
            return ([start + String(first.dropFirst(start.count))] + wrapped.dropFirst()).joined(separator: "\n")
        }
        return ([start] + wrapped).joined(separator: "\n")
    }

    /// Paragraphs wrapped to `width`; a line that starts with a space (an example, a form)
    /// is kept as written, and wrapped at its own indentation only when it is too wide.
    static func wrapParagraphs(_ text: String, width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let indentation = line.prefix { $0 == " " }.count
            if indentation > 0 && line.count <= width { return String(line) }
            return wrap(String(line), width: width, continuation: indentation)
        }.joined(separator: "\n")
    }

    /// `text` broken at spaces into lines that fit `width` columns with a space after
    /// their last word (the text's very last word needs none; a longer word keeps its
    /// own line); lines after the first start with `continuation` spaces.
    static func wrap(_ text: String, width: Int, continuation: Int = 0) -> String {
        let leading = String(text.prefix { $0 == " " })
        let words = text.dropFirst(leading.count).split(separator: " ", omittingEmptySubsequences: true)
        var lines: [String] = []
        var line = leading
        for (number, word) in words.enumerated() {
            let lineIsBare = line.count == (lines.isEmpty ? leading.count : continuation)
            let room = number == words.count - 1 ? width : width - 1
            if !lineIsBare && line.count + 1 + word.count > room {
                lines.append(line)
                line = String(repeating: " ", count: continuation) + word
            } else {
                line += (lineIsBare ? "" : " ") + word
            }
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }
}

extension ParsableCommand {
    /// The whole --help of this command.
    public static func helpMessage(columns: Int? = nil) -> String {
        HelpText.help(CommandPath([self]), width: columns ?? HelpText.width)
    }

    /// The usage line(s) of this command, without "Usage: ".
    public static func usageString() -> String {
        HelpText.usageText(CommandPath([self]))
    }

    /// The error's message alone ("Unknown option '--bogus'").
    public static func message(for error: any Error) -> String {
        switch error {
        case let error as CommandLineError: error.description
        case let error as ValidationError: error.message
        default: "\(error)"
        }
    }

    /// What to print for an error: the help asked for, a completion script, or "Error: ..."
    /// with the usage and where to find help.
    public static func fullMessage(for error: any Error) -> String {
        guard let error = error as? CommandLineError else { return "Error: \(message(for: error))" }
        switch error.kind {
        case .helpRequested:
            return HelpText.help(error.command)
        case .completionScript(let shell):
            return CompletionScript.script(for: error.command, shell: shell) ?? ""
        default:
            var lines = ["Error: \(error.description)"]
            if case .missingArgument(let label, let help) = error.kind, !help.isEmpty {
                lines.append("Help:  \(label)  \(help)")
            }
            // A tool run with nothing at all gets its whole help after the error.
            if error.wasEmpty, error.command.types.count == 1, case .missingArgument = error.kind {
                return lines.joined(separator: "\n") + "\n\n" + HelpText.help(error.command)
            }
            lines.append(HelpText.usageText(error.command, prefix: "Usage: "))
            lines.append("  See '\(error.command.joinedNames) --help' for more information.")
            return lines.joined(separator: "\n")
        }
    }

    /// 0 for help and completion scripts, `ExitCode.validationFailure` for a usage error,
    /// the code itself for an `ExitCode`, else 1.
    public static func exitCode(for error: any Error) -> ExitCode {
        switch error {
        case let error as CommandLineError: error.exitCode
        case let code as ExitCode: code
        case is ValidationError: .validationFailure
        default: .failure
        }
    }
}
