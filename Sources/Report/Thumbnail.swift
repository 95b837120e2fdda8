import Foundation
import Imaging

extension GalleryItem {
    /// A gallery item whose embedded picture is `image` shrunk so its longer side is at
    /// most `maxLongerSide` and re-encoded as JPEG; boxes stay in `image`'s coordinates.
    /// Keeps the report small: a full-size photo per panel would make it megabytes.
    public init(name: String, image: Image, maxLongerSide: Int = 480, quality: Int = 80,
                groundTruth: [LabeledBox], detections: [PipelineDetections], minimumScore: Float = 0.5) throws {
        guard maxLongerSide > 0 else {
            throw ImagingError.invalidArgument("thumbnail size \(maxLongerSide) must be positive")
        }
        let jpeg = try JPEG.encode(Self.shrunk(image, maxLongerSide: maxLongerSide), quality: quality)
        self.init(name: name, jpeg: jpeg, width: image.width, height: image.height,
                  groundTruth: groundTruth, detections: detections, minimumScore: minimumScore)
    }

    /// Bilinear resizing does not antialias, so big reductions go through halvings
    /// first; a bilinear halving averages 2x2 neighbourhoods (exactly for even sizes).
    static func shrunk(_ image: Image, maxLongerSide: Int) -> Image {
        var current = image
        while max(current.width, current.height) >= 2 * maxLongerSide {
            current = current.resized(width: max(1, current.width / 2), height: max(1, current.height / 2))
        }
        let longer = max(current.width, current.height)
        guard longer > maxLongerSide else { return current }
        let scale = Double(maxLongerSide) / Double(longer)
        return current.resized(width: max(1, Int((Double(current.width) * scale).rounded())),
                               height: max(1, Int((Double(current.height) * scale).rounded())))
    }
}
