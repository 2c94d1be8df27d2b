/// `@Option`, `@Flag`, `@Argument` and `@OptionGroup`: each holds its declaration and, in
/// a shared box, the value parsing gives it. The box is a reference, so the value a parse
/// fills in through the declarations `Mirror` finds is the value the command reads.

/// Where a declaration keeps its value: empty until parsing (or a default) fills it.
final class ValueBox<Value> {
    var value: Value?
    /// Whether the command line gave a value (an array's first one replaces its default).
    var given = false
    init(_ value: Value?) { self.value = value }

    func read(_ what: @autoclosure () -> String) -> Value {
        guard let value else { preconditionFailure("\(what()) was read before the command line was parsed") }
        return value
    }
}

/// A declaration `Mirror` finds among a command's properties.
protocol Declaration {
    /// The options and arguments it declares, for the property named `property` (kebab-case).
    func definitions(property: String) -> [ArgumentDefinition]
    /// Runs `validate()` of a group's values (nothing for a single option or argument).
    func validateGroup() throws
}

extension Declaration {
    func validateGroup() throws {}
}

/// How an option's value becomes the property's value.
private enum ValueShape<Value> {
    case single((String) -> Value?)
    case repeating((String) -> Value?, append: (Value, Value) -> Value)
}

/// An option that takes a value: `-o DEST`, `--level 9`, `--wait=5`.
@propertyWrapper
public struct Option<Value>: Declaration {
    let box: ValueBox<Value>
    let names: NameSpecification
    let help: ArgumentHelp
    let isRequired: Bool
    let isRepeating: Bool
    let parse: (String) -> Value?
    let combine: ((inout Value, Value) -> Void)?
    var defaultDescription: String?
    var allowedValues: [String] = []

    public var wrappedValue: Value {
        get { box.read("an option") }
        nonmutating set { box.value = newValue }
    }

    private init(box: ValueBox<Value>, names: NameSpecification, help: ArgumentHelp, isRequired: Bool,
                 parse: @escaping (String) -> Value?, combine: ((inout Value, Value) -> Void)? = nil) {
        self.box = box
        self.names = names
        self.help = help
        self.isRequired = isRequired
        self.isRepeating = combine != nil
        self.parse = parse
        self.combine = combine
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        let (long, short) = names.names(property: property)
        return [ArgumentDefinition(
            kind: .option, longNames: long, shortNames: short, help: help.abstract,
            valueName: help.valueName ?? property, isRequired: isRequired, isRepeating: isRepeating,
            defaultDescription: defaultDescription, allowedValues: allowedValues,
            assign: { [box, parse, combine] text in
                guard let value = parse(text) else { return false }
                // In place: thousands of names must not copy the array for each one.
                if let combine, box.given, box.value != nil { combine(&box.value!, value) } else { box.value = value }
                box.given = true
                return true
            },
            isSet: { [box] in box.given })]
    }
}

extension Option where Value: ExpressibleByArgument {
    public init(wrappedValue: Value, name: NameSpecification = .long, help: ArgumentHelp = "") {
        self.init(box: ValueBox(wrappedValue), names: name, help: help, isRequired: false, parse: Value.init(argument:))
        defaultDescription = ValueText.describe(wrappedValue)
        allowedValues = ValueText.caseNames(Value.self)
    }

    public init(name: NameSpecification = .long, help: ArgumentHelp = "") {
        self.init(box: ValueBox(nil), names: name, help: help, isRequired: true, parse: Value.init(argument:))
        allowedValues = ValueText.caseNames(Value.self)
    }
}

extension Option {
    public init<Wrapped: ExpressibleByArgument>(name: NameSpecification = .long, help: ArgumentHelp = "") where Value == Wrapped? {
        self.init(box: ValueBox(.some(nil)), names: name, help: help, isRequired: false, parse: ValueText.parseOptional(Wrapped.self))
        allowedValues = ValueText.caseNames(Wrapped.self)
    }

    /// A repeatable option: each use adds a value (a value given replaces the default).
    public init<Element: ExpressibleByArgument>(wrappedValue: [Element] = [], name: NameSpecification = .long,
                                                 help: ArgumentHelp = "") where Value == [Element] {
        self.init(box: ValueBox(wrappedValue), names: name, help: help, isRequired: false,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }
}

/// An option without a value: `-r`, `--json`.
@propertyWrapper
public struct Flag: Declaration {
    let box: ValueBox<Bool>
    let names: NameSpecification
    let help: ArgumentHelp

    public var wrappedValue: Bool {
        get { box.read("a flag") }
        nonmutating set { box.value = newValue }
    }

    public init(wrappedValue: Bool = false, name: NameSpecification = .long, help: ArgumentHelp = "") {
        box = ValueBox(wrappedValue)
        names = name
        self.help = help
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        let (long, short) = names.names(property: property)
        return [ArgumentDefinition(
            kind: .flag, longNames: long, shortNames: short, help: help.abstract, valueName: "",
            isRequired: false, isRepeating: false, defaultDescription: nil, allowedValues: [],
            assign: { [box] _ in
                box.value = true
                box.given = true
                return true
            },
            isSet: { [box] in box.given })]
    }
}

/// An operand, by position: `<image>`, `[<new-label>]`, `<name> ...`.
@propertyWrapper
public struct Argument<Value>: Declaration {
    let box: ValueBox<Value>
    let help: ArgumentHelp
    let isRequired: Bool
    let parse: (String) -> Value?
    let combine: ((inout Value, Value) -> Void)?
    var defaultDescription: String?

    public var wrappedValue: Value {
        get { box.read("an argument") }
        nonmutating set { box.value = newValue }
    }

    private init(box: ValueBox<Value>, help: ArgumentHelp, isRequired: Bool, parse: @escaping (String) -> Value?,
                 combine: ((inout Value, Value) -> Void)? = nil) {
        self.box = box
        self.help = help
        self.isRequired = isRequired
        self.parse = parse
        self.combine = combine
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        [ArgumentDefinition(
            kind: .positional, longNames: [], shortNames: [], help: help.abstract,
            valueName: help.valueName ?? property, isRequired: isRequired, isRepeating: combine != nil,
            defaultDescription: defaultDescription, allowedValues: [],
            assign: { [box, parse, combine] text in
                guard let value = parse(text) else { return false }
                // In place: thousands of names must not copy the array for each one.
                if let combine, box.given, box.value != nil { combine(&box.value!, value) } else { box.value = value }
                box.given = true
                return true
            },
            isSet: { [box] in box.given })]
    }
}

extension Argument where Value: ExpressibleByArgument {
    public init(wrappedValue: Value, help: ArgumentHelp = "") {
        self.init(box: ValueBox(wrappedValue), help: help, isRequired: false, parse: Value.init(argument:))
        defaultDescription = ValueText.describe(wrappedValue)
    }

    public init(help: ArgumentHelp = "") {
        self.init(box: ValueBox(nil), help: help, isRequired: true, parse: Value.init(argument:))
    }
}

extension Argument {
    public init<Wrapped: ExpressibleByArgument>(help: ArgumentHelp = "") where Value == Wrapped? {
        self.init(box: ValueBox(.some(nil)), help: help, isRequired: false, parse: ValueText.parseOptional(Wrapped.self))
    }

    /// Every remaining operand; without a default at least one is required.
    public init<Element: ExpressibleByArgument>(wrappedValue: [Element], help: ArgumentHelp = "") where Value == [Element] {
        self.init(box: ValueBox(wrappedValue), help: help, isRequired: false,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }

    public init<Element: ExpressibleByArgument>(help: ArgumentHelp = "") where Value == [Element] {
        self.init(box: ValueBox(nil), help: help, isRequired: true,
                  parse: { Element(argument: $0).map { [$0] } }, combine: { $0 += $1 })
    }
}

/// The declarations of another `ParsableArguments` type, taken into this command.
@propertyWrapper
public struct OptionGroup<Value: ParsableArguments>: Declaration {
    let box: ValueBox<Value>

    public var wrappedValue: Value {
        get { box.read("an option group") }
        nonmutating set { box.value = newValue }
    }

    public init() {
        box = ValueBox(Value())
    }

    func definitions(property: String) -> [ArgumentDefinition] {
        Declarations.definitions(of: box.read("an option group"))
    }

    func validateGroup() throws {
        var value = box.read("an option group")
        try Declarations.validateGroups(of: value)
        try value.validate()
    }
}

/// The declarations among a value's stored properties, in the order they are declared.
enum Declarations {
    static func definitions(of arguments: any ParsableArguments) -> [ArgumentDefinition] {
        Mirror(reflecting: arguments).children.flatMap { child -> [ArgumentDefinition] in
            guard let declaration = child.value as? any Declaration, let label = child.label else { return [] }
            return declaration.definitions(property: kebabCase(label.hasPrefix("_") ? String(label.dropFirst()) : label))
        }
    }

    /// Runs `validate()` of every `@OptionGroup` among `arguments`' properties.
    static func validateGroups(of arguments: any ParsableArguments) throws {
        for child in Mirror(reflecting: arguments).children {
            try (child.value as? any Declaration)?.validateGroup()
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
