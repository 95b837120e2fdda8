import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small element tree built with Foundation's `XMLParser`; each element remembers
/// the line it starts on so errors can point into the file.
final class XMLElementNode {
    let name: String
    let line: Int
    var text = ""
    var children: [XMLElementNode] = []

    init(name: String, line: Int) { self.name = name; self.line = line }

    func child(_ name: String) -> XMLElementNode? { children.first { $0.name == name } }
    func children(_ name: String) -> [XMLElementNode] { children.filter { $0.name == name } }
    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Parses `data`; a syntax error becomes `AnnotationError.malformed` with its line.
    static func parse(_ data: Data, path: String) throws -> XMLElementNode {
        // Foundation's XMLParser traps on element names that are not valid
        // UTF-8 (found by fuzzing): text that declares no other encoding must
        // be UTF-8 before it gets there.
        if String(data: data, encoding: .utf8) == nil && !declaresOtherEncoding(data) {
            let offset = firstInvalidUTF8(data)
            let line = data.prefix(offset).reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw AnnotationError.malformed(path: path, location: "line \(line)", reason: "not valid UTF-8 text (byte \(offset))")
        }
        let parser = XMLParser(data: blankingProcessingInstructions(data))
        let builder = Builder()
        parser.delegate = builder
        parser.shouldResolveExternalEntities = false
        let ok = parser.parse()
        // Foundation on Linux lets libxml2 recover and returns true after an
        // error (a mismatched end tag, a broken attribute): any error reported
        // rejects the file, as a half-read annotation must not be stored.
        if !ok || builder.root == nil || builder.errorCode != nil {
            let line = builder.errorLine ?? parser.lineNumber
            let column = builder.errorColumn ?? parser.columnNumber
            let reason: String
            if let code = builder.errorCode ?? (parser.parserError as NSError?)?.code {
                reason = "invalid XML (\(Self.describe(code: code)))"
            } else {
                reason = "invalid XML (no root element)"
            }
            throw AnnotationError.malformed(path: path, location: "line \(line), column \(column)", reason: reason)
        }
        return builder.root!
    }

    /// Foundation on Linux passes libxml2's error numbers through unchanged.
    private static func describe(code: Int) -> String {
        switch code {
        case 4: return "empty document"
        case 5: return "extra content after the root element"
        case 9: return "invalid character"
        case 23: return "entity reference without ';'"
        case 26, 27: return "undeclared entity"
        case 68: return "element name expected"
        case 73: return "'>' expected"
        case 76: return "end tag does not match its start tag"
        case 77: return "the document ends inside an element"
        default: return "libxml2 error \(code)"
        }
    }

    /// `data` with every processing instruction but the leading XML declaration
    /// turned into spaces (line breaks kept, so error lines stay right).
    /// Foundation's XMLParser on Linux reads a processing instruction's data
    /// with `strlen` and crashes on one that has none (`<?target?>`, found by
    /// fuzzing); annotation files have no use for them. Only ASCII-compatible
    /// text gets here (see `parse`), so the markers are the bytes `<?` and `?>`.
    static func blankingProcessingInstructions(_ data: Data) -> Data {
        var bytes = [UInt8](data)
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let start = bytes.starts(with: bom) ? 3 : 0
        var i = start, blanked = false
        while i + 1 < bytes.count {
            guard bytes[i] == UInt8(ascii: "<"), bytes[i + 1] == UInt8(ascii: "?") else { i += 1; continue }
            var end = i + 2
            while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">")) { end += 1 }
            guard end + 1 < bytes.count else { break }   // unterminated: libxml2 reports it
            let isDeclaration = i == start && bytes[(i + 2)...].starts(with: Array("xml".utf8))
                && end > i + 5 && [UInt8(ascii: " "), 0x09, 0x0A, 0x0D].contains(bytes[i + 5])
            if !isDeclaration {
                for k in i...(end + 1) where bytes[k] != 0x0A { bytes[k] = UInt8(ascii: " ") }
                blanked = true
            }
            i = end + 2
        }
        return blanked ? Data(bytes) : data
    }

    /// Whether the XML declaration names an encoding other than UTF-8 (libxml2 converts those itself).
    static func declaresOtherEncoding(_ data: Data) -> Bool {
        let head = String(decoding: data.prefix(200), as: UTF8.self).lowercased()
        guard head.hasPrefix("<?xml"), let r = head.range(of: "encoding=") else { return false }
        let value = head[r.upperBound...].dropFirst().prefix { $0 != "\"" && $0 != "'" }
        return !value.isEmpty && value != "utf-8" && value != "utf8"
    }

    /// Offset of the first byte that does not continue a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ data: Data) -> Int {
        var offset = 0
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(v): offset += String(v).utf8.count
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLElementNode?
        var stack: [XMLElementNode] = []
        var errorLine: Int?
        var errorColumn: Int?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let node = XMLElementNode(name: elementName, line: parser.lineNumber)
            if let parent = stack.last { parent.children.append(node) } else if root == nil { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
        }

        var errorCode: Int?

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
            if errorCode == nil {
                errorLine = parser.lineNumber; errorColumn = parser.columnNumber
                errorCode = (parseError as NSError).code
            }
        }
    }
}

enum XMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
