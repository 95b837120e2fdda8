import Foundation

/// Text and number formatting for the report. Everything that reaches the HTML
/// goes through `escape`; numbers use fixed C formats so output never depends on
/// the process locale.
enum HTMLText {
    /// Escapes the five characters that matter in element content and in quoted
    /// attributes, so names and YAML can never open a tag or close an attribute.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Milliseconds with precision that suits their size: 12345, 123.4, 1.23.
    static func ms(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        let a = abs(value)
        if a >= 100 { return grouped(Int(value.rounded())) }
        if a >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    /// Seconds for the reference figures: 50, 2, 0.2.
    static func seconds(_ value: Double) -> String {
        if value == value.rounded() { return String(format: "%.0f", value) }
        return String(format: "%g", value)
    }

    /// Thousands separated by a thin space, so "12 345 ms" reads at a glance.
    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{2009}" }
            out.append(c)
        }
        return value < 0 ? "-" + out : out
    }

    static func ap(_ value: Double?) -> String {
        guard let v = value, v.isFinite else { return "—" }
        return String(format: "%.3f", v)
    }

    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "—" }
        return String(format: "%.1f%%", fraction * 100)
    }

    static func speedup(_ value: Double?) -> String {
        guard let v = value, v.isFinite, v > 0 else { return "—" }
        return v >= 10 ? String(format: "%.0f×", v) : String(format: "%.1f×", v)
    }

    /// SVG coordinates: two decimals are far below a pixel and keep the file small.
    static func num(_ value: Double) -> String {
        let s = String(format: "%.2f", value)
        if s.hasSuffix(".00") { return String(s.dropLast(3)) }
        if s.hasSuffix("0") { return String(s.dropLast()) }
        return s
    }

    /// A fragment identifier made of [a-z0-9-] only.
    static func slug(_ s: String) -> String {
        var out = ""
        var lastDash = false
        for ch in s.lowercased().unicodeScalars {
            if (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") {
                out.unicodeScalars.append(ch); lastDash = false
            } else if !lastDash && !out.isEmpty {
                out += "-"; lastDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "x" : out
    }

    /// UTC, to the second, independent of the machine's time zone.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d UTC",
                      c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// Hands out unique element ids from readable names ("pr-rbc", "pr-rbc-2").
    struct IDs {
        private var used: Set<String> = []

        mutating func make(_ prefix: String, _ name: String) -> String {
            let base = prefix + "-" + HTMLText.slug(name)
            var id = base
            var n = 2
            while used.contains(id) { id = base + "-\(n)"; n += 1 }
            used.insert(id)
            return id
        }
    }
}
