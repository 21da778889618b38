import CairnCore
import Testing

@testable import CairnMLflow

/// MLflow's search grammar, parsed into the registry's clauses, and its prompt rule.
@Suite struct MLflowFilterTests {
    @Test func clausesOfBothEntities() throws {
        let models = try MLflowFilter(parsing: "name LIKE 'fraud%' AND tag.team = \"risk\" AND name IN ('a', 'b''c')", for: .registeredModels)
        #expect(
            models.clauses == [
                .init(field: .name, op: .like, value: .string("fraud%")), .init(field: .modelTag("team"), op: .equal, value: .string("risk")),
                .init(field: .name, op: .in, value: .strings(["a", "b'c"])),
            ])
        let versions = try MLflowFilter(
            parsing: "run_id NOT IN ('r1') and version_number >= 3 AND source_path ILIKE 's3://%' AND tags.`a b` != 'x'", for: .modelVersions)
        #expect(
            versions.clauses == [
                .init(field: .runID, op: .notIn, value: .strings(["r1"])), .init(field: .version, op: .greaterOrEqual, value: .integer(3)),
                .init(field: .source, op: .ilike, value: .string("s3://%")), .init(field: .versionTag("a b"), op: .notEqual, value: .string("x")),
            ])
        #expect(try MLflowFilter(parsing: "", for: .modelVersions).clauses.isEmpty)
    }

    @Test func promptsAreLeftOutUnlessAskedFor() throws {
        let appended = try MLflowFilter(parsing: "name = 'x' AND tag.`mlflow.prompt.is_prompt` != 'true'", for: .registeredModels)
        #expect(appended.excludesPrompts)
        #expect(appended.clauses == [.init(field: .name, op: .equal, value: .string("x"))])
        #expect(try MLflowFilter(parsing: nil, for: .registeredModels).excludesPrompts)
        #expect(try MLflowFilter(parsing: "tags.`mlflow.prompt.is_prompt` = 'false'", for: .modelVersions).clauses.isEmpty)
        for asking in ["tags.`mlflow.prompt.is_prompt` = 'TRUE'", "tag.`mlflow.prompt.is_prompt` != 'false'"] {
            let prompts = try MLflowFilter(parsing: asking, for: .registeredModels)
            #expect(!prompts.excludesPrompts, "\(asking)")
            #expect(prompts.clauses.count == 1)
        }
    }

    @Test func refusalsUseMLflowsTexts() {
        let cases: [(String, MLflowFilter.Entity, String)] = [
            ("name = 'a' OR name = 'b'", .registeredModels, "Invalid clause(s) in filter string: OR"),
            ("name = x", .registeredModels, "Parameter value is either not quoted or unidentified quote types used for string value x."),
            ("current_stage = 'None'", .modelVersions, "Invalid attribute key 'current_stage' specified."),
            ("run_id = 'r'", .registeredModels, "Invalid attribute key 'run_id' specified. Valid keys are '{'name'}'"),
            ("tag.k IN ('a')", .modelVersions, "Invalid comparator 'IN'"),
            ("version_number = '3'", .modelVersions, "version_number"),
            ("name = 'unterminated", .registeredModels, "unterminated"),
        ]
        for (text, entity, message) in cases {
            #expect {
                _ = try MLflowFilter(parsing: text, for: entity)
            } throws: { error in
                guard let error = error as? CairnError else { return false }
                return error.code == .invalidParameterValue && error.message.contains(message)
            }
        }
    }

    @Test func orderBy() throws {
        #expect(try MLflowOrder.versions([]).text == "updated_at DESC, name ASC, version DESC")
        #expect(try MLflowOrder.versions(["version_number DESC", "creation_timestamp"]).text == "version DESC, created_at ASC")
        #expect(try MLflowOrder.models(["timestamp DESC"]) == [.init(key: .updatedAt, descending: true)])
        #expect(throws: CairnError.self) { try MLflowOrder.models(["creation_timestamp"]) }
        #expect(throws: CairnError.self) { try MLflowOrder.versions(["name", "name DESC"]) }
        #expect(throws: CairnError.self) { try MLflowOrder.versions(["name sideways"]) }
    }
}
