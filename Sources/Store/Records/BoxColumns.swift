import GRDB
import Boxes

extension Row {
    /// The `x1, y1, x2, y2` columns every box table shares (stored as REAL,
    /// 0-based continuous pixels, x2/y2 exclusive), as a float32 box.
    func box() throws -> Box {
        let x1: Double = try decode(forColumn: "x1"), y1: Double = try decode(forColumn: "y1")
        let x2: Double = try decode(forColumn: "x2"), y2: Double = try decode(forColumn: "y2")
        return Box(x1: Float(x1), y1: Float(y1), x2: Float(x2), y2: Float(y2))
    }
}
