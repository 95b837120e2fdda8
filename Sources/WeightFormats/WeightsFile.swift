import Foundation
import InputFiles
import NeuralNet

/// A weights file of either kind the toolkit reads — a safetensors file or a
/// PyTorch checkpoint (`torch.save`, zip or legacy) — told apart by its
/// first bytes, not its name; and the conversion of a checkpoint to safetensors.
public enum WeightsFile {
    public enum Kind: String, Sendable {
        case safetensors
        case torchZip = "torch-zip"
        case torchLegacy = "torch-legacy"
    }

    /// One tensor as a listing shows it.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        /// The element type in the file (tensors are float32 once read).
        public var dtype: SafeTensors.DType
    }

    public static func kind(of data: Data, path: String) throws -> Kind {
        switch TorchCheckpoint.format(of: data) {
        case .zip?: return .torchZip
        case .legacy?: return .torchLegacy
        case nil:
            // safetensors: an 8-byte header length, then the JSON header.
            if data.count > 8, data[data.startIndex + 8] == UInt8(ascii: "{") { return .safetensors }
            throw TorchCheckpointError.notACheckpoint(path: path, reason: "neither a safetensors file nor a PyTorch checkpoint (torch.save zip or legacy format)")
        }
    }

    /// A weights file's bytes, mapped rather than copied (a model is tens of
    /// megabytes, only the tensors' pages are touched); a FIFO, device or
    /// folder is refused before it is opened.
    static func mapped(_ path: String) throws -> Data {
        if let problem = InputFile.problem(path) { throw InputFileError.unreadable(path: path, reason: problem) }
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
            throw InputFileError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Reads either kind; tensors come back as float32 with their file dtypes.
    public static func read(path: String) throws -> (kind: Kind, contents: SafeTensors.Contents) {
        let data: Data
        do { data = try mapped(path) } catch let error as InputFileError {
            throw TorchCheckpointError.unreadable(path: path, reason: error.reason)
        }
        let kind = try kind(of: data, path: path)
        switch kind {
        case .safetensors: return (kind, try SafeTensors.decode(data, path: path))
        case .torchZip, .torchLegacy: return (kind, try TorchCheckpoint.decode(data, path: path))
        }
    }

    /// Every tensor's name, shape and file dtype, sorted by name.
    public static func entries(_ contents: SafeTensors.Contents) -> [Entry] {
        contents.tensors.keys.sorted().compactMap { name in
            guard let t = contents.tensors[name] else { return nil }
            return Entry(name: name, shape: t.shape, dtype: contents.dtypes[name] ?? .f32)
        }
    }

    /// Converts a PyTorch checkpoint to a safetensors file: every tensor,
    /// integer ones (BatchNorm's `num_batches_tracked`) included, is written as
    /// F32 under its state-dict name; the metadata records the source file
    /// name and each tensor's original dtype where it was not F32.
    @discardableResult
    public static func importCheckpoint(from source: String, to destination: String) throws -> SafeTensors.Contents {
        let contents = try TorchCheckpoint.read(path: source)
        var metadata = contents.metadata
        metadata["source"] = URL(fileURLWithPath: source).lastPathComponent
        let converted = contents.dtypes.filter { $0.value != .f32 }.map { "\($0.key)=\($0.value.rawValue)" }.sorted()
        if !converted.isEmpty { metadata["source_dtypes"] = converted.joined(separator: ",") }
        try SafeTensors.save(contents.tensors, metadata: metadata, to: destination)
        return SafeTensors.Contents(tensors: contents.tensors, metadata: metadata, dtypes: contents.dtypes)
    }
}
