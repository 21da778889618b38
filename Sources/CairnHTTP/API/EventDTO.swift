import CairnCore

struct EventDTO: Encodable {
    let id: Int64
    let type: String
    let objectType: String
    let objectID: String
    let model: Nullable<String>
    let version: Nullable<Int>
    let payload: JSONValue
    let actor: String
    let requestID: Nullable<String>
    let at: String

    init(_ event: RegistryEvent) {
        id = event.id
        type = event.type
        objectType = event.objectType
        objectID = event.objectID
        model = Nullable(event.model)
        version = Nullable(event.version)
        payload = event.payload
        actor = event.actor
        requestID = Nullable(event.requestID)
        at = RFC3339.format(event.at)
    }

    enum CodingKeys: String, CodingKey {
        case id, type, model, version, payload, actor, at
        case objectType = "object_type"
        case objectID = "object_id"
        case requestID = "request_id"
    }
}
