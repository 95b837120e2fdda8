import Foundation

/// Colours for stages, classes and pipelines. Assignment follows a given name
/// order, so the same input always gets the same colours and a stage shared by
/// two pipelines (NMS, RoI pooling) has one colour in both bars.
struct Palette {
    /// Distinct, colour-blind-friendly hues (Okabe–Ito extended with darker shades).
    static let hues = [
        "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9",
        "#8c6d31", "#7b3294", "#117733", "#b2182b", "#4d4d4d", "#2166ac",
    ]

    private(set) var names: [String] = []
    private var index: [String: Int] = [:]

    init(_ names: [String] = []) {
        for n in names { add(n) }
    }

    mutating func add(_ name: String) {
        guard index[name] == nil else { return }
        index[name] = names.count
        names.append(name)
    }

    func colour(_ name: String) -> String {
        guard let i = index[name] else { return "#777777" }
        return Palette.hues[i % Palette.hues.count]
    }

    /// Black or white, whichever reads better on `hex` (#rrggbb), by relative luminance.
    static func label(on hex: String) -> String {
        let digits = Array(hex.dropFirst())
        guard digits.count == 6 else { return "#ffffff" }
        func channel(_ i: Int) -> Double {
            let v = Double(Int(String(digits[i..<(i + 2)]), radix: 16) ?? 0) / 255
            return v <= 0.03928 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
        }
        let l = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
        // Equal contrast against black and white is at L = 0.179.
        return l > 0.179 ? "#111111" : "#ffffff"
    }
}
