import Foundation
import Boxes

/// CSV with one box per row: `path,x1,y1,x2,y2,class`. Coordinates are in the
/// toolkit's convention (0-based continuous pixels, x2/y2 exclusive), not VOC's.
/// The header row is optional. A row whose four coordinates and class are empty
/// (`img.jpg,,,,,`) lists a negative image. Relative paths are resolved against
/// `--images` and then the CSV's own directory; export writes absolute paths.
/// Fields may be double-quoted (RFC 4180) so paths can hold commas.
enum CSVFormat {
    static let header = ["path", "x1", "y1", "x2", "y2", "class"]

    static func read(path: String, imagesDirectory: String?) throws -> AnnotationSet {
        let file = FormatSupport.absolute(path)
        guard FormatSupport.isFile(file) else { throw AnnotationError.unreadable(path: file, reason: "no such file") }
        let rows = try parse(try FormatSupport.readText(file), path: file)
        var searched: [String] = []
        if let imagesDirectory { searched.append(FormatSupport.absolute(imagesDirectory)) }
        searched.append((file as NSString).deletingLastPathComponent)

        var set = AnnotationSet()
        var indexByPath: [String: Int] = [:]
        for (k, row) in rows.enumerated() {
            let location = "line \(row.line)"
            let fields = row.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if k == 0 && fields.map({ $0.lowercased() }) == header { continue }
            if fields.count == 1 && fields[0].isEmpty { continue }
            guard fields.count == 6 else {
                throw AnnotationError.malformed(path: file, location: location,
                                                reason: "expected 6 fields (path,x1,y1,x2,y2,class), found \(fields.count)")
            }
            guard !fields[0].isEmpty else { throw AnnotationError.malformed(path: file, location: location, reason: "empty path") }
            guard let imagePath = FormatSupport.find(fields[0], in: searched) else {
                throw AnnotationError.unknownImage(path: file, location: location, image: fields[0], searched: searched)
            }
            let index: Int
            if let existing = indexByPath[imagePath] {
                index = existing
            } else {
                let (width, height) = try FormatSupport.jpegSize(imagePath)
                index = set.images.count
                indexByPath[imagePath] = index
                set.images.append(AnnotatedImage(fileName: fields[0], path: imagePath, width: width, height: height, source: file))
            }
            if fields[1...5].allSatisfy(\.isEmpty) { continue }
            var v = [Float](repeating: 0, count: 4)
            for c in 0..<4 {
                guard let value = FormatSupport.number(fields[c + 1]) else {
                    throw AnnotationError.malformed(path: file, location: "\(location), \(header[c + 1])",
                                                    reason: "not a number: '\(fields[c + 1])'")
                }
                v[c] = Float(value)
            }
            guard !fields[5].isEmpty else {
                throw AnnotationError.malformed(path: file, location: "\(location), class", reason: "empty class name")
            }
            let box = Box(x1: v[0], y1: v[1], x2: v[2], y2: v[3])
            guard try FormatSupport.keep(box, file: file, location: location, warnings: &set.warnings) else { continue }
            set.images[index].objects.append(AnnotatedObject(category: fields[5], box: box))
        }
        guard !set.images.isEmpty else { throw AnnotationError.noAnnotationFiles(path: file, format: "CSV") }
        set.addMissingCategories()
        return set
    }

    struct Row { var line: Int; var fields: [String] }

    /// Splits CSV text into rows of fields, honouring double quotes.
    static func parse(_ text: String, path: String) throws -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var line = 1, rowLine = 1
        var quoted = false, wasQuoted = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let c = pending { pending = nil; return c }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" { field.append("\"") } else { quoted = false; pending = d }
                    } else { quoted = false }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.trimmingCharacters(in: .whitespaces).isEmpty, !wasQuoted else {
                    throw AnnotationError.malformed(path: path, location: "line \(line)", reason: "stray quote inside a field")
                }
                field = ""; quoted = true; wasQuoted = true
            case ",":
                fields.append(field); field = ""; wasQuoted = false
            case "\n", "\r\n", "\r":
                fields.append(field)
                rows.append(Row(line: rowLine, fields: fields))
                fields = []; field = ""; wasQuoted = false
                line += 1; rowLine = line
            default:
                field.append(c)
            }
        }
        if quoted { throw AnnotationError.malformed(path: path, location: "line \(rowLine)", reason: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); rows.append(Row(line: rowLine, fields: fields)) }
        return rows
    }

    static func quote(_ field: String) -> String {
        if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }

    static func write(_ set: AnnotationSet, to path: String) throws {
        var s = header.joined(separator: ",") + "\n"
        for image in set.images {
            let p = quote(image.path)
            if image.objects.isEmpty { s += "\(p),,,,,\n"; continue }
            for object in image.objects {
                let b = object.box
                s += "\(p),\(FormatSupport.format(b.x1)),\(FormatSupport.format(b.y1)),\(FormatSupport.format(b.x2)),\(FormatSupport.format(b.y2)),\(quote(object.category))\n"
            }
        }
        try FormatSupport.writeText(s, to: FormatSupport.absolute(path))
    }
}
