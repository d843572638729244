// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "usage",
    // Synchronization's Mutex.
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "UsageKit", targets: ["UsageKit"]),
        .executable(name: "usage", targets: ["usage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/pointfreeco/swift-custom-dump", from: "1.7.3"),
    ],
    targets: [
        // A process-wide SQLite setting the executable makes (sqlite3_config is variadic, which Swift cannot call).
        .target(
            name: "SQLiteTuning",
            dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        .target(
            name: "UsageKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            resources: [.copy("Pricing/prices.json")]
        ),
        .executableTarget(
            name: "usage",
            dependencies: [
                "UsageKit",
                "SQLiteTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "UsageKitTests",
            dependencies: ["UsageKit", .product(name: "CustomDump", package: "swift-custom-dump")],
            exclude: ["Golden"]
        ),
        // End to end: runs the built `usage` executable (`swift build` builds it), so it links no module of it.
        .testTarget(
            name: "usageTests",
            dependencies: [.product(name: "CustomDump", package: "swift-custom-dump")],
            exclude: ["Golden"]
        ),
    ]
)
