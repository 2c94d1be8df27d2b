// swift-tools-version: 6.1
// The CAS measurement of docs/FORMAT.md §C9: a separate package so that the main
// manifest gains no benchmark target. Build with `swift build -c release` here.
import PackageDescription

let package = Package(
    name: "cas-bench",
    dependencies: [.package(name: "Ardaku", path: "../..")],
    targets: [
        .executableTarget(name: "cas-bench", dependencies: [.product(name: "ArdakuCAS", package: "Ardaku")]),
    ]
)
