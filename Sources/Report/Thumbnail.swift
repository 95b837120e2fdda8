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

    /// Antialiased: plain bilinear sampling would alias fine detail (cell edges,
    /// platelets, text in photos) whenever a photo shrinks by more than 2x.
    static func shrunk(_ image: Image, maxLongerSide: Int) -> Image {
        let longer = max(image.width, image.height)
        guard longer > maxLongerSide else { return image }
        let scale = Double(maxLongerSide) / Double(longer)
        return image.resized(width: max(1, Int((Double(image.width) * scale).rounded())),
                             height: max(1, Int((Double(image.height) * scale).rounded())), antialias: true)
    }
}
