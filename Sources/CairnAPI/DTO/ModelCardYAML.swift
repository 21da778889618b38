import CYaml
import CairnCore
import CairnHTTPKit
import Foundation

/// Reads a model card sent as YAML with libyaml's event parser, never building a document: a card is one flat
/// mapping of field names to text, so anchors and aliases (the "billion laughs" expansion), tags, nested
/// collections and further documents are refused as they are met, and a bounded number of events is read.
enum ModelCardYAML {
    static let maxEvents = 1_000

    static func object(_ bytes: [UInt8]) throws(CairnError) -> JSONObject {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        parser.initialize(to: yaml_parser_t())
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { throw CairnError(.internalError, "The YAML reader could not start.") }
        defer { yaml_parser_delete(parser) }
        return try bytes.withUnsafeBufferPointer { buffer throws(CairnError) in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var reader = EventReader(parser: parser)
            return try reader.card()
        }
    }

    private struct EventReader {
        let parser: UnsafeMutablePointer<yaml_parser_t>
        var count = 0

        init(parser: UnsafeMutablePointer<yaml_parser_t>) { self.parser = parser }

        /// stream-start, document-start, mapping-start, (scalar scalar)*, mapping-end, document-end, stream-end.
        mutating func card() throws(CairnError) -> JSONObject {
            try expect(YAML_STREAM_START_EVENT)
            var event = try next()
            if event.kind == YAML_STREAM_END_EVENT { throw .invalid("A model card (JSON or YAML) is required.") }
            guard event.kind == YAML_DOCUMENT_START_EVENT else { throw Self.malformed }
            event = try next()
            guard event.kind == YAML_MAPPING_START_EVENT else { throw .invalid("The model card must be a YAML mapping.") }
            var object: JSONObject = [:]
            while true {
                let key = try next()
                if key.kind == YAML_MAPPING_END_EVENT { break }
                guard key.kind == YAML_SCALAR_EVENT, let name = key.text else { throw .invalid("Model card field names must be text.") }
                let value = try next()
                guard value.kind == YAML_SCALAR_EVENT else { throw .invalid("Model card field '\(name.prefix(80))' must be text.") }
                guard object[name] == nil else { throw .invalid("Model card field '\(name.prefix(80))' appears twice.") }
                object[name] = value.isNull ? .null : .string(value.text ?? "")
            }
            try expect(YAML_DOCUMENT_END_EVENT)
            guard try next().kind == YAML_STREAM_END_EVENT else { throw .invalid("The model card must be one YAML document.") }
            return object
        }

        private mutating func expect(_ kind: yaml_event_type_t) throws(CairnError) {
            guard try next().kind == kind else { throw Self.malformed }
        }

        private mutating func next() throws(CairnError) -> Event {
            count += 1
            guard count <= ModelCardYAML.maxEvents else { throw .invalid("The model card has too many YAML nodes.") }
            var raw = yaml_event_t()
            guard yaml_parser_parse(parser, &raw) == 1 else { throw Self.malformed }
            defer { yaml_event_delete(&raw) }
            return try Event(raw)
        }

        private static var malformed: CairnError { .invalid("The body is not valid YAML.") }
    }

    /// What the reader keeps of one event; anything that could refer to another node or change a value's type is
    /// refused here.
    private struct Event {
        let kind: yaml_event_type_t
        let text: String?
        let isNull: Bool

        init(_ raw: yaml_event_t) throws(CairnError) {
            kind = raw.type
            switch raw.type {
            case YAML_ALIAS_EVENT:
                throw .invalid("YAML anchors and aliases are not accepted in a model card.")
            case YAML_SCALAR_EVENT:
                let scalar = raw.data.scalar
                guard scalar.anchor == nil else { throw .invalid("YAML anchors and aliases are not accepted in a model card.") }
                guard scalar.tag == nil else { throw .invalid("YAML tags are not accepted in a model card.") }
                let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                text = value
                isNull = scalar.style == YAML_PLAIN_SCALAR_STYLE && ["", "~", "null", "Null", "NULL"].contains(value)
            case YAML_SEQUENCE_START_EVENT:
                guard raw.data.sequence_start.anchor == nil else { throw .invalid("YAML anchors and aliases are not accepted in a model card.") }
                text = nil
                isNull = false
            case YAML_MAPPING_START_EVENT:
                guard raw.data.mapping_start.anchor == nil else { throw .invalid("YAML anchors and aliases are not accepted in a model card.") }
                text = nil
                isNull = false
            default:
                text = nil
                isNull = false
            }
        }
    }
}
