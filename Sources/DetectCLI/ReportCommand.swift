import Foundation
import Store

/// Writes the HTML report of a comparison's runs.
func writeComparisonReport(store: Store, comparisonID: Int64, to path: String) throws {
    throw ReportUnavailable(path: path)
}

struct ReportUnavailable: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path): HTML reports are not built into this binary yet" }
}
