/// An RGB colour in the image's 0...255 range.
public struct Color: Sendable, Equatable {
    public var r: Float
    public var g: Float
    public var b: Float

    public init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r; self.g = g; self.b = b
    }

    public static let black = Color(0, 0, 0)
    public static let white = Color(255, 255, 255)
    public static let red = Color(230, 25, 75)
    public static let green = Color(60, 180, 75)
    public static let blue = Color(0, 130, 200)
    public static let yellow = Color(255, 225, 25)
    public static let orange = Color(245, 130, 48)
    public static let purple = Color(145, 30, 180)
    public static let cyan = Color(70, 240, 240)
    public static let magenta = Color(240, 50, 230)

    /// Distinct colours for class indices (wraps around).
    public static let palette: [Color] = [.red, .green, .blue, .yellow, .orange, .purple, .cyan, .magenta]

    public static func forClass(_ index: Int) -> Color {
        palette[((index % palette.count) + palette.count) % palette.count]
    }

    /// Black or white, whichever reads better on this colour.
    public var contrasting: Color {
        0.299 * r + 0.587 * g + 0.114 * b > 140 ? .black : .white
    }
}

/// Drawing for annotated outputs. Coordinates are the toolkit's continuous
/// pixel coordinates (x2/y2 exclusive); a box covers the pixel columns
/// `floor(x1) ..< ceil(x2)` and likewise rows. Everything is clipped to the image.
extension Image {
    /// Fills integer pixel rows `y0..<y1`, columns `x0..<x1` (clipped).
    public mutating func fillPixels(x0: Int, y0: Int, x1: Int, y1: Int, color: Color) {
        let xa = max(0, x0), xb = min(width, x1), ya = max(0, y0), yb = min(height, y1)
        guard xa < xb, ya < yb else { return }
        let w = width, plane = planeSize
        pixels.withUnsafeMutableBufferPointer { p in
            for (c, v) in [color.r, color.g, color.b].enumerated() {
                for y in ya..<yb {
                    let row = c * plane + y * w
                    for x in xa..<xb { p[row + x] = v }
                }
            }
        }
    }

    /// Fills the box `(x1, y1, x2, y2)`.
    public mutating func fillRectangle(x1: Float, y1: Float, x2: Float, y2: Float, color: Color) {
        guard let r = Image.pixelSpan(x1, y1, x2, y2) else { return }
        fillPixels(x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1, color: color)
    }

    /// Outlines the box with a line `lineWidth` pixels wide drawn inside it, so
    /// the outline never covers context outside the box.
    public mutating func drawRectangle(x1: Float, y1: Float, x2: Float, y2: Float,
                                       color: Color, lineWidth: Int = 2) {
        guard lineWidth > 0, let r = Image.pixelSpan(x1, y1, x2, y2) else { return }
        let lw = lineWidth
        fillPixels(x0: r.x0, y0: r.y0, x1: r.x1, y1: min(r.y0 + lw, r.y1), color: color)          // top
        fillPixels(x0: r.x0, y0: max(r.y1 - lw, r.y0), x1: r.x1, y1: r.y1, color: color)          // bottom
        fillPixels(x0: r.x0, y0: r.y0, x1: min(r.x0 + lw, r.x1), y1: r.y1, color: color)          // left
        fillPixels(x0: max(r.x1 - lw, r.x0), y0: r.y0, x1: r.x1, y1: r.y1, color: color)          // right
    }

    /// Draws `text` with its top-left glyph pixel at (`x`, `y`), each font pixel
    /// a `scale` x `scale` block. Only glyph pixels are written (no background).
    public mutating func drawText(_ text: String, x: Int, y: Int, color: Color, scale: Int = 1) {
        let s = max(1, scale)
        var cx = x
        for ch in text {
            let cols = BitmapFont.columns(of: ch)
            for (i, bits) in cols.enumerated() where bits != 0 {
                for row in 0..<BitmapFont.glyphHeight where bits >> UInt8(row) & 1 == 1 {
                    let px = cx + i * s, py = y + row * s
                    fillPixels(x0: px, y0: py, x1: px + s, y1: py + s, color: color)
                }
            }
            cx += BitmapFont.cellWidth * s
        }
    }

    /// A filled label with `text` at the box's top-left corner: above the box
    /// when there is room, otherwise just inside it. Returns the label's
    /// pixel rectangle (x0, y0, x1, y1 exclusive).
    @discardableResult
    public mutating func drawLabel(_ text: String, x1: Float, y1: Float, background: Color,
                                   textColor: Color? = nil, scale: Int = 1) -> (x0: Int, y0: Int, x1: Int, y1: Int) {
        let s = max(1, scale)
        let size = BitmapFont.size(of: text, scale: s)
        let pad = s
        let w = size.width + 2 * pad, h = size.height + 2 * pad
        let left = Int(x1.rounded(.down)), top = Int(y1.rounded(.down))
        let y0 = top - h >= 0 ? top - h : max(0, top)
        let x0 = min(max(0, left), max(0, width - w))
        fillPixels(x0: x0, y0: y0, x1: x0 + w, y1: y0 + h, color: background)
        drawText(text, x: x0 + pad, y: y0 + pad, color: textColor ?? background.contrasting, scale: s)
        return (x0, y0, x0 + w, y0 + h)
    }

    /// A detection as annotated outputs show it: the box outline and, when
    /// `label` is not empty, a filled label in the same colour.
    public mutating func drawDetection(x1: Float, y1: Float, x2: Float, y2: Float,
                                       label: String, color: Color, lineWidth: Int = 2, textScale: Int = 1) {
        drawRectangle(x1: x1, y1: y1, x2: x2, y2: y2, color: color, lineWidth: lineWidth)
        if !label.isEmpty { drawLabel(label, x1: x1, y1: y1, background: color, scale: textScale) }
    }

    /// Integer pixel span of a continuous box, or nil when it is empty or not finite.
    static func pixelSpan(_ x1: Float, _ y1: Float, _ x2: Float, _ y2: Float) -> (x0: Int, y0: Int, x1: Int, y1: Int)? {
        guard x1.isFinite, y1.isFinite, x2.isFinite, y2.isFinite, x2 > x1, y2 > y1 else { return nil }
        // Clamp before converting so huge coordinates cannot overflow Int.
        func i(_ v: Float) -> Int { Int(min(max(v, -1e9), 1e9)) }
        return (i(x1.rounded(.down)), i(y1.rounded(.down)), i(x2.rounded(.up)), i(y2.rounded(.up)))
    }
}
