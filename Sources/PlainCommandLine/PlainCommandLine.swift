/// A command line that is nothing but a command's path, flags it knows, options it knows
/// with their values, and operands: read without the parser (ToolCommandLine).
///
/// Why: `ardaku zest get VOLUME NAME` is run in loops and with thousands of names, and
/// `fsck.zest -p` at every boot. The parser costs ~0.7 ms at start-up (2.3 M instructions:
/// `Mirror` over the command makes generic types at run time, each a linear search of the
/// program's protocol conformances; swift-argument-parser, before it, cost 2.5 ms and
/// ~25 µs per operand): more than reading a small file or checking a small volume.
/// Reading a plain line by hand is trivial. Anything else (help, unknown or repeated
/// options, `-`, a value that looks like an option) is not a plain line: the caller hands
/// the whole line to the parser, whose messages and errors stay the only ones.
///
/// A command that accepts plain lines must build from one exactly what the parser builds;
/// each such command has a test that compares the two over many lines.
public struct PlainCommandLine: Equatable, Sendable {
    /// Flags given, as spelled in `Shape.flags` (a group "-fn" gives "-f" and "-n").
    public var flags: Set<String> = []
    /// Option values by the option's canonical spelling (`Shape.valueOptions`' values).
    public var options: [String: String] = [:]
    /// Every other argument, in the order given.
    public var operands: [String] = []

    public init(flags: Set<String> = [], options: [String: String] = [:], operands: [String] = []) {
        self.flags = flags
        self.options = options
        self.operands = operands
    }

    /// What a command's plain lines may hold. Must match the command's declarations.
    public struct Shape: Sendable {
        /// The subcommand names that come first (empty for a tool without subcommands).
        public var path: [String]
        /// Flags, each spelled as given ("-r", "--json").
        public var flags: Set<String>
        /// Each spelling of an option that takes a value, and its canonical spelling.
        public var valueOptions: [String: String]
        /// Operands the parser requires (fewer is its usage error, which it should report).
        public var minimumOperands: Int
        /// Operands the parser accepts at most (more is its usage error).
        public var maximumOperands: Int
        /// Whether "-fn" means "-f -n" (every letter a one-letter flag of this shape).
        public var groupsShortFlags: Bool

        public init(path: [String], flags: Set<String>, valueOptions: [String: String] = [:],
                    minimumOperands: Int = 0, maximumOperands: Int = .max, groupsShortFlags: Bool = false) {
            self.path = path
            self.flags = flags
            self.valueOptions = valueOptions
            self.minimumOperands = minimumOperands
            self.maximumOperands = maximumOperands
            self.groupsShortFlags = groupsShortFlags
        }
    }

    /// The plain line `arguments` (without the program name) make for `shape`, or nil when
    /// they do not start with its path or the parser must read them.
    public static func read(_ arguments: [String], shape: Shape) -> PlainCommandLine? {
        guard arguments.starts(with: shape.path) else { return nil }
        var line = PlainCommandLine()
        line.operands.reserveCapacity(arguments.count - shape.path.count)
        var index = shape.path.count
        var onlyOperands = false
        while index < arguments.count {
            let argument = arguments[index]
            if onlyOperands || !argument.hasPrefix("-") {
                line.operands.append(argument)
            } else if argument == "--" {
                onlyOperands = true
            } else if let option = shape.valueOptions[argument] {
                // The parser takes "-" as a value but refuses one that looks like an option ("-o -x").
                guard index + 1 < arguments.count, arguments[index + 1] == "-" || !arguments[index + 1].hasPrefix("-"),
                      line.options[option] == nil else { return nil }
                line.options[option] = arguments[index + 1]
                index += 1
            } else if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--"),
                      let option = shape.valueOptions[String(argument[..<equals])] {
                let value = String(argument[argument.index(after: equals)...])
                // An empty value ("--files-from=") the parser reads its own way.
                guard !value.isEmpty, line.options[option] == nil else { return nil }
                line.options[option] = value
            } else if let flags = expand(argument, shape: shape), flags.allSatisfy({ !line.flags.contains($0) }),
                      Set(flags).count == flags.count {
                line.flags.formUnion(flags)
            } else {
                return nil  // help, an unknown option, a repeat, "-": the parser decides
            }
            index += 1
        }
        guard (shape.minimumOperands...shape.maximumOperands).contains(line.operands.count) else { return nil }
        return line
    }

    /// The flags `argument` stands for: itself, or the letters of a group; nil when it is
    /// not made of this shape's flags.
    private static func expand(_ argument: String, shape: Shape) -> [String]? {
        if shape.flags.contains(argument) { return [argument] }
        guard shape.groupsShortFlags, argument.count > 2, !argument.hasPrefix("--") else { return nil }
        let letters = argument.dropFirst().map { "-\($0)" }
        return letters.allSatisfy(shape.flags.contains) ? letters : nil
    }
}
