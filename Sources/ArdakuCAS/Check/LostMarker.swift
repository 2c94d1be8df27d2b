import ArdakuFormat

/// Lost markers (docs/FORMAT.md §C2.8): a tag named ".lost/" and the 64 hex digits of the
/// id it names records that the object was named but gone when a repair ran.
public enum LostMarker {
    public static let prefix = ".lost/"

    public static func name(for id: ObjectID) -> String { prefix + id.hex }

    /// True when the tag `name` naming `id` is that id's marker. The length is compared
    /// first: most tags are not markers, and spelling an id in hex is not free.
    public static func isMarker(_ name: String, of id: ObjectID) -> Bool {
        name.utf8.count == prefix.utf8.count + ObjectID.hexCount && name == self.name(for: id)
    }
}
