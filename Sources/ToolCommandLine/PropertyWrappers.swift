/// `@Option`, `@Flag`, `@Argument` and `@OptionGroup`: each is an object holding its
/// declaration and the value parsing gives it, so the value a parse fills in through the
/// declarations `Mirror` finds is the value the command reads (copies of a command share it).
///
/// They are classes with one base class, `Declaration`, because finding them among a
/// command's properties is then a cast to a class: a walk up the superclass chain. A cast
/// to a protocol is a conformance lookup, a scan of the program's ~5,000 conformance records
/// for each new generic type, which made a third of the parser's start-up cost.

/// A declaration `Mirror` finds among a command's properties. (Public only because the
/// public wrappers derive from it; nothing of it is.)
public class Declaration {
    init() {}

    /// The options and arguments it declares, for the property named `property` (kebab-case).
    func definitions(property: String) -> [ArgumentDefinition] { [] }
    /// Runs `validate()` of a group's values (nothing for a single option or argument).
    func validateGroup() throws {}

    static func unparsed(_ what: String) -> Never {
        preconditionFailure("\(what) was read before the command line was parsed")
    }
}

/// An option or operand's value, as parsing (or its default) gives it.
public class ValueDeclaration<Value>: Declaration {
    var value: Value?
    /// Whether the command line gave a value (an array's first one replaces its default).
    var given = false
    let help: ArgumentHelp
    let isRequired: Bool
    let parse: (String) -> Value?
    /// Adds a value to the ones given before: set for a repeatable declaration.
    let combine: ((inout Value, Value) -> Void)?
    var describeDefault: () -> String? = { nil }
    var listAllowedValues: () -> [String] = { [] }

    init(value: Value?, help: ArgumentHelp, isRequired: Bool, parse: @escaping (String) -> Value?,
         combine: ((inout Value, Value) -> Void)?) {
        self.value = value
        self.help = help
        self.isRequired = isRequired
        self.parse = parse
        self.combine = combine
    }

    /// Parses and stores one value; false when `text` is none.
    func assign(_ text: String) -> Bool {
        guard let parsed = parse(text) else { return false }
        // In place: thousands of names must not copy the array for each one.
        if let combine, given, value != nil { combine(&value!, parsed) } else { value = parsed }
        given = true
        return true
    }

    func definition(kind: ArgumentDefinition.Kind, long: [String], short: [Character], property: String) -> ArgumentDefinition {
        ArgumentDefinition(
            kind: kind, longNames: long, shortNames: short, help: help.abstract,
            valueName: help.valueName ?? property, isRequired: isRequired, isRepeating: combine != nil,
            describeDefault: describeDefault, listAllowedValues: listAllowedValues,
            assign: { text in self.assign(text) }, isSet: { self.given })
    }
}

/// An option that takes a value: `-o DEST`, `--level 9`, `--wait=5`.
@propertyWrapper
public final class Option<Value>: ValueDeclaration<Value> {
    let names: NameSpecification

    public var wrappedValue: Value {
        get {
            guard let value else { Self.unparsed("an option") }
            return value
        }
        set { value = newValue }
    }

    init(value: Value?, names: NameSpecification, help: ArgumentHelp, isRequired: Bool,
         parse: @escaping (String) -> Value?, combine: ((inout Value, Value) -> Void)? = nil) {
        self.names = names
        super.init(value: value, help: help, isRequired: isRequired, parse: parse, combine: combine)
    }

    override func definitions(property: String) -> [ArgumentDefinition] {
        let (long, short) = names.names(property: property)
        return [definition(kind: .option, long: long, short: short, property: property)]
    }
}

extension Option where Value: ExpressibleByArgument {
    public convenience init(wrappedValue: Value, name: NameSpecification = .long, help: ArgumentHelp = "") {
        self.init(value: wrappedValue, names: name, help: help, isRequired: false, parse: Value.init(argument:))
        describeDefault = { ValueText.describe(wrappedValue) }
        listAllowedValues = { ValueText.caseNames(Value.self) }
    }

    public convenience init(name: NameSpecification = .long, help: ArgumentHelp = "") {
        self.init(value: nil, names: name, help: help, isRequired: true, parse: Value.init(argument:))
        listAllowedValues = { ValueText.caseNames(Value.self) }
    }
}

extension Option {
    public convenience init<Wrapped: ExpressibleByArgument>(name: NameSpecification = .long, help: ArgumentHelp = "") where Value == Wrapped? {
        self.init(value: .some(nil), names: name, help: help, isRequired: false, parse: ValueText.parseOptional(Wrapped.self))
        listAllowedValues = { ValueText.caseNames(Wrapped.self) }
    }

    /// A repeatable option: each use adds a value (a value given replaces the default).
    public convenience init<Element: ExpressibleByArgument>(wrappedValue: [Element] = [], name: NameSpecification = .long,
                                                             help: ArgumentHelp = "") where Value == [Element] {
        self.init(value: wrappedValue, names: name, help: help, isRequired: false,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }
}

/// An option without a value: `-r`, `--json`.
@propertyWrapper
public final class Flag: ValueDeclaration<Bool> {
    let names: NameSpecification

    public var wrappedValue: Bool {
        get {
            guard let value else { Self.unparsed("a flag") }
            return value
        }
        set { value = newValue }
    }

    public init(wrappedValue: Bool = false, name: NameSpecification = .long, help: ArgumentHelp = "") {
        names = name
        super.init(value: wrappedValue, help: help, isRequired: false, parse: { _ in true }, combine: nil)
    }

    override func definitions(property: String) -> [ArgumentDefinition] {
        let (long, short) = names.names(property: property)
        return [definition(kind: .flag, long: long, short: short, property: property)]
    }
}

/// An operand, by position: `<image>`, `[<new-label>]`, `<name> ...`.
@propertyWrapper
public final class Argument<Value>: ValueDeclaration<Value> {
    public var wrappedValue: Value {
        get {
            guard let value else { Self.unparsed("an argument") }
            return value
        }
        set { value = newValue }
    }

    override func definitions(property: String) -> [ArgumentDefinition] {
        [definition(kind: .positional, long: [], short: [], property: property)]
    }
}

extension Argument where Value: ExpressibleByArgument {
    public convenience init(wrappedValue: Value, help: ArgumentHelp = "") {
        self.init(value: wrappedValue, help: help, isRequired: false, parse: Value.init(argument:), combine: nil)
        describeDefault = { ValueText.describe(wrappedValue) }
    }

    public convenience init(help: ArgumentHelp = "") {
        self.init(value: nil, help: help, isRequired: true, parse: Value.init(argument:), combine: nil)
    }
}

extension Argument {
    public convenience init<Wrapped: ExpressibleByArgument>(help: ArgumentHelp = "") where Value == Wrapped? {
        self.init(value: .some(nil), help: help, isRequired: false, parse: ValueText.parseOptional(Wrapped.self), combine: nil)
    }

    /// Every remaining operand; without a default at least one is required.
    public convenience init<Element: ExpressibleByArgument>(wrappedValue: [Element], help: ArgumentHelp = "") where Value == [Element] {
        self.init(value: wrappedValue, help: help, isRequired: false,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }

    public convenience init<Element: ExpressibleByArgument>(help: ArgumentHelp = "") where Value == [Element] {
        self.init(value: nil, help: help, isRequired: true,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }
}

/// The declarations of another `ParsableArguments` type, taken into this command.
@propertyWrapper
public final class OptionGroup<Value: ParsableArguments>: Declaration {
    public var wrappedValue: Value

    public override init() {
        wrappedValue = Value()
    }

    override func definitions(property: String) -> [ArgumentDefinition] {
        Declarations.definitions(of: wrappedValue)
    }

    override func validateGroup() throws {
        try Declarations.validateGroups(of: wrappedValue)
        try wrappedValue.validate()
    }
}

/// The declarations among a value's stored properties, in the order they are declared.
enum Declarations {
    static func definitions(of arguments: any ParsableArguments) -> [ArgumentDefinition] {
        Mirror(reflecting: arguments).children.flatMap { child -> [ArgumentDefinition] in
            guard let declaration = child.value as? Declaration, let label = child.label else { return [] }
            return declaration.definitions(property: kebabCase(label.hasPrefix("_") ? String(label.dropFirst()) : label))
        }
    }

    /// Runs `validate()` of every `@OptionGroup` among `arguments`' properties.
    static func validateGroups(of arguments: any ParsableArguments) throws {
        for child in Mirror(reflecting: arguments).children {
            try (child.value as? Declaration)?.validateGroup()
        }
    }

    /// "keepOldData" -> "keep-old-data".
    static func kebabCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("-") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// Values as the help shows them, and as parsing makes them.
enum ValueText {
    /// Parses a value of an optional property: a failure is nil, not a value that is nil
    /// (which `Wrapped(argument:)` as a `Wrapped??` would silently be).
    static func parseOptional<Wrapped: ExpressibleByArgument>(_ type: Wrapped.Type) -> (String) -> Wrapped?? {
        { text in
            guard let value = Wrapped(argument: text) else { return Wrapped??.none }
            return Wrapped??.some(value)
        }
    }

    /// A raw value as typed ("full"), anything else as it prints.
    static func describe(_ value: Any) -> String {
        (value as? any RawRepresentable).map { "\($0.rawValue)" } ?? "\(value)"
    }

    /// Every value of an enumeration that lists its cases; none for another type.
    static func caseNames(_ type: Any.Type) -> [String] {
        guard let enumeration = type as? any CaseIterable.Type else { return [] }
        return names(of: enumeration)
    }

    private static func names<T: CaseIterable>(of type: T.Type) -> [String] {
        T.allCases.map { describe($0) }
    }
}
