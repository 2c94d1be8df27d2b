// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Ardaku",
    products: [
        .library(name: "ArdakuFormat", targets: ["ArdakuFormat"]),
        .library(name: "ArdakuVolume", targets: ["ArdakuVolume"]),
        .library(name: "ArdakuIO", targets: ["ArdakuIO"]),
        .library(name: "ArdakuZest", targets: ["ArdakuZest"]),
        .executable(name: "mkfs.ardaku", targets: ["MkfsArdaku"]),
        .executable(name: "ardaku", targets: ["ArdakuTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // C libraries we build on.
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // CRC-32 (zlib polynomial) with a PCLMULQDQ fast path; pure computation, no I/O.
        .target(name: "CArdakuCRC", linkerSettings: [.linkedLibrary("z")]),
        // Linux calls Swift's Glibc module hides (_GNU_SOURCE) or cannot import (ioctl macros).
        .target(name: "CArdakuSys"),

        // The on-disk format: layouts, encode/decode, limits. No I/O, never prints.
        .target(name: "ArdakuFormat", dependencies: ["CArdakuCRC"]),
        // The volume library: allocation, the trie, files, transactions, over a PageStore.
        .target(name: "ArdakuVolume", dependencies: ["ArdakuFormat"]),
        // ZEST volumes: a FAT-style table of linked 4 KiB fragments over segments of compressed content.
        .target(name: "ArdakuZest", dependencies: ["ArdakuFormat", "CZlib"]),
        // Images and devices: mmap, pwrite, BLKGETSIZE64, discard, libblkid probing.
        .target(name: "ArdakuIO", dependencies: [
            "ArdakuFormat", "ArdakuVolume", "CBlkid", "CArdakuSys",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // Command implementations shared by the executables (argument parsing, rendering).
        .target(name: "ArdakuCLI", dependencies: [
            "ArdakuFormat", "ArdakuVolume", "ArdakuIO", "ArdakuZest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "MkfsArdaku", dependencies: ["ArdakuCLI"]),
        .executableTarget(name: "ArdakuTool", dependencies: ["ArdakuCLI"]),

        .target(name: "TestSupport", dependencies: ["ArdakuFormat", "ArdakuVolume"], path: "Tests/TestSupport"),
        .testTarget(name: "ArdakuFormatTests", dependencies: ["ArdakuFormat", "TestSupport", "CZlib"]),
        .testTarget(name: "ArdakuVolumeTests", dependencies: ["ArdakuVolume", "TestSupport"]),
        .testTarget(name: "ArdakuZestTests", dependencies: ["ArdakuZest", "TestSupport"]),
        .testTarget(name: "ArdakuIOTests", dependencies: ["ArdakuIO", "ArdakuVolume", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "TestSupport", "ArdakuFormat", "ArdakuVolume", "ArdakuIO",
            "MkfsArdaku", "ArdakuTool",
        ]),
    ]
)
