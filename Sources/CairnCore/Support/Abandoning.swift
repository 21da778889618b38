/// Runs `operation` and returns its result, or nil once `limit` has passed without one — in which case the operation
/// is cancelled and left to finish on its own. For loops that must keep going even if one call never returns (a
/// PostgresNIO transaction whose connection the server cut can stay pending, seen with 1.33.2).
public func abandoning<Result: Sendable>(
    after limit: Duration, _ operation: @escaping @Sendable () async throws -> Result
) async throws -> Result? {
    let (outcomes, sink) = AsyncStream.makeStream(of: Swift.Result<Result?, any Error>.self)
    let work = Task {
        do {
            sink.yield(.success(try await operation()))
        } catch {
            sink.yield(.failure(error))
        }
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        sink.yield(.success(nil))
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        for await outcome in outcomes {
            if case .success(nil) = outcome { work.cancel() }
            return try outcome.get()
        }
        return nil
    } onCancel: {
        work.cancel()
        sink.finish()
    }
}
