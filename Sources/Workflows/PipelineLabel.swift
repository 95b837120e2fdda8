import Foundation

/// What tables, JSON summaries and reports call each pipeline of a set: its
/// name when no other member has that name; otherwise the name with its model
/// file's stem (`faster-rcnn:mine`, two models of one pipeline side by side),
/// and a number when even those agree (`faster-rcnn:mine#2`). Keys made this
/// way never collide, so no result hides another.
public enum PipelineLabel {
    public static func distinct(_ members: [(name: String, model: String?)]) -> [String] {
        var used = Set<String>()
        return members.map { member in
            let shared = members.filter { $0.name == member.name }.count > 1
            let base = shared ? "\(member.name):\(stem(member.model ?? ""))" : member.name
            var label = base, n = 2
            while used.contains(label) { label = "\(base)#\(n)"; n += 1 }
            used.insert(label)
            return label
        }
    }

    /// The model file's name without folder or extension.
    static func stem(_ path: String) -> String {
        URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }
}
