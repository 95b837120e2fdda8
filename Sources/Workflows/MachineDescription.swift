import Foundation

/// One line naming the computer figures were measured on, for reports and tables:
/// timings mean little without the CPU, cores and memory behind them.
public enum MachineDescription {
    public static var current: String {
        var parts: [String] = []
        if let cpu = cpuModel() { parts.append(cpu) }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        parts.append("\(cores) core\(cores == 1 ? "" : "s")")
        let gib = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        parts.append(String(format: "%.0f GiB RAM", gib))
        parts.append(ProcessInfo.processInfo.operatingSystemVersionString)
        return parts.joined(separator: ", ")
    }

    /// The first "model name" of /proc/cpuinfo (Linux); nil elsewhere.
    public static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                let name = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                return name.split(separator: " ").joined(separator: " ")
            }
        }
        return nil
    }
}
