import CairnAPI
import CairnApp
import CairnArtifacts
import CairnCore
import CairnHTTPKit
import CairnPostgres
import CairnServer
import CairnTestSupport
import Crypto
import Foundation
import HTTPTypes
import Testing

/// Version files through the API, against the real PostgreSQL and the filesystem blob store.
@Suite struct ArtifactAPITests {
    static func sha256(_ bytes: [UInt8]) -> String { BlobDigest(bytes: SHA256.hash(data: bytes)).hex }

    /// A tenant with model `m` whose version 1 is PENDING_REGISTRATION; returns the version's base path.
    static func pendingVersion(_ harness: APIHarness, api: APIClient, prefix: String) async throws -> (tenant: Tenant, base: String) {
        let tenant = try await harness.db.makeTenant(prefix)
        let base = "/api/v1/tenants/\(tenant.slug)/models/m/versions/1"
        #expect(try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models", as: "alice", body: #"{"name":"m"}"#).status == .created)
        let version = try await api.call(
            .post, "/api/v1/tenants/\(tenant.slug)/models/m/versions", as: "alice", body: #"{"status":"PENDING_REGISTRATION"}"#)
        #expect(version.status == .created, "\(version.text)")
        return (tenant, base)
    }

    /// Every visible blob and every upload temp file of a tenant, straight from the filesystem.
    static func storedFiles(_ tenant: Tenant) throws -> (blobs: [String], uploads: [String]) {
        let root = "\(try TestBlobs.shared().root)/\(tenant.id.uuidString.lowercased())"
        let manager = FileManager.default
        let blobs = (manager.subpaths(atPath: "\(root)/blobs") ?? []).filter { BlobDigest(hex: ($0 as NSString).lastPathComponent) != nil }
        let uploads = (try? manager.contentsOfDirectory(atPath: "\(root)/uploads")) ?? []
        return (blobs, uploads)
    }

    @Test func filesRoundTripAndFreezeWhenTheVersionIsFinalized() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            let (tenant, base) = try await Self.pendingVersion(harness, api: api, prefix: "files")
            let mlmodel = Array("flavors:\n  onnx: {}\n".utf8)
            let weights = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

            let put1 = try await api.upload("\(base)/files/MLmodel", bytes: mlmodel, as: "alice")
            #expect(put1.status == .created, "\(put1.text)")
            #expect(put1.json?["sha256"]?.string == Self.sha256(mlmodel))
            #expect(put1.json?["media_type"]?.string == "application/yaml")
            #expect(put1.headers[.eTag] == "\"\(Self.sha256(mlmodel))\"")
            let put2 = try await api.upload(
                "\(base)/files/onnx/model.onnx", bytes: weights, as: "bob",
                headers: [HTTPField.Name("Repr-Digest")!: "sha-256=:\(BlobDigest(hex: Self.sha256(weights))!.base64):"])
            #expect(put2.status == .created, "\(put2.text)")
            #expect(put2.json?["format"]?.string == "onnx")
            #expect(put2.json?["size"]?.number == Double(weights.count))

            let list = try await api.call(.get, "\(base)/files", as: "carol")
            #expect(list.status == .ok)
            #expect(list.json?["files"]?.array?.compactMap { $0["path"]?.string } == ["MLmodel", "onnx/model.onnx"])
            #expect(list.json?["total_size"]?.number == Double(mlmodel.count + weights.count))
            #expect(list.json?["status"]?.string == "PENDING_REGISTRATION")

            let got = try await api.download("\(base)/files/onnx/model.onnx", as: "carol")
            #expect(got.status == .ok)
            #expect(got.bytes == weights)
            #expect(got.headers[.eTag] == "\"\(Self.sha256(weights))\"")
            #expect(got.headers[.contentType] == "application/octet-stream")
            #expect(got.headers[.xContentTypeOptions] == "nosniff")
            #expect(got.headers[.contentDisposition] == "attachment; filename*=UTF-8''model.onnx")
            #expect(got.headers[HTTPField.Name("Repr-Digest")!] == "sha-256=:\(BlobDigest(hex: Self.sha256(weights))!.base64):")
            #expect(try await api.download("\(base)/files/MLmodel", as: "carol").bytes == mlmodel)

            // Replacing a path while pending is allowed (200), then finalize seals the tree.
            let newer = Array("flavors: {}\n".utf8)
            #expect(try await api.upload("\(base)/files/MLmodel", bytes: newer, as: "alice").status == .ok)
            let finalized = try await api.call(.post, "\(base)/finalize", as: "bob")
            #expect(finalized.status == .ok, "\(finalized.text)")
            #expect(finalized.json?["status"]?.string == "READY")
            let manifest = FilesManifest.text(of: [
                (try ArtifactPath(decoded: "MLmodel"), BlobDigest(hex: Self.sha256(newer))!, Int64(newer.count)),
                (try ArtifactPath(decoded: "onnx/model.onnx"), BlobDigest(hex: Self.sha256(weights))!, Int64(weights.count)),
            ])
            #expect(finalized.json?["files_digest"]?.string == Self.sha256(Array(manifest.utf8)))

            // Frozen: no upload, replacement or deletion; finalize again changes nothing.
            let late = try await api.upload("\(base)/files/extra.txt", bytes: [1, 2, 3], as: "alice")
            #expect(late.status == .conflict)
            #expect(late.errorCode == "INVALID_STATE")
            #expect(try await api.upload("\(base)/files/MLmodel", bytes: [1], as: "alice").status == .conflict)
            #expect(try await api.call(.delete, "\(base)/files/MLmodel", as: "alice").status == .conflict)
            let again = try await api.call(.post, "\(base)/finalize", as: "alice")
            #expect(again.status == .ok)
            #expect(again.json?["files_digest"] == finalized.json?["files_digest"])
            #expect(try await api.download("\(base)/files/MLmodel", as: "carol").bytes == newer)
            #expect(try Self.storedFiles(tenant).uploads.isEmpty)

            // Every change is audited.
            let audit = try await api.call(.get, "/api/v1/tenants/\(tenant.slug)/audit", as: "dave")
            let actions = audit.json?["entries"]?.array?.compactMap { $0["action"]?.string }.filter {
                $0.hasPrefix("version_file.") || $0.hasSuffix(".finalized")
            }
            #expect(actions?.sorted() == ["model_version.finalized", "version_file.added", "version_file.added", "version_file.replaced"])
        }
    }

    @Test func aDigestMismatchStoresNothing() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            let (tenant, base) = try await Self.pendingVersion(harness, api: api, prefix: "digest")
            let bytes = Array("the real weights".utf8)
            let wrong = String(repeating: "ab", count: 32)
            let viaQuery = try await api.upload("\(base)/files/model.bin?sha256=\(wrong)", bytes: bytes, as: "alice")
            #expect(viaQuery.status == .badRequest)
            #expect(viaQuery.errorCode == "INVALID_PARAMETER_VALUE")
            #expect(viaQuery.json?["message"]?.string?.contains(Self.sha256(bytes)) == true)
            let viaHeader = try await api.upload(
                "\(base)/files/model.bin", bytes: bytes, as: "alice",
                headers: [HTTPField.Name("Digest")!: "SHA-256=\(BlobDigest(hex: wrong)!.base64)"])
            #expect(viaHeader.status == .badRequest)
            let malformed = try await api.upload(
                "\(base)/files/model.bin", bytes: bytes, as: "alice", headers: [HTTPField.Name("Repr-Digest")!: "sha-256=:nope:"])
            #expect(malformed.status == .badRequest)
            let md5Only = try await api.upload(
                "\(base)/files/model.bin", bytes: bytes, as: "alice", headers: [HTTPField.Name("Repr-Digest")!: "md5=:AAAA:"])
            #expect(md5Only.status == .badRequest)

            #expect(try await api.call(.get, "\(base)/files", as: "carol").json?["files"]?.array?.isEmpty == true)
            let stored = try Self.storedFiles(tenant)
            #expect(stored.blobs.isEmpty, "\(stored.blobs)")
            #expect(stored.uploads.isEmpty, "\(stored.uploads)")

            let right = try await api.upload("\(base)/files/model.bin?sha256=\(Self.sha256(bytes).uppercased())", bytes: bytes, as: "alice")
            #expect(right.status == .created, "\(right.text)")
            #expect(try Self.storedFiles(tenant).blobs.count == 1)
        }
    }

    @Test func unsafePathsAreRefusedBeforeAnythingIsStored() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            let (tenant, base) = try await Self.pendingVersion(harness, api: api, prefix: "paths")
            let refused = [
                "../secret", "a/../../etc/passwd", "a/..", "%2e%2e/secret", "..%2fsecret", "a%2fb", "a%2Fb", "a%252fb", "a%5cb", "a\\b",
                "a%00b", "a%0ab", "C:/windows/x", "~/x", "%2fetc/passwd", String(repeating: "d/", count: 33) + "f",
                String(repeating: "x", count: 256), (0..<11).map { _ in String(repeating: "y", count: 100) }.joined(separator: "/"), "%zz",
            ]
            for raw in refused {
                let reply = try await api.upload("\(base)/files/\(raw)", bytes: [1, 2, 3], as: "alice")
                #expect(reply.status == .badRequest, "\(raw): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == "INVALID_PARAMETER_VALUE", "\(raw)")
                let read = try await api.download("\(base)/files/\(raw)", as: "carol")
                #expect(read.status == .badRequest, "GET \(raw): \(read.status)")
            }
            #expect(try Self.storedFiles(tenant).blobs.isEmpty)
            #expect(try await api.call(.get, "\(base)/files", as: "carol").json?["files"]?.array?.isEmpty == true)

            // Harmless forms are normalised: "./" and doubled slashes disappear; encoded spaces and Unicode are fine.
            let normalised = try await api.upload("\(base)/files/./dir//sub/./my%20file%C3%A9.txt", bytes: [1], as: "alice")
            #expect(normalised.status == .created, "\(normalised.text)")
            #expect(normalised.json?["path"]?.string == "dir/sub/my fileé.txt")
            #expect(try await api.download("\(base)/files/dir/sub/my%20file%C3%A9.txt", as: "carol").bytes == [1])
        }
    }

    @Test func rangesConditionalsAndMissingFiles() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            let (_, base) = try await Self.pendingVersion(harness, api: api, prefix: "ranges")
            let bytes = (0..<1000).map { UInt8($0 % 251) }
            #expect(try await api.upload("\(base)/files/data.bin", bytes: bytes, as: "alice").status == .created)
            let url = "\(base)/files/data.bin"
            let etag = "\"\(Self.sha256(bytes))\""

            let first = try await api.download(url, as: "carol", headers: [.range: "bytes=0-9"])
            #expect(first.status == .partialContent)
            #expect(first.bytes == Array(bytes[0...9]))
            #expect(first.headers[.contentRange] == "bytes 0-9/1000")
            let open = try await api.download(url, as: "carol", headers: [.range: "bytes=990-"])
            #expect(open.bytes == Array(bytes[990...]))
            let suffix = try await api.download(url, as: "carol", headers: [.range: "bytes=-5"])
            #expect(suffix.bytes == Array(bytes[995...]))
            #expect(suffix.headers[.contentRange] == "bytes 995-999/1000")
            let clipped = try await api.download(url, as: "carol", headers: [.range: "bytes=500-5000"])
            #expect(clipped.bytes == Array(bytes[500...]))

            let outside = try await api.download(url, as: "carol", headers: [.range: "bytes=1000-1100"])
            #expect(outside.status == .rangeNotSatisfiable)
            #expect(outside.headers[.contentRange] == "bytes */1000")
            #expect(String(decoding: outside.bytes, as: UTF8.self).contains("RANGE_NOT_SATISFIABLE"))

            let multi = try await api.download(url, as: "carol", headers: [.range: "bytes=0-1,5-6"])
            #expect(multi.status == .ok)
            #expect(multi.bytes == bytes)
            let staleIfRange = try await api.download(url, as: "carol", headers: [.range: "bytes=0-1", .ifRange: "\"other\""])
            #expect(staleIfRange.status == .ok)
            #expect(staleIfRange.bytes.count == 1000)
            let freshIfRange = try await api.download(url, as: "carol", headers: [.range: "bytes=0-1", .ifRange: etag])
            #expect(freshIfRange.status == .partialContent)
            let cached = try await api.download(url, as: "carol", headers: [.ifNoneMatch: etag])
            #expect(cached.status == .notModified)
            #expect(cached.bytes.isEmpty)

            let missing = try await api.download("\(base)/files/nothing-here", as: "carol")
            #expect(missing.status == .notFound)
            #expect(String(decoding: missing.bytes, as: UTF8.self).contains("RESOURCE_DOES_NOT_EXIST"))
            #expect(try await api.call(.delete, "\(base)/files/nothing-here", as: "alice").status == .notFound)
        }
    }

    @Test func formatsAreDetectedAndCodeExecutingOnesFlagged() async throws {
        let harness = try await APIHarness.make()
        try await harness.run { api in
            let (_, base) = try await Self.pendingVersion(harness, api: api, prefix: "formats")
            let safetensorsHeader = Array(#"{"w":{}}"#.utf8)
            let cases: [(path: String, bytes: [UInt8], format: String, executes: Bool)] = [
                ("model.onnx", [0x08, 0x07, 0x12], "onnx", false),
                ("weights.bin", [0x80, 0x04, 0x95, 0, 0], "pickle", true),  // a pickle, whatever its name
                ("model.pkl", Array("not even a pickle".utf8), "pickle", true),
                ("model.joblib", [0x80, 0x04, 0x95], "joblib", true),
                ("model.pt", [0x50, 0x4B, 0x03, 0x04, 0], "pytorch", true),
                ("model.safetensors", [UInt8(safetensorsHeader.count), 0, 0, 0, 0, 0, 0, 0] + safetensorsHeader, "safetensors", false),
                ("llm.gguf", Array("GGUF\u{3}\0\0\0".utf8), "gguf", false),
                ("saved/saved_model.pb", [0x08, 0x01], "savedmodel", false),
                ("saved/variables/variables.index", [0], "savedmodel", false),
                ("requirements.txt", Array("torch==2.5\n".utf8), "plain", false),
            ]
            for item in cases {
                let reply = try await api.upload("\(base)/files/\(item.path)", bytes: item.bytes, as: "alice")
                #expect(reply.status == .created, "\(item.path): \(reply.text)")
                #expect(reply.json?["format"]?.string == item.format, "\(item.path): \(reply.text)")
                #expect(reply.json?["executes_code"] == .bool(item.executes), "\(item.path)")
                #expect((reply.json?["warning"]?.string != nil) == item.executes, "\(item.path)")
            }
            let list = try await api.call(.get, "\(base)/files", as: "carol")
            let flagged = list.json?["files"]?.array?.filter { $0["executes_code"] == .bool(true) }.compactMap { $0["path"]?.string }
            #expect(flagged == ["model.joblib", "model.pkl", "model.pt", "weights.bin"])
        }
    }

    @Test func limitsAndStatesAreEnforced() async throws {
        let harness = try await APIHarness.make(artifactLimits: ArtifactLimits(maxFileSize: 1000, maxFilesPerVersion: 2, uploadTimeout: .seconds(60)))
        try await harness.run { api in
            let (tenant, base) = try await Self.pendingVersion(harness, api: api, prefix: "limits")
            let big = try await api.upload("\(base)/files/big.bin", bytes: [UInt8](repeating: 7, count: 1001), as: "alice")
            #expect(big.status == .contentTooLarge, "\(big.text)")
            #expect(big.errorCode == "REQUEST_TOO_LARGE")
            #expect(try Self.storedFiles(tenant).blobs.isEmpty)
            #expect(try Self.storedFiles(tenant).uploads.isEmpty)

            #expect(try await api.upload("\(base)/files/a", bytes: [1], as: "alice").status == .created)
            #expect(try await api.upload("\(base)/files/b", bytes: [2], as: "alice").status == .created)
            let third = try await api.upload("\(base)/files/c", bytes: [3], as: "alice")
            #expect(third.status == .badRequest)
            #expect(third.json?["message"]?.string?.contains("at most 2 files") == true)
            #expect(try await api.upload("\(base)/files/b", bytes: [4], as: "alice").status == .ok, "replacing stays within the limit")
            #expect(try await api.call(.delete, "\(base)/files/a", as: "bob").status == .noContent)
            #expect(try await api.upload("\(base)/files/c", bytes: [3], as: "alice").status == .created)

            // A version registered READY (the default) takes no files.
            let ready = try await api.call(.post, "/api/v1/tenants/\(tenant.slug)/models/m/versions", as: "alice", body: "{}")
            let readyBase = "/api/v1/tenants/\(tenant.slug)/models/m/versions/\(Int(ready.json?["version"]?.number ?? 0))"
            let refused = try await api.upload("\(readyBase)/files/x", bytes: [1], as: "alice")
            #expect(refused.status == .conflict)
            #expect(refused.json?["message"]?.string?.contains("PENDING_REGISTRATION") == true)
            // A READY version cannot be sent back to pending to reopen its files.
            let reopen = try await api.call(.patch, readyBase, as: "alice", body: #"{"status":"PENDING_REGISTRATION"}"#)
            #expect(reopen.status == .conflict)
        }
    }

    @Test func anotherTenantsFilesAreNotFound() async throws {
        let harness = try await APIHarness.make()
        let db = harness.db
        // "theirs" binds none of the fixture's people; it holds the same model, version and path as "mine".
        let theirs = try await db.makeModel("theirs", versions: 1, bindings: [RoleBinding(group: DistinguishedName("cn=nobody,dc=x"), role: .admin)])
        let secret = Array("their s3cret".utf8)
        _ = try await harness.artifacts.put(secret, at: "secret.txt", version: 1, in: theirs, logger: db.logger)
        try await harness.run { api in
            let (_, base) = try await Self.pendingVersion(harness, api: api, prefix: "mine")
            #expect(try await api.upload("\(base)/files/secret.txt", bytes: Array("mine".utf8), as: "alice").status == .created)
            let theirBase = "/api/v1/tenants/\(theirs.slug)/models/m/versions/1"
            for user in ["erin", "alice", "mallory"] {
                let read = try await api.download("\(theirBase)/files/secret.txt", as: user)
                #expect(read.status == .notFound, "\(user): \(read.status)")
                #expect(!String(decoding: read.bytes, as: UTF8.self).contains("s3cret"))
                #expect(try await api.call(.get, "\(theirBase)/files", as: user).status == .notFound)
                #expect(try await api.upload("\(theirBase)/files/secret.txt", bytes: [1], as: user).status == .notFound)
            }
        }
        let still = try await harness.artifacts.store.file(
            try ArtifactPath(decoded: "secret.txt"), version: 1, of: "m", in: theirs, logger: db.logger)
        #expect(still.digest == BlobDigest(bytes: SHA256.hash(data: secret)))
    }
}
