public import Foundation

/// A tenant's stored policy: what an admin last saved, and when the schedule next runs it.
public struct StoredRetentionPolicy: Sendable, Equatable {
    public let policy: RetentionPolicy
    public let revision: Int
    public let updatedAt: Date
    /// The author; scheduled runs act as this person.
    public let updatedBy: String
    public let nextRunAt: Date?

    public init(policy: RetentionPolicy, revision: Int, updatedAt: Date, updatedBy: String, nextRunAt: Date?) {
        self.policy = policy
        self.revision = revision
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
        self.nextRunAt = nextRunAt
    }
}

/// What a preview returns: the plan of the stored (or a draft) policy at one instant.
public struct RetentionPreview: Sendable, Equatable {
    /// The stored policy's revision; nil for a draft.
    public let policyRevision: Int?
    public let evaluatedAt: Date
    public let versions: Int
    public let plan: RetentionPlan

    public init(policyRevision: Int?, evaluatedAt: Date, versions: Int, plan: RetentionPlan) {
        self.policyRevision = policyRevision
        self.evaluatedAt = evaluatedAt
        self.versions = versions
        self.plan = plan
    }
}

/// One recorded run of a tenant's policy.
public struct RetentionRun: Sendable, Equatable {
    public enum Trigger: String, Sendable {
        case schedule, manual
    }

    public enum State: String, Sendable, CaseIterable {
        case running, completed, failed
    }

    public struct Counts: Sendable, Equatable {
        public var planned = 0
        public var archived = 0
        public var purged = 0
        public var deleted = 0
        public var skipped = 0

        public init(planned: Int = 0, archived: Int = 0, purged: Int = 0, deleted: Int = 0, skipped: Int = 0) {
            self.planned = planned
            self.archived = archived
            self.purged = purged
            self.deleted = deleted
            self.skipped = skipped
        }

        public var remaining: Int { planned - archived - purged - deleted - skipped }
    }

    public let id: UUID
    public let trigger: Trigger
    /// The schedule slot a scheduled run fills (each slot runs once).
    public let slot: Date?
    public let state: State
    public let policyRevision: Int
    /// Whose authority the actions carry: the policy's author (scheduled) or the person who ran it.
    public let actingAs: String
    public let startedBy: String
    public let startedAt: Date
    public let finishedAt: Date?
    /// How many times another holder took the run over after its lease ran out.
    public let resumed: Int
    public let counts: Counts
    public let error: String?

    public init(
        id: UUID, trigger: Trigger, slot: Date?, state: State, policyRevision: Int, actingAs: String, startedBy: String, startedAt: Date,
        finishedAt: Date?, resumed: Int, counts: Counts, error: String?
    ) {
        self.id = id
        self.trigger = trigger
        self.slot = slot
        self.state = state
        self.policyRevision = policyRevision
        self.actingAs = actingAs
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.resumed = resumed
        self.counts = counts
        self.error = error
    }
}

/// A planned action as the run recorded it, and what became of it.
public struct RecordedRetentionAction: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending, done, skipped
    }

    public let seq: Int
    public let action: RetentionAction
    public let state: State
    /// Why it was skipped (the version changed since the plan).
    public let note: String?
    public let doneAt: Date?

    public init(seq: Int, action: RetentionAction, state: State, note: String?, doneAt: Date?) {
        self.seq = seq
        self.action = action
        self.state = state
        self.note = note
        self.doneAt = doneAt
    }
}

/// How a job or a person asks for a run.
public struct RetentionClaim: Sendable {
    public enum Kind: Sendable {
        /// The schedule's next slot, if it has come; slots are `interval` apart.
        case schedule(interval: Duration)
        /// Now, for this person (`cairn retention run`); resumes an abandoned run first.
        case manual(by: Actor)
    }

    public let kind: Kind
    /// Which replica or command holds the run.
    public let owner: String
    public let now: Date
    /// How long the holder may go without finishing a batch before another may take the run over.
    public let lease: Duration

    public init(kind: Kind, owner: String, now: Date, lease: Duration) {
        self.kind = kind
        self.owner = owner
        self.now = now
        self.lease = lease
    }
}

/// What one batch did.
public struct RetentionStep: Sendable {
    public let run: RetentionRun
    public let processed: Int
    /// Content the purged versions referenced; collect what no live version still uses.
    public let purgedBlobs: [BlobDigest]

    public init(run: RetentionRun, processed: Int, purgedBlobs: [BlobDigest]) {
        self.run = run
        self.processed = processed
        self.purgedBlobs = purgedBlobs
    }
}

/// Thrown by a step when another holder took the run over (this holder's lease ran out).
public struct RetentionLeaseLost: Error, Sendable, CustomStringConvertible {
    public let run: UUID
    public let owner: String

    public init(run: UUID, owner: String) {
        self.run = run
        self.owner = owner
    }

    public var description: String { "retention run \(run.uuidString.lowercased()) is no longer held by \(owner)" }
}
