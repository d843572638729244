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
        // OTLP's messages (generated code committed under Sources/UsageKit/OTLP/Generated).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // `usage serve`: the HTTP server, its graceful shutdown, its log, and gzip bodies.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
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
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["OTLP/Proto"],
            resources: [.copy("Pricing/prices.json")]
        ),
        // The OTLP receiver and the report over HTTP: UsageKit behind Hummingbird, kept out of the library so
        // that a program reading logs does not link a server.
        .target(
            name: "UsageServer",
            dependencies: [
                "UsageKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .executableTarget(
            name: "usage",
            dependencies: [
                "UsageKit",
                "UsageServer",
                "SQLiteTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "UsageKitTests",
            dependencies: [
                "UsageKit", .product(name: "CustomDump", package: "swift-custom-dump"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
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
