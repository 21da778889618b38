import Foundation

/// One metric across versions as a horizontal bar chart in SVG, drawn on the server: presentation attributes only (no
/// `style`, which the console's CSP refuses), every label escaped, and a text alternative for screen readers.
struct BarChart {
    struct Bar {
        let label: String
        let value: Double?
    }

    let title: String
    let bars: [Bar]

    static let width = 560.0
    static let labelWidth = 70.0
    static let valueWidth = 70.0
    static let barHeight = 22.0
    static let gap = 8.0
    static let axis = "#8a96ab"
    static let ink = "#1c2430"
    static let muted = "#56627a"
    static let bar = "#1d5fbf"

    var svg: String {
        let values = bars.compactMap(\.value)
        let low = min(0, values.min() ?? 0)
        let high = max(0, values.max() ?? 0)
        let span = high - low == 0 ? 1 : high - low
        let plot = Self.width - Self.labelWidth - Self.valueWidth
        let zero = Self.labelWidth + plot * (0 - low) / span
        let height = Double(bars.count) * (Self.barHeight + Self.gap) + Self.gap
        var parts: [String] = []
        let summary = bars.map { "\($0.label): \($0.value.map(Display.number) ?? "not recorded")" }.joined(separator: ", ")
        parts.append(
            #"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(Int(Self.width)) \#(Int(height))" role="img" aria-label="\#(Markdown.escape(title + ": " + summary))">"#
        )
        parts.append(#"<line x1="\#(Self.format(zero))" y1="0" x2="\#(Self.format(zero))" y2="\#(Self.format(height))" stroke="\#(Self.axis)"/>"#)
        for (index, bar) in bars.enumerated() {
            let y = Self.gap + Double(index) * (Self.barHeight + Self.gap)
            let text = y + Self.barHeight * 0.7
            parts.append(#"<text x="0" y="\#(Self.format(text))" font-size="13" fill="\#(Self.ink)">\#(Markdown.escape(bar.label))</text>"#)
            guard let value = bar.value else {
                parts.append(
                    #"<text x="\#(Self.format(zero + 4))" y="\#(Self.format(text))" font-size="12" fill="\#(Self.muted)">not recorded</text>"#)
                continue
            }
            let end = Self.labelWidth + plot * (value - low) / span
            let x = min(zero, end)
            parts.append(
                #"<rect x="\#(Self.format(x))" y="\#(Self.format(y))" width="\#(Self.format(max(1, abs(end - zero))))" height="\#(Self.format(Self.barHeight))" rx="3" fill="\#(Self.bar)"/>"#
            )
            parts.append(
                #"<text x="\#(Self.format(Self.width - Self.valueWidth + 6))" y="\#(Self.format(text))" font-size="13" fill="\#(Self.ink)">\#(Display.number(value))</text>"#
            )
        }
        parts.append("</svg>")
        return parts.joined()
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
