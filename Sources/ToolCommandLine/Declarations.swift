/// The tools' command-line parser: the declarations a command is made of.
///
/// The commands declare their options as swift-argument-parser's users do (`@Option`,
/// `@Flag`, `@Argument`, `@OptionGroup`, `CommandConfiguration`), and these types keep those
/// spellings, so a reader who knows that library reads ours. It is our own because that
/// library brings Foundation into the program (its JSON help dump), which alone is a third
/// of the 16 MB the installed tools may take, and because its start-up reflection cost
/// ~2.5 ms, which `fsck -p` at every boot and loops of `ardaku zest get` pay. This one
/// reads a command's declarations once (one `Mirror` over a fresh value), parses with a
/// dictionary per spelling, and makes the help, the usage errors and the bash, zsh and
/// fish completions from the same declarations.

/// Options, flags and arguments of a command, or a group of them shared by several
/// commands (`@OptionGroup`).
public protocol ParsableArguments {
    /// A value whose properties are the declarations, not yet filled in.
    init()
    /// Checks the values together after parsing; a `ValidationError` is a usage error.
    mutating func validate() throws
}

extension ParsableArguments {
    public func validate() throws {}
}

/// A command: its configuration, its declarations, and what it does.
public protocol ParsableCommand: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    mutating func run() throws
}

extension ParsableCommand {
    public static var configuration: CommandConfiguration { CommandConfiguration() }

    /// A command that only groups subcommands shows its help when run alone.
    public func run() throws {
        throw CommandLineError(.helpRequested, command: CommandPath([Self.self]))
    }
}

/// What a command is called and what its help says. (Sendable by hand: it holds strings
/// and command types, which never change.)
public struct CommandConfiguration: @unchecked Sendable {
    /// The name typed on the command line; nil: the type's name in kebab-case.
    public var commandName: String?
    /// One line for the overview and the parent's list of subcommands.
    public var abstract: String
    /// The usage lines, when the generated one does not say it well; "" generates it.
    public var usage: String
    /// Paragraphs after the overview.
    public var discussion: String
    /// Shown as a `--version` row when not empty (the tools answer --version before parsing).
    public var version: String
    public var subcommands: [any ParsableCommand.Type]

    public init(commandName: String? = nil, abstract: String = "", usage: String = "", discussion: String = "",
                version: String = "", subcommands: [any ParsableCommand.Type] = []) {
        self.commandName = commandName
        self.abstract = abstract
        self.usage = usage
        self.discussion = discussion
        self.version = version
        self.subcommands = subcommands
    }
}

/// The help of one option or argument: what it is for and what its value is called.
public struct ArgumentHelp: ExpressibleByStringLiteral, Sendable {
    public var abstract: String
    /// The name of the value in the help and usage (`-L <label>`); nil: the property's name.
    public var valueName: String?

    public init(_ abstract: String, valueName: String? = nil) {
        self.abstract = abstract
        self.valueName = valueName
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }
}

/// How an option is spelled: its property's name as `--long-name`, its first letter as
/// `-l`, or names of its own.
public struct NameSpecification: ExpressibleByArrayLiteral, Sendable {
    public enum Element: Sendable, Equatable {
        case long
        case short
        case customLong(String)
        case customShort(Character)
    }

    var elements: [Element]

    public init(arrayLiteral elements: Element...) {
        self.elements = elements
    }

    public static let long: NameSpecification = [.long]
    public static let short: NameSpecification = [.short]
    public static let shortAndLong: NameSpecification = [.short, .long]
    public static func customLong(_ name: String) -> NameSpecification { [.customLong(name)] }
    public static func customShort(_ letter: Character) -> NameSpecification { [.customShort(letter)] }

    /// The long names (without "--") and short letters these elements give a property.
    func names(property: String) -> (long: [String], short: [Character]) {
        var long: [String] = []
        var short: [Character] = []
        for element in elements {
            switch element {
            case .long: long.append(property)
            case .short: if let letter = property.first { short.append(letter) }
            case .customLong(let name): long.append(name)
            case .customShort(let letter): short.append(letter)
            }
        }
        return (long, short)
    }
}

/// A value an option or argument can be parsed into.
public protocol ExpressibleByArgument {
    /// The value `argument` stands for; nil when it stands for none (a usage error).
    init?(argument: String)
}

extension String: ExpressibleByArgument {
    public init?(argument: String) { self = argument }
}

extension ExpressibleByArgument where Self: FixedWidthInteger {
    /// Decimal digits (a leading sign as Swift's `Int(_:)` takes it; "0x10", "1k" are refused).
    public init?(argument: String) { self.init(argument, radix: 10) }
}

extension Int: ExpressibleByArgument {}
extension Int32: ExpressibleByArgument {}
extension Int64: ExpressibleByArgument {}
extension UInt8: ExpressibleByArgument {}
extension UInt16: ExpressibleByArgument {}
extension UInt32: ExpressibleByArgument {}
extension UInt64: ExpressibleByArgument {}

extension ExpressibleByArgument where Self: RawRepresentable, RawValue: ExpressibleByArgument {
    public init?(argument: String) {
        guard let raw = RawValue(argument: argument) else { return nil }
        self.init(rawValue: raw)
    }
}

/// A usage error a command's `validate()` finds in its values together.
public struct ValidationError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An exit status a command asks for by throwing it.
public struct ExitCode: Error, Equatable, Sendable {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static let success = ExitCode(0)
    public static let failure = ExitCode(1)
    /// A usage error (EX_USAGE). The tools turn it into their own status (1, fsck 16).
    public static let validationFailure = ExitCode(64)
}
