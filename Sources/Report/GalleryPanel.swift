import Foundation

/// One picture of the gallery with boxes drawn over it. The SVG's viewBox is the
/// original image size and the (possibly downscaled) JPEG is stretched to it, so
/// boxes are written in the coordinates the pipelines produced.
struct GalleryPanel {
    var title: String
    var kind: Kind
    var item: GalleryItem
    var boxes: [LabeledBox]
    var classColours: Palette

    enum Kind {
        case groundTruth
        case detections(pipeline: String)
    }

    func html(imageURI: String) -> String {
        let w = Double(max(item.width, 1)), h = Double(max(item.height, 1))
        let longer = max(w, h)
        // Line and label sizes follow the image, so thumbnails of big and small
        // photos look alike once scaled to the panel.
        let stroke = max(1.5, longer / 220)
        let font = max(9, longer / 34)
        let boxClass: String
        let pipelineAttribute: String
        switch kind {
        case .groundTruth:
            boxClass = "gt-box"; pipelineAttribute = ""
        case .detections(let pipeline):
            boxClass = "det-box"; pipelineAttribute = " data-pipeline=\"\(HTMLText.escape(pipeline))\""
        }
        var s = "<div class=\"panel\"\(pipelineAttribute)>\n<div class=\"panel-title\">\(HTMLText.escape(title))</div>\n"
        s += "<svg class=\"gallery-panel\" viewBox=\"0 0 \(HTMLText.num(w)) \(HTMLText.num(h))\" role=\"img\" "
        s += "aria-label=\"\(HTMLText.escape("\(item.name): \(title)"))\">\n"
        s += "<image href=\"\(imageURI)\" x=\"0\" y=\"0\" width=\"\(HTMLText.num(w))\" height=\"\(HTMLText.num(h))\" preserveAspectRatio=\"none\"/>\n"
        for b in boxes {
            let x1 = Double(min(max(b.box.x1, 0), Float(w))), y1 = Double(min(max(b.box.y1, 0), Float(h)))
            let x2 = Double(min(max(b.box.x2, 0), Float(w))), y2 = Double(min(max(b.box.y2, 0), Float(h)))
            let colour = classColours.colour(b.className)
            var label = b.className
            if let score = b.score { label += String(format: " %.2f", score) }
            s += "<rect class=\"\(boxClass)\" data-class=\"\(HTMLText.escape(b.className))\" x=\"\(HTMLText.num(x1))\" y=\"\(HTMLText.num(y1))\" "
            s += "width=\"\(HTMLText.num(max(0, x2 - x1)))\" height=\"\(HTMLText.num(max(0, y2 - y1)))\" fill=\"none\" stroke=\"\(colour)\" "
            s += "stroke-width=\"\(HTMLText.num(stroke))\"><title>\(HTMLText.escape(label))</title></rect>\n"
            // Labels go above the box, or inside its top when the box touches the top edge.
            let ty = y1 - stroke >= font ? y1 - stroke : y1 + font + stroke
            // Near the right edge the label ends at the box's right side instead of
            // running off the picture (0.62 em is a generous bold-digit advance).
            let labelWidth = Double(label.count) * font * 0.62
            let rightAligned = x1 + stroke + labelWidth > w
            let tx = rightAligned ? max(labelWidth, x2) - stroke : x1 + stroke
            s += "<text class=\"box-label\" x=\"\(HTMLText.num(tx))\" y=\"\(HTMLText.num(ty - 1))\" font-size=\"\(HTMLText.num(font))\" "
            if rightAligned { s += "text-anchor=\"end\" " }
            s += "fill=\"\(colour)\" stroke-width=\"\(HTMLText.num(font / 4))\">\(HTMLText.escape(label))</text>\n"
        }
        s += "</svg>\n</div>\n"
        return s
    }
}
