/// Reading a command line into a command's declarations.

/// One option, flag or operand of a command.
struct ArgumentDefinition {
    enum Kind { case flag, option, positional }
    var kind: Kind
    /// Long names without "--".
    var longNames: [String]
    var shortNames: [Character]
    var help: String
    /// The value's name in help and usage, without the angle brackets.
    var valueName: String
    var isRequired: Bool
    var isRepeating: Bool
    /// The default the help names ("(default: 6)"); nil when there is none worth naming.
    /// Worked out only for help and completions: the casts it takes are protocol
    /// conformance lookups, a scan of the program's conformance records each.
    var describeDefault: () -> String?
    /// The values an enumeration allows, for the help and the completions (likewise lazy).
    var listAllowedValues: () -> [String]
    /// Parses and stores one value (ignored for a flag); false when the text is no valid value.
    var assign: (String) -> Bool
    /// Whether the command line gave it.
    var isSet: () -> Bool

    var defaultDescription: String? { describeDefault() }
    var allowedValues: [String] { listAllowedValues() }

    /// How the help and messages name it: "-T, --files-from <list>", "<image>".
    var label: String {
        if kind == .positional { return "<\(valueName)>" }
        let names = shortNames.map { "-\($0)" } + longNames.map { "--\($0)" }
        return names.joined(separator: ", ") + (kind == .option ? " <\(valueName)>" : "")
    }

    /// Its first name with its value: "-o <dest>", "--level <n>".
    var shortestLabel: String {
        let name = shortNames.first.map { "-\($0)" } ?? longNames.first.map { "--\($0)" } ?? ""
        return kind == .option ? "\(name) <\(valueName)>" : name
    }
}

/// The commands from the root to the one a command line runs: `ardaku zest get`.
public struct CommandPath {
    public var types: [any ParsableCommand.Type]
    init(_ types: [any ParsableCommand.Type]) { self.types = types }

    var leaf: any ParsableCommand.Type { types[types.count - 1] }
    var names: [String] { types.map { $0.commandName } }
    public var joinedNames: String { names.joined(separator: " ") }
}

/// A usage error, a request for help, or a completion script asked for: what a parse ends
/// with when it does not give a command to run.
/// (Sendable by hand: it holds strings and command types, which never change.)
public struct CommandLineError: Error, CustomStringConvertible, @unchecked Sendable {
    public enum Kind {
        case helpRequested
        case completionScript(String)
        case unknownOption(String)
        case unexpectedArgument(String)
        case missingValue(String)
        case invalidValue(String, for: String)
        case missingArgument(String, help: String)
        case flagWithValue(String)
        case unknownShell(String)
        case invalid(String)
    }

    public var kind: Kind
    public var command: CommandPath
    /// Whether the command line held nothing after the command's name.
    var wasEmpty = false

    init(_ kind: Kind, command: CommandPath, wasEmpty: Bool = false) {
        self.kind = kind
        self.command = command
        self.wasEmpty = wasEmpty
    }

    /// The message, without "Error: " or usage: "Unknown option '--bogus'".
    public var description: String {
        switch kind {
        case .helpRequested, .completionScript: ""
        case .unknownOption(let option): "Unknown option '\(option)'"
        case .unexpectedArgument(let argument): "Unexpected argument '\(argument)'"
        case .missingValue(let option): "Missing value for '\(option)'"
        case .invalidValue(let value, let option): "The value '\(value)' is invalid for '\(option)'"
        case .missingArgument(let argument, _): "Missing expected argument '\(argument)'"
        case .flagWithValue(let flag): "The flag '\(flag)' takes no value"
        case .unknownShell(let shell): "No completion script for the shell '\(shell)' (bash, zsh or fish)"
        case .invalid(let message): message
        }
    }

    var exitCode: ExitCode {
        switch kind {
        case .helpRequested, .completionScript: .success
        default: .validationFailure
        }
    }
}

extension ParsableCommand {
    static var commandName: String {
        configuration.commandName ?? Declarations.kebabCase(String(describing: self))
    }

    /// The command a whole command line (without the program name) runs, parsed and
    /// validated: this command or one of its subcommands.
    public static func parseAsRoot(_ arguments: [String]) throws -> any ParsableCommand {
        var path: [any ParsableCommand.Type] = [self]
        var index = 0
        if arguments.first == "--generate-completion-script" {
            guard arguments.count > 1 else {
                throw CommandLineError(.missingValue("--generate-completion-script <shell>"), command: CommandPath(path))
            }
            guard CompletionScript.shells.contains(arguments[1]) else {
                throw CommandLineError(.unknownShell(arguments[1]), command: CommandPath(path))
            }
            throw CommandLineError(.completionScript(arguments[1]), command: CommandPath(path))
        }
        // The subcommands' names come first: `ardaku zest get ...`.
        while index < arguments.count, !path[path.count - 1].configuration.subcommands.isEmpty {
            let word = arguments[index]
            let parent = path[path.count - 1]
            if word == "help" {
                // `ardaku help zest get`: the help of the command those names reach.
                var helpPath = path
                for name in arguments[(index + 1)...] {
                    guard let next = helpPath[helpPath.count - 1].subcommand(named: name) else {
                        throw CommandLineError(.unexpectedArgument(name), command: CommandPath(helpPath))
                    }
                    helpPath.append(next)
                }
                throw CommandLineError(.helpRequested, command: CommandPath(helpPath))
            }
            if word.hasPrefix("-") { break }
            guard let next = parent.subcommand(named: word) else {
                throw CommandLineError(.unexpectedArgument(word), command: CommandPath(path))
            }
            path.append(next)
            index += 1
        }
        let leaf = path[path.count - 1]
        return try leaf.parseOwnArguments(Array(arguments[index...]), path: CommandPath(path))
    }

    /// This command (one without subcommands), parsed from `arguments` and validated.
    public static func parse(_ arguments: [String]) throws -> Self {
        precondition(configuration.subcommands.isEmpty, "parse(_:) reads a command without subcommands")
        return try parseAsRoot(arguments) as! Self
    }

    static func subcommand(named name: String) -> (any ParsableCommand.Type)? {
        configuration.subcommands.first { $0.commandName == name }
    }

    static func parseOwnArguments(_ arguments: [String], path: CommandPath) throws -> any ParsableCommand {
        var command = Self()
        let definitions = Declarations.definitions(of: command)
        func failure(_ kind: CommandLineError.Kind) -> CommandLineError {
            CommandLineError(kind, command: path, wasEmpty: arguments.isEmpty)
        }
        // A command has a few dozen options at most: a linear search beats building a
        // dictionary, whose generic type the runtime would first have to make (a
        // conformance lookup for its key's Hashable, a scan of every conformance record).
        func definition(long name: Substring) -> ArgumentDefinition? {
            definitions.first { $0.kind != .positional && $0.longNames.contains { $0 == name } }
        }
        func definition(short letter: Character) -> ArgumentDefinition? {
            definitions.first { $0.kind != .positional && $0.shortNames.contains(letter) }
        }
        func store(_ value: String, in definition: ArgumentDefinition) throws {
            guard definition.assign(value) else { throw failure(.invalidValue(value, for: definition.shortestLabel)) }
        }

        var operands: [String] = []
        operands.reserveCapacity(arguments.count)
        var index = 0
        var onlyOperands = false
        // The value after an option: the next argument, unless that looks like an option
        // itself ("-o -r" is a missing value, "-o -" a value).
        func nextValue(for definition: ArgumentDefinition) throws -> String {
            guard index + 1 < arguments.count, arguments[index + 1] == "-" || !arguments[index + 1].hasPrefix("-") else {
                throw failure(.missingValue(definition.shortestLabel))
            }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if onlyOperands || argument == "-" || !argument.hasPrefix("-") {
                operands.append(argument)
            } else if argument == "--" {
                onlyOperands = true
            } else if argument == "-h" || argument == "--help" {
                throw failure(.helpRequested)
            } else if argument.hasPrefix("--") {
                let body = argument.dropFirst(2)
                let equals = body.firstIndex(of: "=")
                let name = equals.map { body[..<$0] } ?? body
                guard let definition = definition(long: name) else { throw failure(.unknownOption("--\(name)")) }
                if definition.kind == .flag {
                    guard equals == nil else { throw failure(.flagWithValue("--\(name)")) }
                    _ = definition.assign("")
                } else {
                    try store(equals.map { String(body[body.index(after: $0)...]) } ?? nextValue(for: definition), in: definition)
                }
            } else {
                // One letter, a group of flags ("-fn"), or a letter and its value ("-C3", "-oout").
                let letters = argument.dropFirst()
                var position = letters.startIndex
                while position < letters.endIndex {
                    let letter = letters[position]
                    guard let definition = definition(short: letter) else {
                        throw failure(.unknownOption(letters.count == 1 ? argument : "-\(letter)"))
                    }
                    position = letters.index(after: position)
                    if definition.kind == .flag {
                        _ = definition.assign("")
                        continue
                    }
                    try store(position < letters.endIndex ? String(letters[position...]) : nextValue(for: definition), in: definition)
                    break
                }
            }
            index += 1
        }

        // Operands fill the arguments in order. A required one takes the next; an optional
        // or repeating one takes only what the required ones after it leave.
        let positionals = definitions.filter { $0.kind == .positional }
        var next = 0
        for (number, definition) in positionals.enumerated() {
            let takesFirst = definition.isRequired && !definition.isRepeating
            let neededAfter = takesFirst ? 0 : positionals[(number + 1)...].filter(\.isRequired).count
            let available = operands.count - next - neededAfter
            let count = definition.isRepeating ? max(0, available) : min(1, max(0, available))
            if count == 0 && definition.isRequired {
                throw failure(.missingArgument(definition.label, help: definition.help))
            }
            for operand in operands[next..<(next + count)] { try store(operand, in: definition) }
            next += count
        }
        if next < operands.count { throw failure(.unexpectedArgument(operands[next])) }
        for definition in definitions where definition.kind == .option && definition.isRequired && !definition.isSet() {
            throw failure(.missingArgument(definition.shortestLabel, help: definition.help))
        }

        do {
            try Declarations.validateGroups(of: command)
            try command.validate()
        } catch let error as ValidationError {
            throw failure(.invalid(error.message))
        }
        return command
    }
}
