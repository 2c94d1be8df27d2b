extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `ZestError`: the standard one loses the
    /// error's type.
    func withZestBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZestError) -> R) throws(ZestError) -> R {
        let result: Result<R, ZestError> = withUnsafeBytes { raw in
            do throws(ZestError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
