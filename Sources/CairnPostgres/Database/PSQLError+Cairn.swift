import CairnCore
import Logging
import PostgresNIO

extension PSQLError {
    /// Constraint violations the domain already guards against become client errors; anything else is logged in
    /// full here and surfaces as an internal error without the database's text.
    func translated(logger: Logger) -> any Error {
        let constraint = serverInfo?[.constraintName] ?? ""
        switch serverInfo?[.sqlState] {
        case PostgresError.Code.uniqueViolation.raw:
            return CairnError.alreadyExists(Self.uniqueMessages[constraint] ?? "That object already exists.")
        case PostgresError.Code.checkViolation.raw where constraint == "legal_hold_blocks_delete":
            return CairnError(.invalidState, "A version under legal hold cannot be deleted.")
        case PostgresError.Code.checkViolation.raw where constraint == "version_files_frozen":
            return CairnError(.invalidState, "Only a version in PENDING_REGISTRATION takes file changes; a READY version's files are frozen.")
        case PostgresError.Code.checkViolation.raw where constraint == "version_protected":
            // The protection trigger's own message names the version and what protects it.
            return CairnError(.invalidState, "Refused: \(serverInfo?[.message] ?? "the version is protected from retention").")
        case PostgresError.Code.checkViolation.raw where constraint == "purged_stays_archived" || constraint == "purged_is_final":
            return CairnError(.invalidState, "A purged version stays archived: its files are gone and only its record remains.")
        case PostgresError.Code.checkViolation.raw where constraint == "ready_needs_finalize":
            return CairnError(.invalidState, "A version with files becomes READY only by finalize, which checks its content.")
        case PostgresError.Code.checkViolation.raw where constraint == "metrics_append_only":
            return CairnError(.invalidState, "Metrics of a version that has left None are append-only; record a new evaluation instead.")
        case PostgresError.Code.checkViolation.raw where constraint == "production_card_needs_approver":
            return CairnError.denied("The model card of a Production version is changed only by an approver.")
        case PostgresError.Code.checkViolation.raw where constraint == "production_blocks_delete":
            return CairnError(.invalidState, "A version in Production cannot be deleted; archive it first.")
        case PostgresError.Code.checkViolation.raw where constraint == "transition_requests_four_eyes":
            return CairnError.denied("You requested this transition; a different approver must decide it.")
        case PostgresError.Code.checkViolation.raw where constraint == "proxied_artifact_frozen":
            return CairnError(
                .invalidState, "That artifact directory was registered as a model version and is frozen; upload to a new directory instead.")
        case PostgresError.Code.checkViolation.raw where constraint == "tenant_retired":
            return CairnError(.invalidState, "This tenant has been retired; nothing can be registered in it.")
        case PostgresError.Code.checkViolation.raw where constraint == "version_ready_is_final":
            return CairnError(.invalidState, "A READY version stays READY.")
        case PostgresError.Code.checkViolation.raw, PostgresError.Code.notNullViolation.raw,
            PostgresError.Code.stringDataRightTruncationException.raw, PostgresError.Code.invalidTextRepresentation.raw,
            PostgresError.Code.numericValueOutOfRange.raw, PostgresError.Code.untranslatableCharacter.raw,
            PostgresError.Code.characterNotInRepertoire.raw, PostgresError.Code.datetimeFieldOverflow.raw:
            logger.info("constraint rejected input", metadata: ["cairn.constraint": "\(constraint)"])
            return CairnError.invalid("A value is outside its allowed range or format (\(constraint.isEmpty ? "database check" : constraint)).")
        case "23P01":  // exclusion_violation
            return CairnError(.invalidState, "That would overlap another deployment's serving period on the same target.")
        case PostgresError.Code.foreignKeyViolation.raw:
            return CairnError.notFound("A referenced object does not exist.")
        case PostgresError.Code.insufficientPrivilege.raw:
            logger.error("database refused a statement", metadata: ["error": "\(String(reflecting: self))"])
            return CairnError(.internalError, "The server could not complete the request.")
        case let state? where Self.transientClasses.contains(String(state.prefix(2))):
            logger.warning("database temporarily unavailable", metadata: ["error": "\(String(reflecting: self))"])
            return CairnError(.temporarilyUnavailable, "The registry database could not complete the request; try again.")
        case .some:
            logger.error("database error", metadata: ["error": "\(String(reflecting: self))"])
            return CairnError(.internalError, "The server could not complete the request.")
        case nil:
            // No SQLSTATE: the connection failed, timed out or was closed.
            logger.warning("database connection failed", metadata: ["error": "\(String(reflecting: self))"])
            return CairnError(.temporarilyUnavailable, "The registry database is unreachable; try again.")
        }
    }

    /// SQLSTATE classes worth a retry: connection exception, transaction rollback (serialization, deadlock),
    /// insufficient resources, operator intervention (shutdown, cancel).
    private static let transientClasses: Set<String> = ["08", "40", "53", "57"]

    private static let uniqueMessages = [
        "tenants_slug_key": "A tenant with that slug already exists.",
        "registered_models_tenant_id_name_key": "A registered model with that name already exists.",
        "registered_models_tenant_id_name_key_key": "A registered model whose name looks the same (case or look-alike letters) already exists.",
    ]
}
