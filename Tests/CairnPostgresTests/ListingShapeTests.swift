import CairnCore
import Testing

@testable import CairnPostgres

/// The most frequent listing runs as a prepared statement only while its text does not depend on the values asked
/// for: every value must be bound, the limit too, or each request would fall back to an unnamed statement.
@Suite struct ListingShapeTests {
    private func text(model: String?, filter: String? = nil, orderBy: String? = nil, max: Int?, after position: [String]?) throws
        -> String
    {
        let query = try VersionQuery(modelName: model, filter: filter, orderBy: orderBy, maxResults: max, pageToken: nil)
        return try PostgresRegistryStore.searchStatement(query, after: position).0
    }

    @Test func oneModelsVersionsNewestFirstHaveOneTextWhateverTheValues() throws {
        #expect(try text(model: "fraud-detector", max: 7, after: nil) == ListingShape.FirstPage.sql)
        #expect(try text(model: "Churn", max: 1000, after: nil) == ListingShape.FirstPage.sql)
        let cursor = ["1765094400123456", "6f0c2f8e-1d2a-4c47-9a59-3b8f7f0e2d11", "42"]
        #expect(try text(model: "fraud-detector", max: 3, after: cursor) == ListingShape.NextPage.sql)
        #expect(ListingShape.FirstPage.sql != ListingShape.NextPage.sql)
    }

    @Test func otherQueriesAreNotTakenForTheShape() throws {
        let shapes = [ListingShape.FirstPage.sql, ListingShape.NextPage.sql]
        #expect(!shapes.contains(try text(model: "m", filter: "stage = 'Production'", max: 10, after: nil)))
        #expect(!shapes.contains(try text(model: "m", orderBy: "version ASC", max: 10, after: nil)))
        #expect(!shapes.contains(try text(model: nil, max: 10, after: nil)))
    }
}
