/// A value built by `Unpickler`. Containers are reference types, as in
/// Python, so that a list or dict memoised before its items are added is
/// seen whole when fetched from the memo later.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too wide for `Int`: its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// A global the allow-list admitted, not yet called.
    case global(module: String, name: String)
    /// Whatever the caller's hooks made of a call or a persistent id.
    case external(AnyObject)

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case let .global(module, name): return "global \(module).\(name)"
        case let .external(object): return String(describing: type(of: object))
        }
    }

    /// The items of a tuple or a list.
    var sequence: [PickleValue]? {
        switch self {
        case let .tuple(t): return t.items
        case let .list(l): return l.items
        default: return nil
        }
    }

    var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    var intValue: Int? {
        switch self {
        case let .int(i): return i
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Nesting depth of containers (0 for scalars).
    fileprivate var depth: Int {
        switch self {
        case let .tuple(t): return t.depth
        case let .list(l): return l.depth
        case let .dict(d): return d.depth
        default: return 0
        }
    }

    fileprivate func markNested() {
        switch self {
        case let .list(l): l.nested = true
        case let .dict(d): d.nested = true
        default: break
        }
    }
}

final class PickleTuple {
    let items: [PickleValue]
    let depth: Int
    init(_ items: [PickleValue]) {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
        for item in items { item.markNested() }
    }
}

final class PickleList {
    var items: [PickleValue] = []
    fileprivate var depth = 1
    /// Set once the list is inside another container: it may then no longer grow deeper.
    fileprivate var nested = false
}

final class PickleDict {
    /// Key-value pairs in insertion order (a later duplicate key wins on lookup).
    var items: [(key: PickleValue, value: PickleValue)] = []
    fileprivate var depth = 1
    fileprivate var nested = false

    subscript(key: String) -> PickleValue? {
        items.last { $0.key.stringValue == key }?.value
    }
}

/// A restricted unpickler for pickle protocols 2–5: it builds data (numbers,
/// strings, tuples, lists, dicts) and hands every call (`REDUCE`, `NEWOBJ`)
/// and persistent id to hooks the caller supplies; a global outside
/// `allowedGlobals` is refused the moment it is named, so no pickle can make
/// anything run. Everything read from the input is bounds-checked: a
/// malformed or hostile stream throws, it never traps or allocates more than
/// a small multiple of its own length.
struct Unpickler {
    /// Raised by hooks; the unpickler adds the file and the opcode's offset.
    struct Refusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    var allowedGlobals: Set<String> = []
    var persistentLoad: (PickleValue) throws -> PickleValue = { _ in throw Refusal("persistent ids are not expected here") }
    /// Called for `REDUCE` and `NEWOBJ` with the global and the argument tuple's items.
    var call: (_ module: String, _ name: String, _ arguments: [PickleValue]) throws -> PickleValue = { module, name, _ in
        throw Refusal("calling \(module).\(name) is not supported")
    }
    let path: String

    /// Containers nest at most this deep (state dicts need about 5).
    static let maximumDepth = 64
    /// At most this many values on the stack or in the memo.
    static let maximumItems = 1 << 22

    init(path: String) { self.path = path }

    /// Unpickles the stream starting at `start`; returns the value and the
    /// offset just past its `STOP` opcode.
    func load(_ raw: UnsafeRawBufferPointer, from start: Int) throws -> (value: PickleValue, end: Int) {
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]
        var pos = start
        var opcodeOffset = start

        func invalid(_ reason: String) -> TorchCheckpointError {
            .invalidPickle(path: path, offset: opcodeOffset, reason: reason)
        }
        func truncated(_ what: String) -> TorchCheckpointError {
            .truncated(path: path, reason: "pickle \(what) at byte \(opcodeOffset) runs past the end of the data (\(raw.count) bytes)")
        }
        func u8() throws -> Int {
            guard pos < raw.count, pos >= 0 else { throw truncated("argument") }
            defer { pos += 1 }
            return Int(raw[pos])
        }
        func le<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            guard let v = raw.littleEndian(type, at: pos) else { throw truncated("argument") }
            pos += MemoryLayout<T>.size
            return v
        }
        func length<T: FixedWidthInteger>(_ type: T.Type) throws -> Int {
            let v = try le(type)
            guard let n = Int(exactly: v), n >= 0 else { throw invalid("negative or oversized length \(v)") }
            guard raw.contains(offset: pos, length: n) else { throw truncated("\(n)-byte argument") }
            return n
        }
        func bytes(_ n: Int) throws -> [UInt8] {
            guard raw.contains(offset: pos, length: n) else { throw truncated("\(n)-byte argument") }
            defer { pos += n }
            return Array(raw[pos..<(pos + n)])
        }
        func utf8(_ n: Int) throws -> String {
            guard raw.contains(offset: pos, length: n) else { throw truncated("\(n)-byte string") }
            defer { pos += n }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: raw[pos..<(pos + n)]), as: UTF8.self) else {
                throw invalid("string is not valid UTF-8")
            }
            return s
        }
        /// Python 2 `str`: UTF-8 when it is, otherwise Latin-1.
        func byteString(_ n: Int) throws -> String {
            let b = try bytes(n)
            if let s = String(validating: b, as: UTF8.self) { return s }
            return String(b.map { Character(Unicode.Scalar($0)) })
        }
        func line() throws -> String {
            var end = pos
            while end < raw.count, raw[end] != 0x0A {
                end += 1
                guard end - pos <= 1024 else { throw invalid("line longer than 1024 bytes") }
            }
            guard end < raw.count else { throw truncated("line") }
            defer { pos = end + 1 }
            guard let s = String(validating: UnsafeRawBufferPointer(rebasing: raw[pos..<end]), as: UTF8.self) else {
                throw invalid("line is not valid UTF-8")
            }
            return s
        }
        func integer(fromLittleEndian b: [UInt8]) -> PickleValue {
            if b.isEmpty { return .int(0) }
            if b.count > 8 { return .bigInt(b) }
            var v: UInt64 = 0
            for (i, byte) in b.enumerated() { v |= UInt64(byte) << (8 * UInt64(i)) }
            if b.count < 8, b[b.count - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(b.count)) }
            return .int(Int(Int64(bitPattern: v)))
        }
        func push(_ v: PickleValue) throws {
            guard stack.count < Unpickler.maximumItems else { throw invalid("more than \(Unpickler.maximumItems) values on the stack") }
            stack.append(v)
        }
        func pop() throws -> PickleValue {
            guard let v = stack.popLast() else { throw invalid("stack underflow") }
            if let m = marks.last, stack.count < m { throw invalid("stack underflow below a mark") }
            return v
        }
        func popToMark() throws -> [PickleValue] {
            guard let m = marks.popLast(), m <= stack.count else { throw invalid("no mark on the stack") }
            let items = Array(stack[m...])
            stack.removeSubrange(m...)
            return items
        }
        func put(_ index: Int) throws {
            guard let top = stack.last else { throw invalid("memo store from an empty stack") }
            guard memo.count < Unpickler.maximumItems || memo[index] != nil else {
                throw invalid("more than \(Unpickler.maximumItems) memo entries")
            }
            memo[index] = top
        }
        func get(_ index: Int) throws {
            guard let v = memo[index] else { throw invalid("memo entry \(index) is missing") }
            try push(v)
        }
        /// Checks that `child` may go inside a container of depth `depth`
        /// (`nested`: that container is itself inside another) and returns
        /// the container's new depth.
        func adopt(_ child: PickleValue, parent: AnyObject, depth: Int, nested: Bool) throws -> Int {
            if case let .list(l) = child, l === parent { throw invalid("a list cannot contain itself") }
            if case let .dict(d) = child, d === parent { throw invalid("a dict cannot contain itself") }
            let needed = child.depth + 1
            guard needed <= Unpickler.maximumDepth else { throw invalid("containers nested deeper than \(Unpickler.maximumDepth)") }
            if needed > depth, nested { throw invalid("a container grows deeper after it was placed inside another") }
            child.markNested()
            return max(depth, needed)
        }
        func append(_ items: [PickleValue], to target: PickleValue) throws {
            guard case let .list(list) = target else { throw invalid("APPEND to a \(target.kind), not a list") }
            for item in items {
                list.depth = try adopt(item, parent: list, depth: list.depth, nested: list.nested)
                list.items.append(item)
            }
        }
        func setItems(_ flat: [PickleValue], in target: PickleValue) throws {
            guard case let .dict(dict) = target else { throw invalid("SETITEM on a \(target.kind), not a dict") }
            guard flat.count % 2 == 0 else { throw invalid("SETITEMS with an odd number of values") }
            var i = 0
            while i < flat.count {
                for v in [flat[i], flat[i + 1]] {
                    dict.depth = try adopt(v, parent: dict, depth: dict.depth, nested: dict.nested)
                }
                dict.items.append((key: flat[i], value: flat[i + 1]))
                i += 2
            }
        }
        func tuple(_ items: [PickleValue]) throws -> PickleValue {
            let t = PickleTuple(items)
            guard t.depth <= Unpickler.maximumDepth else { throw invalid("containers nested deeper than \(Unpickler.maximumDepth)") }
            return .tuple(t)
        }
        func global(_ module: String, _ name: String) throws -> PickleValue {
            guard allowedGlobals.contains("\(module).\(name)") else {
                throw TorchCheckpointError.refusedGlobal(path: path, name: "\(module).\(name)")
            }
            return .global(module: module, name: name)
        }
        func hook<R>(_ body: () throws -> R) throws -> R {
            do { return try body() } catch let refusal as Refusal { throw invalid(refusal.reason) }
        }
        func callGlobal(_ callable: PickleValue, _ arguments: PickleValue, opcode: String) throws -> PickleValue {
            guard case let .global(module, name) = callable else { throw invalid("\(opcode) on a \(callable.kind), not an allowed global") }
            guard case let .tuple(args) = arguments else { throw invalid("\(opcode) arguments are a \(arguments.kind), not a tuple") }
            return try hook { try call(module, name, args.items) }
        }

        while true {
            opcodeOffset = pos
            guard pos >= 0, pos < raw.count else {
                throw TorchCheckpointError.truncated(path: path, reason: "pickle ends at byte \(pos) without a STOP opcode")
            }
            let op = raw[pos]
            pos += 1
            switch op {
            case 0x80: // PROTO
                let version = try u8()
                guard version <= 5 else { throw invalid("pickle protocol \(version) is newer than 5") }
            case 0x95: // FRAME
                _ = try length(UInt64.self)
            case 0x2E: // STOP
                guard let v = stack.last else { throw invalid("STOP with an empty stack") }
                return (v, pos)
            case 0x28: // MARK
                guard marks.count < Unpickler.maximumItems else { throw invalid("too many marks") }
                marks.append(stack.count)
            case 0x30: // POP
                _ = try pop()
            case 0x31: // POP_MARK
                _ = try popToMark()
            case 0x32: // DUP
                guard let top = stack.last else { throw invalid("DUP on an empty stack") }
                try push(top)

            case 0x4E: try push(.none)          // NONE
            case 0x88: try push(.bool(true))    // NEWTRUE
            case 0x89: try push(.bool(false))   // NEWFALSE
            case 0x4A: try push(.int(Int(try le(Int32.self))))  // BININT
            case 0x4B: try push(.int(try u8()))                  // BININT1
            case 0x4D: try push(.int(Int(try le(UInt16.self)))) // BININT2
            case 0x8A: // LONG1
                let n = try u8()
                try push(integer(fromLittleEndian: try bytes(n)))
            case 0x8B: // LONG4
                let n = try length(Int32.self)
                try push(integer(fromLittleEndian: try bytes(n)))
            case 0x47: // BINFLOAT
                guard let bits = raw.bigEndian(UInt64.self, at: pos) else { throw truncated("float") }
                pos += 8
                try push(.float(Double(bitPattern: bits)))

            case 0x58: try push(.string(try utf8(try length(UInt32.self))))  // BINUNICODE
            case 0x8C: try push(.string(try utf8(try u8())))                 // SHORT_BINUNICODE
            case 0x8D: try push(.string(try utf8(try length(UInt64.self))))  // BINUNICODE8
            case 0x54: try push(.string(try byteString(try length(Int32.self)))) // BINSTRING
            case 0x55: try push(.string(try byteString(try u8())))               // SHORT_BINSTRING
            case 0x42: try push(.bytes(try bytes(try length(UInt32.self))))  // BINBYTES
            case 0x43: try push(.bytes(try bytes(try u8())))                 // SHORT_BINBYTES
            case 0x8E, 0x96: try push(.bytes(try bytes(try length(UInt64.self)))) // BINBYTES8, BYTEARRAY8

            case 0x29: try push(try tuple([]))  // EMPTY_TUPLE
            case 0x85: // TUPLE1
                let a = try pop()
                try push(try tuple([a]))
            case 0x86: // TUPLE2
                let b = try pop(), a = try pop()
                try push(try tuple([a, b]))
            case 0x87: // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                try push(try tuple([a, b, c]))
            case 0x74: try push(try tuple(try popToMark()))  // TUPLE

            case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
            case 0x6C: // LIST
                let items = try popToMark()
                let list = PickleValue.list(PickleList())
                try append(items, to: list)
                try push(list)
            case 0x61: // APPEND
                let item = try pop()
                guard let target = stack.last else { throw invalid("APPEND with no list") }
                try append([item], to: target)
            case 0x65: // APPENDS
                let items = try popToMark()
                guard let target = stack.last else { throw invalid("APPENDS with no list") }
                try append(items, to: target)

            case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64: // DICT
                let items = try popToMark()
                let dict = PickleValue.dict(PickleDict())
                try setItems(items, in: dict)
                try push(dict)
            case 0x73: // SETITEM
                let value = try pop(), key = try pop()
                guard let target = stack.last else { throw invalid("SETITEM with no dict") }
                try setItems([key, value], in: target)
            case 0x75: // SETITEMS
                let items = try popToMark()
                guard let target = stack.last else { throw invalid("SETITEMS with no dict") }
                try setItems(items, in: target)

            case 0x71: try put(try u8())                          // BINPUT
            case 0x72: try put(Int(try le(UInt32.self)))          // LONG_BINPUT
            case 0x94: try put(memo.count)                        // MEMOIZE
            case 0x68: try get(try u8())                          // BINGET
            case 0x6A: try get(Int(try le(UInt32.self)))          // LONG_BINGET

            case 0x63: // GLOBAL
                let module = try line()
                let name = try line()
                try push(try global(module, name))
            case 0x93: // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let n = name.stringValue, let m = module.stringValue else {
                    throw invalid("STACK_GLOBAL needs two strings, got \(module.kind) and \(name.kind)")
                }
                try push(try global(m, n))
            case 0x52: // REDUCE
                let args = try pop(), callable = try pop()
                try push(try callGlobal(callable, args, opcode: "REDUCE"))
            case 0x81: // NEWOBJ
                let args = try pop(), cls = try pop()
                try push(try callGlobal(cls, args, opcode: "NEWOBJ"))
            case 0x92: // NEWOBJ_EX
                let kwargs = try pop(), args = try pop(), cls = try pop()
                guard case let .dict(k) = kwargs, k.items.isEmpty else { throw invalid("NEWOBJ_EX with keyword arguments") }
                try push(try callGlobal(cls, args, opcode: "NEWOBJ_EX"))
            case 0x62: // BUILD
                let state = try pop()
                guard let target = stack.last else { throw invalid("BUILD with no object") }
                switch target {
                case .dict, .external:
                    // Attributes set on an OrderedDict (a state dict's `_metadata`)
                    // or on a rebuilt tensor carry no weights: ignored.
                    _ = state
                default:
                    throw invalid("BUILD on a \(target.kind) is not supported")
                }
            case 0x51: // BINPERSID
                let pid = try pop()
                try push(try hook { try persistentLoad(pid) })

            default:
                throw TorchCheckpointError.unsupportedOpcode(path: path, opcode: op, name: Unpickler.opcodeName(op), offset: opcodeOffset)
            }
        }
    }

    /// Pickle's name for an opcode, for error messages.
    static func opcodeName(_ op: UInt8) -> String {
        let names: [UInt8: String] = [
            0x28: "MARK", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x46: "FLOAT", 0x49: "INT",
            0x4A: "BININT", 0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE", 0x50: "PERSID",
            0x51: "BINPERSID", 0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING",
            0x56: "UNICODE", 0x58: "BINUNICODE", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
            0x7D: "EMPTY_DICT", 0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6A: "LONG_BINGET",
            0x6C: "LIST", 0x5D: "EMPTY_LIST", 0x6F: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT",
            0x73: "SETITEM", 0x74: "TUPLE", 0x29: "EMPTY_TUPLE", 0x75: "SETITEMS", 0x47: "BINFLOAT",
            0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1",
            0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8A: "LONG1", 0x8B: "LONG4",
            0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8",
            0x8E: "BINBYTES8", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
            0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER",
            0x98: "READONLY_BUFFER",
        ]
        return names[op] ?? "unknown"
    }
}
