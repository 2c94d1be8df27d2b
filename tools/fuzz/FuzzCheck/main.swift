import CheckFixtures
import Glibc
import TestSupport

// FuzzCheck: the libFuzzer targets (FuzzTarget: check, zest, cas, dump, extract; the environment's
// FUZZ_TARGET names one, `check` by default; see each body for its input format). Built by
// tools/fuzz/run with -sanitize=fuzzer,address and -DFUZZING, main hands control to
// libFuzzer (SwiftPM links its own main, so the driver is called explicitly). Built
// normally, it replays the files or directories given as arguments, which is how a crash is
// reproduced without the fuzzer.

nonisolated(unsafe) let target: FuzzTarget = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? FuzzTarget.check.rawValue
    guard let target = FuzzTarget(rawValue: name) else {
        print("FUZZ_TARGET=\(name): not one of \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        exit(2)
    }
    return target
}()
nonisolated(unsafe) let scratch = FuzzHarness.scratchStore()

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    if let violation = target.run(UnsafeRawBufferPointer(start: data, count: size), reusing: scratch) {
        fatalError("property violated: \(violation)")
    }
    return 0
}

func readFile(_ path: String) -> [UInt8]? { TestFiles.read(path) }

// `FuzzCheck --image INPUT IMAGE` writes the volume an input describes, to look at it with
// fsck.zest or dumpfs (or, after `0x01`, as a raw-mode seed); in both builds.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--image" {
    guard arguments.count == 3, let input = readFile(arguments[1]), let image = target.image(input),
          let output = fopen(arguments[2], "wb") else {
        print("usage: FuzzCheck --image INPUT IMAGE (INPUT must be readable and not empty)")
        exit(2)
    }
    let written = image.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, output) }
    fclose(output)
    exit(written == image.count ? 0 : 1)
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

target.prepare()
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
#else
func replay(_ path: String) -> Bool {
    guard let bytes = readFile(path) else { return false }
    if let violation = target.run(bytes) {
        print("FAIL \(path): \(violation)")
        return false
    }
    print("ok \(path)")
    return true
}

var failures = 0
for argument in arguments {
    if HostDirectory.kind(of: argument) == S_IFDIR {
        let files = HostDirectory.names(in: argument).sorted().map { argument + "/" + $0 }.filter { HostDirectory.kind(of: $0) == S_IFREG }
        for file in files where !replay(file) { failures += 1 }
    } else if !replay(argument) {
        failures += 1
    }
}
exit(failures == 0 ? 0 : 1)
#endif
