// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Ardaku",
    products: [
        .library(name: "ArdakuFormat", targets: ["ArdakuFormat"]),
        .library(name: "ArdakuVolume", targets: ["ArdakuVolume"]),
        .library(name: "ArdakuIO", targets: ["ArdakuIO"]),
        .library(name: "ArdakuZest", targets: ["ArdakuZest"]),
        .library(name: "ArdakuCAS", targets: ["ArdakuCAS"]),
        .executable(name: "mkfs.ardaku", targets: ["MkfsArdaku"]),
        .executable(name: "ardaku", targets: ["ArdakuTool"]),
        .library(name: "ArdakuDump", targets: ["ArdakuDump"]),
        .executable(name: "dumpfs", targets: ["Dumpfs"]),
        .library(name: "ArdakuCheck", targets: ["ArdakuCheck"]),
        .executable(name: "fsck.zest", targets: ["FsckZest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // C libraries we build on.
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libdeflate: whole-buffer DEFLATE decoding, twice zlib's speed on small files (ZEST reads).
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // CRC-32 (zlib polynomial) with a PCLMULQDQ fast path; pure computation, no I/O.
        .target(name: "CArdakuCRC", linkerSettings: [.linkedLibrary("z")]),
        // SHA-256 of CAS ids from libcrypto's low-level calls (SHA-NI assembly; a small static link).
        .target(name: "CArdakuSHA256", linkerSettings: [.linkedLibrary("crypto")]),
        // Linux calls Swift's Glibc module hides (_GNU_SOURCE) or cannot import (ioctl macros).
        .target(name: "CArdakuSys"),

        // The on-disk format: layouts, encode/decode, limits. No I/O, never prints.
        .target(name: "ArdakuFormat", dependencies: ["CArdakuCRC"]),
        // The volume library: allocation, the trie, files, transactions, over a PageStore.
        .target(name: "ArdakuVolume", dependencies: ["ArdakuFormat"]),
        // DEFLATE through zlib (raw, zlib and gzip framing; bounded inflation) and libdeflate.
        .target(name: "ArdakuCodec", dependencies: ["CZlib", "CDeflate"]),
        // ZEST volumes: a FAT-style table of linked 4 KiB fragments over segments of compressed content.
        .target(name: "ArdakuZest", dependencies: ["ArdakuFormat", "ArdakuCodec"]),
        // CAS volume: content-addressed objects, chunking, tags, verify/repair, over any ByteStore.
        .target(name: "ArdakuCAS", dependencies: ["ArdakuFormat", "ArdakuCodec", "CArdakuSHA256"]),
        // Images and devices: mmap, pwrite, BLKGETSIZE64, discard, libblkid probing.
        .target(name: "ArdakuIO", dependencies: [
            "ArdakuFormat", "ArdakuVolume", "CBlkid", "CArdakuSys",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // Reading plain command lines without the parser (its start-up cost).
        .target(name: "PlainCommandLine"),
        // The tools' command-line parser: declarations, help, usage errors, completions (no Foundation).
        .target(name: "ToolCommandLine"),
        // Command implementations shared by the executables (argument parsing, rendering).
        .target(name: "ArdakuCLI", dependencies: [
            "ArdakuFormat", "ArdakuVolume", "ArdakuIO", "ArdakuCAS", "ArdakuZest", "PlainCommandLine", "CArdakuSys",
            "ToolCommandLine",
        ]),
        .executableTarget(name: "MkfsArdaku", dependencies: ["ArdakuCLI"]),
        // The multi-call executable that is installed: ardaku, and mkfs.ardaku, fsck.zest,
        // fsck.ardaku and dumpfs as links to it (the name chooses the tool).
        .executableTarget(name: "ArdakuTool", dependencies: ["ArdakuCLI", "FsckCLI", "DumpfsCLI"]),
        // dumpfs views: every structure field by field, owners, raw hex as `hexdump -C`. Renders
        // into an output buffer over the image's bytes; never prints, never trusts a count.
        .target(name: "ArdakuDump", dependencies: ["ArdakuFormat", "ArdakuZest"]),
        // dumpfs's options and its CAS view (shared by the dumpfs executable and the multi-call ardaku).
        .target(name: "DumpfsCLI", dependencies: [
            "ArdakuCLI", "ArdakuDump", "ArdakuFormat", "ArdakuIO", "ArdakuCAS",
            "ToolCommandLine",
        ]),
        .executableTarget(name: "Dumpfs", dependencies: ["DumpfsCLI"]),

        // fsck.zest: the check engine (passes, findings, repair) over a PageStore; no I/O, never prints.
        // Release builds drop the dynamic exclusivity checks (as the standard library's own
        // build does): the passes mutate the checker's bitmaps for every trie node and record,
        // and the checks cost ~10% of a metadata-only check. Debug builds and tests keep them.
        .target(name: "ArdakuCheck", dependencies: ["ArdakuFormat", "ArdakuVolume"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // fsck.zest's options, opening the image, rendering, exit status (shared by the fsck.zest
        // executable and the multi-call ardaku).
        .target(name: "FsckCLI", dependencies: [
            "ArdakuCheck", "ArdakuCheckers", "ArdakuFormat", "ArdakuVolume", "ArdakuIO", "PlainCommandLine",
            "ToolCommandLine",
        ]),
        .executableTarget(name: "FsckZest", dependencies: ["FsckCLI"]),
        // The ZEST and CAS checkers behind ArdakuCheck's NestedVolumeChecker protocol (no I/O),
        // and the list of them fsck.zest registers, shared by the corpus and the crash harness.
        .target(name: "ArdakuCheckers", dependencies: ["ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "ArdakuCAS"]),
        // The corruption corpus: damage recipes, gzip, the fuzz targets' bodies (shared by the tools and tests).
        .target(name: "CheckFixtures", dependencies: ["ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "ArdakuCAS", "ArdakuDump", "ArdakuCLI",
                                                "ArdakuCheckers", "TestSupport", "ArdakuCodec"],
                path: "tools/make-corpus/CheckFixtures"),
        .executableTarget(name: "MakeCorpus", dependencies: ["CheckFixtures", "ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuIO"],
                          path: "tools/make-corpus/MakeCorpus"),
        // The libFuzzer targets, chosen by FUZZ_TARGET (built by tools/fuzz/run with -DFUZZING); without it, a replayer of inputs.
        .executableTarget(name: "FuzzCheck", dependencies: ["CheckFixtures", "TestSupport"], path: "tools/fuzz/FuzzCheck"),

        // The crash harness: operations crashed at every page write or flush, judged by the check
        // engine's repair (shared by tools/crash and the tests); CrashRun is its full run.
        .target(name: "CrashHarness", dependencies: [
            "ArdakuCheck", "ArdakuCheckers", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "ArdakuCAS", "TestSupport",
        ], path: "tools/crash/CrashHarness"),
        .executableTarget(name: "CrashRun", dependencies: ["CrashHarness"], path: "tools/crash/CrashRun"),
        // The byte-flip sweep in-process (a dev tool, not shipped): sweep.py's plan of flips, each
        // checked, repaired and read back through the library calls fsck.zest and ardaku make.
        .executableTarget(name: "SweepFast", dependencies: [
            "ArdakuCheck", "ArdakuCheckers", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "ArdakuCAS",
        ], path: "tools/sweep/fast/SweepFast"),

        .target(name: "TestSupport", dependencies: ["ArdakuFormat", "ArdakuVolume", "ArdakuZest", "ArdakuCAS"], path: "Tests/TestSupport"),
        .testTarget(name: "ArdakuFormatTests", dependencies: ["ArdakuFormat", "TestSupport", "CZlib", "CArdakuCRC"]),
        .testTarget(name: "ArdakuVolumeTests", dependencies: ["ArdakuVolume", "TestSupport"]),
        .testTarget(name: "ArdakuZestTests", dependencies: ["ArdakuCodec", "ArdakuZest", "TestSupport"]),
        .testTarget(name: "ArdakuCASTests", dependencies: ["ArdakuCodec", "ArdakuCAS", "TestSupport"]),
        .testTarget(name: "ArdakuIOTests", dependencies: ["ArdakuIO", "ArdakuVolume", "TestSupport", "CArdakuSys"]),
        .testTarget(name: "ArdakuDumpTests", dependencies: [
            "ArdakuCodec", "ArdakuDump", "ArdakuFormat", "ArdakuVolume", "TestSupport", "Dumpfs", "DumpfsCLI", "CheckFixtures",
        ], exclude: ["Golden"]),
        .testTarget(name: "CrashTests", dependencies: ["CrashHarness", "ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "TestSupport"]),
        .testTarget(name: "ToolCommandLineTests", dependencies: ["ToolCommandLine"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TestSupport", "ArdakuFormat", "ArdakuVolume", "ArdakuIO", "ArdakuCLI", "CArdakuSys",
            "MkfsArdaku", "ArdakuTool", "FsckZest", "Dumpfs",
        ]),
        .testTarget(name: "ArdakuCheckTests", dependencies: [
            "ArdakuCodec", "ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuCAS", "ArdakuIO", "TestSupport", "CheckFixtures", "ArdakuCLI",
        ]),
        .testTarget(name: "ArdakuZestCheckTests", dependencies: [
            "ArdakuCheckers", "ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "TestSupport",
        ]),
        .testTarget(name: "FsckEndToEndTests", dependencies: [
            "ArdakuCodec", "FsckZest", "FsckCLI", "ArdakuCheck", "ArdakuFormat", "ArdakuVolume", "ArdakuZest", "TestSupport", "CheckFixtures",
        ]),
    ]
)
