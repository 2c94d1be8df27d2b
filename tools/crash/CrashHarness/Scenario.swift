import ArdakuFormat
import ArdakuVolume

/// What a volume holds, as the harness expects it: its plain files and, for each file that
/// holds a nested ZEST or CAS volume, what that volume holds.
public struct VolumeState: Equatable, Sendable {
    public enum Nested: Equatable, Sendable {
        /// A ZEST volume: inner name → content.
        case zest([String: [UInt8]])
        /// A CAS volume: tag → content of the object it names.
        case cas([String: [UInt8]])
    }

    public var files: [String: FileContent] = [:]
    public var nested: [String: Nested] = [:]

    public init() {}

    /// Every name in the Ardaku volume.
    public var names: Set<String> { Set(files.keys).union(nested.keys) }

    /// Moves a plain file, as `Volume.move` does (replacing any file at `target`).
    public mutating func move(_ source: String, to target: String) {
        files[target] = files.removeValue(forKey: source)
        nested[target] = nil
    }
}

/// One operation of a scenario: what it does to a volume and what it does to the model.
public struct CrashStep {
    public var label: String
    public var run: (Volume) throws -> Void
    public var model: (inout VolumeState) -> Void
    /// States, besides before and after, that a crash inside this step may leave (a ZEST
    /// rename commits the new name before removing the old one).
    public var intermediate: (VolumeState) -> [VolumeState]

    public init(_ label: String, model: @escaping (inout VolumeState) -> Void,
                intermediate: @escaping (VolumeState) -> [VolumeState] = { _ in [] },
                run: @escaping (Volume) throws -> Void) {
        self.label = label
        self.run = run
        self.model = model
        self.intermediate = intermediate
    }
}

/// A base image and the steps run on it, one after another on one open volume (a crash
/// point anywhere in the sequence judges the step in flight).
public struct CrashScenario {
    public var label: String
    public var baseImage: [UInt8]
    public var baseState: VolumeState
    public var steps: [CrashStep]

    public init(label: String, baseImage: [UInt8], baseState: VolumeState, steps: [CrashStep]) {
        self.label = label
        self.baseImage = baseImage
        self.baseState = baseState
        self.steps = steps
    }

    /// The state before each step and after the last.
    public var states: [VolumeState] {
        var result = [baseState]
        for step in steps {
            var next = result[result.count - 1]
            step.model(&next)
            result.append(next)
        }
        return result
    }
}
