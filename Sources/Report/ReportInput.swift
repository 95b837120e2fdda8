import Foundation

/// Everything the HTML report shows, already measured: the report renders, it never
/// computes detections or timings itself, so the same input always gives the same file.
public struct ReportInput: Sendable {
    public var title: String
    public var generatedAt: Date
    /// Free text: CPU, cores, OS, BLAS kernel — whatever the caller knows.
    public var machine: String
    public var pipelines: [PipelineSummary]
    public var prCurves: [PRCurveSeries]
    public var gallery: [GalleryItem]
    public var reference: [ReferenceTiming]
    /// Class order for colours and tables; when empty, the sorted union of every
    /// class name mentioned in the input.
    public var classNames: [String]

    public init(title: String, generatedAt: Date, machine: String,
                pipelines: [PipelineSummary], prCurves: [PRCurveSeries] = [],
                gallery: [GalleryItem] = [], reference: [ReferenceTiming] = ReferenceTiming.classic,
                classNames: [String] = []) {
        self.title = title; self.generatedAt = generatedAt; self.machine = machine
        self.pipelines = pipelines; self.prCurves = prCurves; self.gallery = gallery
        self.reference = reference; self.classNames = classNames
    }

    /// The class order actually used: `classNames` first, then any other class met
    /// in the input, sorted, so an unexpected class still gets a colour.
    public var resolvedClassNames: [String] {
        var seen = Set(classNames)
        var extra = Set<String>()
        for p in pipelines { for c in p.perClassAP where !seen.contains(c.className) { extra.insert(c.className) } }
        for c in prCurves where !seen.contains(c.className) { extra.insert(c.className) }
        for g in gallery {
            for b in g.groundTruth where !seen.contains(b.className) { extra.insert(b.className) }
            for d in g.detections { for b in d.boxes where !seen.contains(b.className) { extra.insert(b.className) } }
        }
        seen.formUnion(extra)
        return classNames + extra.sorted()
    }
}
