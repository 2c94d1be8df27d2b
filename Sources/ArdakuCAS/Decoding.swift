import ArdakuFormat

/// Runs a typed-throwing decoder over the bytes of an array (Array.withUnsafeBytes only
/// rethrows untyped errors).
func decodeBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
    let result: Result<R, FormatError> = bytes.withUnsafeBytes { raw in
        do throws(FormatError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try result.get()
}
