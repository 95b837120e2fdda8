import Foundation
import XCTest
import GRDB
import Imaging

/// `detect train` and `detect run` unchanged on a dataset unlike BCCD: one
/// class, grayscale (one-component) and colour JPEGs from 220 to 1,600 px,
/// portrait and landscape, CSV annotations and an image without objects.
final class OtherDatasetTests: XCTestCase {
    /// A textured background with bright discs ("blobs") at known places.
    func makeImage(width: Int, height: Int, blobs: [(x: Int, y: Int, r: Int)], seed: UInt64) -> Image {
        var state = seed
        var image = Image(width: width, height: height, fill: (60, 70, 80))
        let plane = width * height
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let noise = Float((state >> 33) % 40)
                var v: Float = 50 + noise
                for b in blobs where (x - b.x) * (x - b.x) + (y - b.y) * (y - b.y) <= b.r * b.r { v = 220 + noise / 4 }
                image.pixels[y * width + x] = v
                image.pixels[plane + y * width + x] = v * 0.9
                image.pixels[2 * plane + y * width + x] = v * 0.8
            }
        }
        return image
    }

    func testOneClassGrayscaleAndVariedSizes() throws {
        let dir = try Fixture.temporaryDirectory(self)
        try PipelineCommandsTests.writeSmallPipelines(in: dir)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        let specs: [(name: String, w: Int, h: Int, gray: Bool, blobs: [(x: Int, y: Int, r: Int)])] = [
            ("a.jpg", 220, 300, true, [(60, 80, 30), (150, 200, 40)]),
            ("b.jpg", 1600, 1200, false, [(400, 300, 150), (1100, 800, 200)]),
            ("c.jpg", 640, 360, true, [(320, 180, 60)]),
            ("d.jpg", 300, 900, false, []),
        ]
        var csv = "path,x1,y1,x2,y2,class\n"
        for (i, s) in specs.enumerated() {
            let image = makeImage(width: s.w, height: s.h, blobs: s.blobs, seed: UInt64(i + 1))
            try JPEG.write(image, to: dir + "/photos/" + s.name, quality: 90, grayscale: s.gray)
            if s.blobs.isEmpty { csv += "photos/\(s.name),,,,,\n" }
            for b in s.blobs {
                csv += "photos/\(s.name),\(b.x - b.r),\(b.y - b.r),\(b.x + b.r + 1),\(b.y + b.r + 1),blob\n"
            }
        }
        XCTAssertEqual(try JPEGHeader.read(path: dir + "/photos/a.jpg").components, 1)
        try csv.write(toFile: dir + "/boxes.csv", atomically: true, encoding: .utf8)
        let db = dir + "/o.sqlite"
        func run(_ args: [String]) throws -> DetectBinary.Result {
            let r = try DetectBinary.run(args, in: dir)
            XCTAssertEqual(r.status, 0, "detect \(args.joined(separator: " ")):\n\(r.stderr.suffix(1500))")
            return r
        }
        _ = try run(["annotations", "import", "boxes.csv", "--format", "csv", "--dataset", "blobs", "--db", db])
        for name in ["faster-rcnn", "fast-rcnn", "rcnn"] {
            let r = try run(["train", "--pipeline", name, "--pipelines-dir", "pipelines", "--dataset", "blobs", "--db", db,
                             "--out", "models/\(name).safetensors", "--json"])
            XCTAssertEqual(r.json?["classes"] as? [String], ["blob"])
            XCTAssertEqual(r.json?["images"] as? Int, 4)
        }
        let out = try run(["run", "photos", "--pipeline", "all", "--pipelines-dir", "pipelines", "--db", db, "--json"])
        XCTAssertEqual(out.json?["images"] as? Int, 4)
        XCTAssertEqual(out.json?["skipped"] as? Int, 0)
        // Every detection lies inside its own image.
        let queue = try DatabaseQueue(path: db)
        let outside = try queue.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM detections d JOIN images i ON i.id = d.image_id
                WHERE d.x1 < 0 OR d.y1 < 0 OR d.x2 > i.width OR d.y2 > i.height OR d.x2 <= d.x1 OR d.y2 <= d.y1
                """) ?? -1
        }
        XCTAssertEqual(outside, 0)
        let sizes = try queue.read { db in try Row.fetchAll(db, sql: "SELECT width, height FROM images ORDER BY path").map { "\($0[0] as Int)x\($0[1] as Int)" } }
        XCTAssertEqual(Set(sizes), ["220x300", "1600x1200", "640x360", "300x900"])
    }
}
