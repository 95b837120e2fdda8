/// Text read from a file, made safe to print: the one place that knows how.
public enum TerminalText {
    /// `text` with control characters escaped and at most `limit` characters,
    /// so an error message or a listing cannot garble a terminal (an escape
    /// sequence) or fake a line of its own (a newline).
    public static func printable(_ text: String, limit: Int = 200) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            if scalar.properties.generalCategory == .control {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > limit ? out + "…" : out
    }
}
