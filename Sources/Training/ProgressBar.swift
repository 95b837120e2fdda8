import Foundation

/// A one-line progress bar on standard error with the running loss and the
/// estimated time left; plain lines when stderr is not a terminal (logs, CI).
public struct ProgressBar {
    let total: Int
    let label: String
    let start = Date()
    let interactive = isatty(2) == 1
    var lastPrint = Date.distantPast

    public init(total: Int, label: String) {
        self.total = max(total, 1)
        self.label = label
    }

    public mutating func update(_ done: Int, detail: String, force: Bool = false) {
        let now = Date()
        if !force && now.timeIntervalSince(lastPrint) < (interactive ? 0.2 : 15) { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 24
        let filled = min(width, width * done / total)
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(label) \(bar) \(done)/\(total) \(detail) ETA \(Self.clock(eta))"
        FileHandle.standardError.write(((interactive ? "\r\u{1B}[K" : "") + line + (interactive ? "" : "\n")).data(using: .utf8)!)
    }

    public func finish() {
        if interactive { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
